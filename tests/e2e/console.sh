#!/bin/bash
# The console in a real terminal (tmux), as a technician uses it: open it
# on the emulated drives, change WR_T on page 05 and commit it, try a
# locked field, watch a drive that hangs while the console still answers,
# resize, quit by q and by SIGTERM, and replay the journal of the session
# on another drive.
set -u
: "${MODECON:?set MODECON to the modecon binary}"
STATE=$(mktemp -d /tmp/modecon-e2e-XXXXXX)
E2E_NAME=console
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

# The row of the screen that holds TEXT.
row_of() {
    $T capture-pane -p | grep -F -- "$1" | head -1
}

start() {
    e2e_next_server
    $T new-session -d -x 100 -y 30 \
        "sh -c 'echo \$\$ >$STATE/console.pid; exec env XDG_STATE_HOME=$STATE XDG_CONFIG_HOME=$STATE TERM=${1:-xterm} ASAN_OPTIONS=${ASAN_OPTIONS:-} LSAN_OPTIONS=${LSAN_OPTIONS:-} UBSAN_OPTIONS=${UBSAN_OPTIONS:-} $MODECON ${2:-} console ${3:-}'; echo \"EXITED \$?\"; sleep 60"
    wait_for "Drives"
}

# pick_wr_t DRIVE: a console on DRIVE, at page 05's WR_T pick list.
pick_wr_t() {
    start xterm "" "$1"
    wait_for "DVD-RW WRITER"
    $T send-keys Enter # to the pages
    $T send-keys -l "gjj"
    $T send-keys Enter # page 05
    wait_for "0x05 Write Parameters, 52 bytes"
    for _ in 1 2 3; do $T send-keys Down; done
    wait_for "WR_T Write type: byte 2 bits 3-0"
    $T send-keys Enter
    wait_for "WR_T: pick a value"
}

# --- Change WR_T on page 05 of the DVD writer and commit it.
pick_wr_t emu:dvd-writer
$T send-keys Up Enter # TAO, above the current SAO
wait_for "staged SAO (2) -> TAO (1)"
row_of "WR_T      TAO (1)" | grep -q '^.*|\* WR_T' || fail "WR_T is not marked staged"
$T send-keys c
wait_for "Commit these changes?"
wait_for "55 10 00 00 00 00 00 00 3c 00"
$T send-keys y
wait_for "verified: the drive applied every byte"
row_of "WR_T      TAO (1)" | grep -q '|+ WR_T' || fail "WR_T is not marked applied"

# --- A locked field is refused, and named.
for _ in $(seq 11); do $T send-keys Down; done
wait_for "MCVAL Media catalog number valid: byte 16 bit 7"
$T send-keys Enter
wait_for "MCVAL is not changeable on this drive"
row_of "MCVAL     0" | grep -q '|X MCVAL' || fail "MCVAL is not marked"

# --- The command line: completion of a field name, then a command.
$T send-keys :
$T send-keys -l "edit TRACK"
$T send-keys Tab
wait_for ":edit TRACK_M="
$T send-keys -l "4"
$T send-keys Enter
wait_for "TRACK_M: 5 -> 4 (staged)"
$T send-keys d
wait_for "discarded"

# --- Resize: more room shows the field names.
$T resize-window -x 132 -y 40
wait_for "FIELD     NAME"
$T resize-window -x 80 -y 24
wait_for "F1 help"

# --- q leaves the terminal as it was.
$T send-keys q
wait_for "EXITED 0"
$T capture-pane -p | grep -q "Drives" && fail "the console is still on the screen after q"
# The command line's history is kept for the next session.
grep -q "TRACK_M=4" "$STATE/modecon/console-history" ||
    fail "the console's history file does not hold the command typed"
checks=$((checks + 1))

# --- The journal replays the change on another drive.
cp "$(dirname "$0")/../../drives/dvd-writer.json" "$STATE/second.json"
XDG_STATE_HOME=$STATE "$MODECON" replay "$STATE/modecon/journal" \
    --drive "emu:$STATE/second.json" >"$STATE/replay.out" 2>&1 ||
    { cat "$STATE/replay.out"; fail "the journal did not replay"; }
XDG_STATE_HOME=$STATE "$MODECON" show "emu:$STATE/second.json" 5 |
    grep -q "^WR_T .* TAO (1)" || fail "the replay did not set WR_T on the other drive"
checks=$((checks + 1))

# --- q q while a commit's MODE SELECT is with the drive: the console
# waits for the answer, so that it is recorded, then leaves.  The answer takes
# 8 s: the q has to reach the console while it is still awaited, and a
# loaded machine (sanitizers, QEMU tests alongside) has taken over 2.5 s
# between the undo record and the key.
audit=$STATE/modecon/audit.jsonl
lines=$(grep -c '"event":"outcome"' "$audit")
pick_wr_t "emu:dvd-writer?fault=latency:8000@55"
$T send-keys Down Enter # SAO again, below TAO
wait_for "staged TAO (1) -> SAO (2)"
$T send-keys c
wait_for "Commit these changes?"
undo_records() {
    cat "$STATE"/modecon/undo/*.jsonl 2>/dev/null | grep -c '"sent"'
}
recorded=$(undo_records)
$T send-keys y
# q once the MODE SELECT is under way: its change is on the undo record.
for _ in $(seq 400); do
    [ "$(undo_records)" -gt "$recorded" ] && break
    sleep 0.05
done
# The first q waits behind the commit, as any key typed after it; the
# second leaves at once, once the MODE SELECT is answered.
$T send-keys q
wait_for "1 key waiting for emu:dvd-writer"
$T send-keys q
wait_for "waiting for a drive's answer to a MODE SELECT"
wait_for "EXITED 0"
checks=$((checks + 1))
[ "$(grep -c '"event":"outcome"' "$audit")" -eq $((lines + 1)) ] &&
    tail -1 "$audit" | grep -q '"verification":"applied"' ||
    fail "the commit the console waited for is not in the audit log"

# --- A drive that hangs: the console answers keys while it is busy, then
# shows its error; a drive with no medium says so.  It is busy for 6 s,
# time enough to see so on a loaded machine.
start vt100 "--timeout 6" "emu:dvd-writer?fault=timeout@5a emu:cd-atapi?fault=sense:02/3a/00@00"
wait_for "busy"
$T send-keys Down
wait_for "no medium"
$T send-keys "?"
wait_for "modecon help: keys, then commands"
$T send-keys Escape
wait_for "F1 help"
$T send-keys Up
wait_for "E_IMAPI_RECORDER_COMMAND_TIMEOUT (0xC0AA020D)"

# --- SIGTERM leaves the terminal as it was, too.
# The shell that started it wrote its pid and became the console (exec),
# also when a wrapper such as valgrind runs it.
pid=$(cat "$STATE/console.pid" 2>/dev/null)
[ -n "$pid" ] || fail "no console process to signal"
kill -TERM "$pid"
wait_for "EXITED 0"
$T capture-pane -p | grep -q "Drives" && fail "the console is still on the screen after SIGTERM"

echo "console: $checks checks passed"
