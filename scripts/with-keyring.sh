#!/bin/sh
# with-keyring.sh — run a command with a throwaway, unlocked Secret Service.
#
#   dbus-run-session -- scripts/with-keyring.sh CMD ARGS...
#
# dbus-run-session gives CMD a private D-Bus session bus; this script starts
# gnome-keyring-daemon (secrets component only) on it with its keyrings in a
# temporary XDG_DATA_HOME, unlocked with a throwaway password, then runs CMD.
# Nothing touches the real user's keyring, and the temp dirs are removed on
# exit. The recipe is ../shared/reference/TOOLCHAIN.md §6.
#
# The real keyring test runs like this (make/CI):
#   ROOMBOARD_KEYRING_REAL=1 dbus-run-session -- scripts/with-keyring.sh \
#       go test -count=1 -run SecretService ./platform/keyring
#
# Needs: apt-get install -y --no-install-recommends gnome-keyring dbus
# (dbus provides dbus-run-session and dbus-daemon).
set -eu

if [ $# -eq 0 ]; then
	echo "usage: dbus-run-session -- $0 CMD ARGS..." >&2
	exit 2
fi
if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
	echo "$0: no D-Bus session bus; run me as: dbus-run-session -- $0 $*" >&2
	exit 2
fi
command -v gnome-keyring-daemon >/dev/null 2>&1 || {
	echo "$0: gnome-keyring-daemon not found; apt-get install -y gnome-keyring" >&2
	exit 2
}

# Keyrings go to $XDG_DATA_HOME/keyrings and the daemon's control socket to
# $XDG_RUNTIME_DIR. HOME stays as it is: changing it would move Go's caches.
XDG_DATA_HOME=$(mktemp -d "${TMPDIR:-/tmp}/roomboard-keyring-data.XXXXXX")
XDG_RUNTIME_DIR=$(mktemp -d "${TMPDIR:-/tmp}/roomboard-keyring-run.XXXXXX")
chmod 700 "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR"
export XDG_DATA_HOME XDG_RUNTIME_DIR
trap 'rm -rf "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR"' EXIT

# TEST FIXTURE, not a secret: the password of a keyring that lives in a temp
# dir for the length of this command.
THROWAWAY_KEYRING_PASSWORD='roomboard-test-keyring'

# --unlock reads the password from stdin, creates the "login" keyring with it
# (gnome-keyring 42 prints nothing when its control socket is at the default
# $XDG_RUNTIME_DIR/keyring; older versions print variables to eval). The daemon belongs to
# this session bus and exits when dbus-run-session tears the bus down.
eval "$(printf '%s' "$THROWAWAY_KEYRING_PASSWORD" | gnome-keyring-daemon --unlock --components=secrets)"

# Not exec: the EXIT trap must still remove the temp dirs.
"$@"
