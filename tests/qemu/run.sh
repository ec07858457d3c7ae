#!/bin/bash
# ctest's entry: tests/qemu/MODE.sh in a QEMU guest with MODE's drives
# (guest.sh), against $MODECON.  The guest's serial log is the output.
set -u
: "${MODECON:?set MODECON to the modecon binary}"
MODE=${1:?usage: run.sh MODE}
HERE=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d /tmp/modecon-qemu-XXXXXX)
trap 'rm -rf "$W"' EXIT
bash "$HERE/guest.sh" "$MODE" "$MODECON" "$HERE/$MODE.sh" "$W"
status=$?
[ "$status" = 0 ] || echo "FAIL qemu.$MODE: guest exit $status" >&2
exit "$status"
