#!/usr/bin/env bash
# Installs what core/ics's parse-back tests need (they fail under CI=1
# without it): ical.js from the committed lockfile, and Debian's
# python3-icalendar for /usr/bin/python3. Run from the repository root;
# idempotent, and apt is skipped when the package is already installed.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
if ! dpkg-query -W -f='${Status}\n' python3-icalendar 2>/dev/null | grep -q '^install ok installed'; then
	$SUDO apt-get update -q
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends python3-icalendar
fi

# npm ci installs exactly package-lock.json (ical.js 2.2.1, no dependencies)
# into core/ics/testdata/node_modules, which .gitignore keeps out of git.
npm ci --prefix core/ics/testdata --no-audit --no-fund
