#!/bin/bash
# The shell in a real terminal (tmux): completion of a field name, a
# change, Ctrl-C on a half-typed line, Ctrl-D, and the history recalled
# after a restart.
set -u
: "${MODECON:?set MODECON to the modecon binary}"
STATE=$(mktemp -d /tmp/modecon-e2e-XXXXXX)
E2E_NAME=shell
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

start() {
    e2e_next_server
    $T new-session -d -x 100 -y 30 \
        "env XDG_STATE_HOME=$STATE XDG_CONFIG_HOME=$STATE ASAN_OPTIONS='${ASAN_OPTIONS:-}' LSAN_OPTIONS='${LSAN_OPTIONS:-}' UBSAN_OPTIONS='${UBSAN_OPTIONS:-}' $MODECON shell; echo \"EXITED \$?\"; sleep 30"
    wait_for "modecon>"
}

start
$T send-keys -l "open emu:dvd-writer; page write-parameters"
$T send-keys Enter
wait_for "page 0x05 (Write Parameters) selected"
$T send-keys -l "set WR_"
$T send-keys Tab
wait_for "modecon> set WR_T="
$T send-keys -l "TAO"
$T send-keys Enter
wait_for "WR_T: applied"
checks=$((checks + 1))
[ "$(tail -1 "$STATE/modecon/audit.jsonl" | jq -r .command)" = "modecon shell: set" ] ||
    fail "the shell's change is not recorded as its own: $(tail -1 "$STATE/modecon/audit.jsonl")"

# Ctrl-C abandons the line, not the shell.
$T send-keys -l "get caching this is not sent"
wait_for "modecon> get caching this is not sent"
$T send-keys C-c
$T send-keys -l "page"
$T send-keys Enter
wait_for "write-parameters"
$T capture-pane -p | grep -qE "expected DRIVE PAGE|has no field" && fail "the abandoned line ran"

# Ctrl-D ends the shell cleanly.
$T send-keys C-d
wait_for "EXITED 0"

hist=$STATE/modecon/history
[ -f "$hist" ] || fail "no history file"
[ "$(stat -c %a "$hist")" = 600 ] || fail "history is mode $(stat -c %a "$hist")"
checks=$((checks + 1))

# The history comes back after a restart: Up recalls the last line.
start
$T send-keys Up
wait_for "modecon> page"
$T send-keys C-u
$T send-keys -l "quit"
$T send-keys Enter
wait_for "EXITED 0"
echo "shell: $checks checks passed"
