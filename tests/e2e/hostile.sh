#!/bin/bash
# The shell's completion list in a real terminal (tmux): a drive file
# named with an escape sequence that sets the terminal's title shows as
# text, and the title stays as it was.
set -u
: "${MODECON:?set MODECON to the modecon binary}"
STATE=$(mktemp -d /tmp/modecon-e2e-XXXXXX)
E2E_NAME=hostile
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

data=$STATE/data
mkdir -p "$data/drives"
cp -r "$MODECON_DATA_DIR/pages" "$data/pages"
cp "$MODECON_DATA_DIR/drives/dvd-writer.json" "$data/drives/"
cp "$MODECON_DATA_DIR/drives/dvd-writer.json" \
    "$data/drives/x"$'\e'"]0;PWNED"$'\a'".json"

e2e_next_server
$T new-session -d -x 100 -y 30 \
    "env MODECON_DATA_DIR=$data XDG_STATE_HOME=$STATE XDG_CONFIG_HOME=$STATE ASAN_OPTIONS='${ASAN_OPTIONS:-}' LSAN_OPTIONS='${LSAN_OPTIONS:-}' UBSAN_OPTIONS='${UBSAN_OPTIONS:-}' $MODECON shell; echo \"EXITED \$?\"; sleep 30"
wait_for "modecon>"
title=$($T display -p '#{pane_title}')
$T send-keys -l "open emu:"
$T send-keys Tab
wait_for 'emu:x\x1b]0;PWNED\x07'
checks=$((checks + 1))
[ "$($T display -p '#{pane_title}')" = "$title" ] ||
    fail "a drive's name set the terminal's title: $($T display -p '#{pane_title}')"
$T send-keys C-u
$T send-keys -l "quit"
$T send-keys Enter
wait_for "EXITED 0"
echo "hostile: $checks checks passed"
