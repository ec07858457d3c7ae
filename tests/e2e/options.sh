#!/bin/bash
# The console takes the global options among its arguments, before and
# after the drives, as every command does: --trace records its drives'
# commands, and --timeout is the time-out they are given.
set -u
: "${MODECON:?set MODECON to the modecon binary}"
STATE=$(mktemp -d /tmp/modecon-e2e-XXXXXX)
E2E_NAME=options
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
TRACE=$STATE/trace.jsonl

# wait_traced TEXT: poll (at most 20 s) until the trace holds TEXT.
wait_traced() {
    for _ in $(seq 200); do
        grep -qF -- "$1" "$TRACE" 2>/dev/null && {
            checks=$((checks + 1))
            return 0
        }
        sleep 0.1
    done
    fail "the trace never held: $1"
}

# The drive's first INQUIRY gets no answer: it ends at the time-out given
# (not the default 10 s), and the drive is identified on the next try.
e2e_next_server
$T new-session -d -x 100 -y 30 \
    "env XDG_STATE_HOME=$STATE XDG_CONFIG_HOME=$STATE TERM=xterm ASAN_OPTIONS=${ASAN_OPTIONS:-} LSAN_OPTIONS=${LSAN_OPTIONS:-} UBSAN_OPTIONS=${UBSAN_OPTIONS:-} $MODECON console --timeout 0.5 'emu:dvd-writer?fault=timeout@12*1' --trace $TRACE; echo \"EXITED \$?\"; sleep 60"
wait_traced '"error":"emu:dvd-writer: no answer within 500 ms"'
wait_for "MODECON DVD-RW WRITER 1.00"
$T capture-pane -p | grep -q "not a drive" && fail "an option was taken for a drive"
$T send-keys -l q
wait_for "EXITED 0"
echo "options: $checks checks passed"
