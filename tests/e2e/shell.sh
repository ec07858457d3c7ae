#!/bin/bash
# The shell in a real terminal (tmux): completion of a field name, a
# change, Ctrl-C on a half-typed line, Ctrl-D, the history recalled
# after a restart, and Ctrl-D and quit with edits staged.
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

# get reads fields by name: Tab completes a field name, not an
# assignment.
$T send-keys -l "get emu:dvd-writer write-parameters LINK"
$T send-keys Tab
wait_for "modecon> get emu:dvd-writer write-parameters LINK_S"
$T capture-pane -p | grep -q "LINK_S=" && fail "Tab offered an assignment after get"
$T send-keys Enter
wait_for "16 blocks"

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

# Ctrl-D with edits staged names them and asks, as the console's q does:
# anything but y stays, with the edits; 'quit' asks too; y leaves.
start
$T send-keys -l "edit emu:dvd-writer 5 WR_T=RAW LINK_S=3"
$T send-keys Enter
wait_for "LINK_S: 16 blocks -> 3 blocks (staged)"
$T send-keys C-d
wait_for "emu:dvd-writer: 2 staged edits of page 5 not sent (WR_T=RAW LINK_S=3): leave without them?"
$T send-keys -l "n"
$T send-keys Enter
wait_for "staying: the edits are still staged"
$T send-keys -l "diff"
$T send-keys Enter
wait_for "WR_T: TAO (1) -> RAW (3)"
$T send-keys -l "quit"
$T send-keys Enter
wait_for "(WR_T=RAW LINK_S=3): leave without them?"
$T capture-pane -p | grep -q "EXITED" && fail "the shell left before the answer"
# Ctrl-C at the question is a no, and the next line still runs.
$T send-keys C-c
$T send-keys -l "open"
$T send-keys Enter
wait_for "no drive selected"
$T send-keys C-d
# The third question of this session (the screen keeps the first two).
for _ in $(seq 200); do
    [ "$($T capture-pane -p | grep -c "leave without them?")" -ge 3 ] && break
    sleep 0.1
done
[ "$($T capture-pane -p | grep -c "leave without them?")" -ge 3 ] ||
    fail "Ctrl-D after a Ctrl-C at the question did not ask"
checks=$((checks + 1))
$T send-keys -l "y"
$T send-keys Enter
wait_for "EXITED 0"
echo "shell: $checks checks passed"
