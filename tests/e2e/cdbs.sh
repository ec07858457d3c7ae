#!/bin/bash
# The commands the console sends to stage and commit an edit, counted per
# opcode from --trace: the commit dialog's dry run sends nothing, the
# commit reads the page once and sends one MODE SELECT with its
# read-back, and the page shown again takes its current values from the
# read-back; the watch of the files the commit wrote reads the page in
# view once more (bench/cdbs.sh says why each is needed).
set -u
: "${MODECON:?set MODECON to the modecon binary}"
STATE=$(mktemp -d /tmp/modecon-e2e-XXXXXX)
E2E_NAME=cdbs
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tools/trace-counts.sh
. "$(dirname "$0")/../../tools/trace-counts.sh"
D=emu:dvd-writer
TRACE=$STATE/trace.jsonl
DATA=$(cd "$(dirname "$0")/../.." && pwd)



expect_counts() {
    checks=$((checks + 1))
    [ "$(trace_counts "$TRACE" "$D" "$1")" = "$2" ] ||
        fail "$3: sent $(trace_counts "$TRACE" "$D" "$1") (INQUIRY, MODE SENSE, MODE SELECT, other), expected $2"
}

XDG_STATE_HOME=$STATE XDG_CONFIG_HOME=$STATE "$MODECON" set $D 5 WR_T=SAO >/dev/null ||
    fail "the set-up set failed"
$T new-session -d -x 100 -y 30 "env XDG_STATE_HOME=$STATE XDG_CONFIG_HOME=$STATE MODECON_DATA_DIR=$DATA TERM=xterm $MODECON --trace $TRACE console --poll 0 $D"
wait_for "DVD-RW WRITER"
$T send-keys Enter
$T send-keys -l "gjj"
$T send-keys Enter
wait_for "0x05 Write Parameters, 52 bytes"
for _ in 1 2 3; do $T send-keys Down; done
wait_for "WR_T Write type: byte 2 bits 3-0"
$T send-keys Enter
wait_for "WR_T: pick a value"
$T send-keys Up Enter
wait_for "staged SAO (2) -> TAO (1)"
trace_quiet "$TRACE" || fail "the trace never stopped growing"
from=$(($(wc -l <"$TRACE") + 1))
$T send-keys c
wait_for "Commit these changes?"
trace_quiet "$TRACE" || fail "the trace never stopped growing"
expect_counts "$from" "0 0 0 0" "the commit dialog's dry run"
from=$(($(wc -l <"$TRACE") + 1))
$T send-keys y
wait_for "verified: the drive applied every byte"
trace_quiet "$TRACE" || fail "the trace never stopped growing"
expect_counts "$from" "0 4 1 0" "the commit"
$T send-keys q
echo "cdbs: $checks checks passed"
