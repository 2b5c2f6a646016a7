#!/bin/sh
# Regenerate docs/screenshots: run the real roomboard binary's demo (the
# simulator, the sync engine, the hub and a paired kiosk) full screen under
# Xvfb at 1280x800 and take a screenshot with ImageMagick's import once the
# kiosk's trace (ROOMBOARD_KIOSK_TRACE) shows its first schedule frame.
# main_xvfb_test.go runs the same "--one" step and also checks the trace.
#
#   scripts/screenshots.sh [OUTDIR]              # build, then all shots
#   BIN=./roomboard scripts/screenshots.sh       # use a built binary
#   scripts/screenshots.sh --one BIN room|floor LANG TRACE OUT.png   # one shot, inside an X display
#
# Needs: xvfb-run (xvfb), import (imagemagick), a CJK font (fonts-noto-cjk).
set -eu

if [ "${1:-}" = "--one" ]; then
	bin=$2 only=$3 lang=$4 trace=$5 out=$6
	ROOMBOARD_KIOSK_TRACE=$trace "$bin" demo -addr 127.0.0.1:0 -hub-addr 127.0.0.1:0 -only "$only" -lang "$lang" \
		-fullscreen -every 1h -quit-after 120s >"$trace.log" 2>&1 &
	pid=$!
	i=0
	# The first frame the player rendered from the hub's data.
	until grep -q "\"player\":\"$only\".*\"online\":true.*\"status\":\"[a-z]" "$trace" 2>/dev/null; do
		i=$((i + 1))
		if [ "$i" -gt 900 ]; then
			echo "screenshots: no schedule frame within 90 s" >&2
			kill "$pid" 2>/dev/null || true
			exit 1
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "screenshots: roomboard exited early:" >&2
			cat "$trace.log" >&2
			exit 1
		fi
		sleep 0.1
	done
	sleep 2 # let the frame reach the screen
	import -window root "$out"
	kill "$pid" 2>/dev/null || true
	wait "$pid" || true
	exit 0
fi

out=${1:-docs/screenshots}
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bin=${BIN:-}
if [ -z "$bin" ]; then
	bin=$tmp/roomboard
	go build -o "$bin" .
fi
for shot in room:en room:zh-TW room:de floor:zh-TW floor:de floor:zh-CN; do
	only=${shot%%:*} lang=${shot#*:}
	echo "screenshots: $only-$lang"
	xvfb-run -a -s "-screen 0 1280x800x24" "$0" --one "$bin" "$only" "$lang" "$tmp/$only-$lang.trace" "$out/$only-$lang.png"
done
