#!/bin/bash
# The console's drives over time: a drive that fails when the console
# opens and answers later is identified then, by the background poll or
# by r; the page in view follows changes made by other processes; :open
# adds a drive while the console runs and :close removes one.
set -u
: "${MODECON:?set MODECON to the modecon binary}"
STATE=$(mktemp -d /tmp/modecon-e2e-XXXXXX)
E2E_NAME=drives
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
DRIVES=$(dirname "$0")/../../drives

# The row of the screen below the title that holds TEXT.
row_of() {
    $T capture-pane -p | tail -n +2 | grep -F -- "$1" | head -1
}

# Wait until the row holding ROW also holds TEXT.
wait_row() {
    for _ in $(seq 200); do
        row_of "$1" | grep -qF -- "$2" && {
            checks=$((checks + 1))
            return 0
        }
        sleep 0.1
    done
    fail "the row of $1 never showed: $2"
}

# start [OPTIONS] DRIVE...: a console on those drives alone (no drives
# file, the built-in ones listed after them).
start() {
    local options=$1
    shift
    e2e_next_server
    $T new-session -d -x 120 -y 40 \
        "env XDG_STATE_HOME=$STATE XDG_CONFIG_HOME=$STATE ASAN_OPTIONS=${ASAN_OPTIONS:-} LSAN_OPTIONS=${LSAN_OPTIONS:-} UBSAN_OPTIONS=${UBSAN_OPTIONS:-} $MODECON $options console $*; echo \"EXITED \$?\"; sleep 60"
    wait_for "Drives"
}

quit() {
    $T send-keys q
    wait_for "EXITED 0"
}

# --- A drive busy when the console opens (its first three commands
# answer BUSY): the poll alone identifies it once it answers.
busy="emu:dvd-writer?fault=status:08*3"
start "--timeout 1" "'$busy'"
wait_row "$busy" "failed"
wait_row "$busy" "MODECON  DVD-RW WRITER"
wait_for "05 Write Parameters"
wait_for "$busy: identified: MODECON DVD-RW WRITER"
quit

# --- A drive file broken when the console opens, fixed while it runs:
# with the poll off, r alone identifies it.
broken=$STATE/x.json
echo '{ "this is": "not a drive" ' >"$broken"
start "" "--poll 0 emu:$broken"
wait_row "emu:$broken" "failed"
wait_for "(no answer)"
cp "$DRIVES/dvd-writer.json" "$broken"
$T send-keys r
wait_row "emu:$broken" "MODECON  DVD-RW WRITER"
wait_for "05 Write Parameters"
quit

# --- The same, left to the poll: no key after the fix.
echo '{ "this is": "not a drive" ' >"$broken"
start "" "emu:$broken"
wait_row "emu:$broken" "failed"
cp "$DRIVES/dvd-writer.json" "$broken"
wait_row "emu:$broken" "MODECON  DVD-RW WRITER"
wait_for "05 Write Parameters"
quit

# --- The page in view follows changes made by other modecon processes,
# marked ^; the console's own commit is marked + as ever.  The poll is
# off: the watched audit log and drive state alone bring the news.
start "" "--poll 0 emu:dvd-writer"
wait_row "emu:dvd-writer" "DVD-RW WRITER"
$T send-keys Enter j j j Enter
wait_for "08 Caching, 12 bytes, savable"
wait_row "WCE       Write cache enable" "1"
XDG_STATE_HOME=$STATE "$MODECON" set emu:dvd-writer caching WCE=0 >/dev/null ||
    fail "the other process could not set WCE"
wait_row "WCE       Write cache enable        0" "|^ WCE"
wait_for "changed on the drive, not by this console (was 1)"
wait_for "page 0x08 changed on the drive, not by this console (marked ^): WCE 0 (was 1)"
# A power cycle brings back the saved value.
XDG_STATE_HOME=$STATE "$MODECON" power-cycle emu:dvd-writer >/dev/null ||
    fail "the other process could not power-cycle the drive"
wait_row "WCE       Write cache enable        1" "|^ WCE"
wait_for "changed on the drive, not by this console (was 0)"
# The console's own commit: + and no ^, though it too changes the files.
$T send-keys Enter
wait_for "staged 1 -> 0"
$T send-keys c
wait_for "Commit these changes?"
$T send-keys y
wait_for "verified: the drive applied every byte"
wait_row "WCE       Write cache enable        0" "|+ WCE"
# Another change after it shows the watch has read the page since the
# commit; the log tells of WCE changed by another once only, before.
XDG_STATE_HOME=$STATE "$MODECON" set emu:dvd-writer caching RCD=1 >/dev/null ||
    fail "the other process could not set RCD"
wait_for "(marked ^): RCD 1 (was 0)"
$T send-keys L
wait_for "Messages, newest last"
[ "$($T capture-pane -p | grep -c "(marked ^): WCE")" -eq 2 ] ||
    fail "the console's own commit was taken for another's change"
checks=$((checks + 1))
$T send-keys Escape
quit

# --- :open adds a drive while the console runs, :close removes it.
start "" "emu:dvd-writer"
wait_row "emu:dvd-writer" "DVD-RW WRITER"
$T send-keys :
$T send-keys -l "close"
$T send-keys Enter
wait_for "emu:dvd-writer: closed"
[ -z "$(row_of "  emu:dvd-writer ")" ] || fail "the closed drive is still listed"
$T send-keys :
$T send-keys -l "open emu:$broken"
$T send-keys Enter
wait_for "emu:$broken: added to the Drives list"
wait_row "emu:$broken" "MODECON  DVD-RW WRITER"
wait_for "modecon  emu:$broken  MODECON DVD-RW WRITER"
# The drive opened has the focus on its pages.  Staged edits on the
# drive: the first :close names them, the next closes.
$T send-keys j j Enter
wait_for "05 Write Parameters, 52 bytes"
$T send-keys :
$T send-keys -l "edit TRACK_M=4"
$T send-keys Enter
wait_for "TRACK_M: 5 -> 4 (staged)"
$T send-keys :
$T send-keys -l "close emu:$broken"
$T send-keys Enter
wait_for "emu:$broken: 1 staged edit of page"
row_of "emu:$broken" | grep -q "DVD-RW WRITER" || fail "the drive with staged edits was closed at once"
$T send-keys :
$T send-keys -l "close emu:$broken"
$T send-keys Enter
wait_for "emu:$broken: closed"
[ -z "$(row_of "  emu:$broken ")" ] || fail "the closed drive is still listed"
# What is no drive URI is refused and not added.
$T send-keys :
$T send-keys -l "open nothing-here"
$T send-keys Enter
wait_for "open: 'nothing-here' is not a drive"
quit

echo "drives: $checks checks passed"
