#!/bin/bash
# The console shows values in their real units: page 1A's idle timer as
# "30 s (300)" in the fields table, its step and the direction of its
# warning on the detail line, and the edit prompt starts from "30s".
set -u
: "${MODECON:?set MODECON to the modecon binary}"
STATE=$(mktemp -d /tmp/modecon-e2e-XXXXXX)
E2E_NAME=units
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

# The emulated drive keeps its state in $STATE: IACT is 300 steps of
# 100 ms when the console opens.
XDG_STATE_HOME=$STATE XDG_CONFIG_HOME=$STATE "$MODECON" set emu:dvd-writer \
    power-condition IACT=300steps >/dev/null 2>&1 || fail "set IACT=300steps failed"

e2e_next_server
$T new-session -d -x 100 -y 30 \
    "env XDG_STATE_HOME=$STATE XDG_CONFIG_HOME=$STATE TERM=xterm ASAN_OPTIONS=${ASAN_OPTIONS:-} LSAN_OPTIONS=${LSAN_OPTIONS:-} UBSAN_OPTIONS=${UBSAN_OPTIONS:-} $MODECON console emu:dvd-writer; echo \"EXITED \$?\"; sleep 60"
wait_for "DVD-RW WRITER"
$T send-keys Enter # to the pages
wait_for "0x1a Power Condi"
$T send-keys -l "g"
for _ in 1 2 3 4 5 6; do $T send-keys -l j; done
$T send-keys Enter # page 1A
wait_for "0x1a Power Condition, 12 bytes"
$T capture-pane -p | grep -q 'IACT  *30 s (300) ' ||
    fail "the fields table does not show IACT as 30 s (300)"
checks=$((checks + 1))
$T capture-pane -p | grep -q 'SZCT  *3 min (1800) ' ||
    fail "the fields table does not show SZCT as 3 min (1800)"
checks=$((checks + 1))
$T send-keys Down Down
wait_for "IACT Idle timer: bytes 4-7, number, counts 100 ms steps"
wait_for "warned when lowered: A short time"
$T send-keys Enter
wait_for "IACT = 30s"
# What is typed in a unit is what is sent: 5 s is 50 steps of 100 ms,
# 00 00 00 32 in bytes 4-7, and the commit dialog says it in seconds.
$T send-keys -l "5s"
$T send-keys Enter
wait_for "IACT: 30 s (300) -> 5 s (50) (staged)"
$T send-keys c
wait_for "Commit these changes?"
wait_for "IACT: 30 s (300) -> 5 s (50)"
$T send-keys y
wait_for "verified: the drive applied every byte"
page=$(XDG_STATE_HOME=$STATE XDG_CONFIG_HOME=$STATE "$MODECON" get emu:dvd-writer 1a)
[ "${page:0:23}" = "9a 0a 00 03 00 00 00 32" ] ||
    fail "IACT typed as 5s was not sent as 50 steps: $page"
checks=$((checks + 1))
$T send-keys -l q
wait_for "EXITED 0"
echo "units: $checks checks passed"
