#!/bin/bash
# The SCSI commands each operation sends to a drive, against the fewest it
# needs.  On a slow link (iSCSI over a WAN, a USB drive spinning up) every
# CDB is paid for; this counts them, per opcode, from --trace: INQUIRY
# (12h), MODE SENSE(10) (5Ah), MODE SELECT(10) (55h) and any other.
#
# Each row runs its set-up untraced (so that the operation really changes
# the drive), then the operation with --trace, on emu:dvd-writer, whose
# state lives in a private XDG_STATE_HOME.  A row whose operation fails,
# or sends another number of MODE SELECTs than its minimum (it measured
# something else, such as a change already in place), fails the script.
# Being over the minimum does not, unless --strict is given.
#
# The minimum of each row, and why (SPC-4 and MMC-6 as cited in docs/):
#   get       MODE SENSE current: 1.  GetModePage prints bytes; it needs
#             neither the identity nor another page control.
#   show      INQUIRY (the drive's identity picks its page definitions and
#             vendor rules) + MODE SENSE current, changeable, default and
#             saved, the four columns shown: 5.
#   show --all  INQUIRY (the page definitions) + MODE SENSE of page 3Fh
#             (SPC-4 6.13: every page in one answer) under each page
#             control, current, changeable, default and saved: 5.  A
#             drive that refuses page 3Fh needs one MODE SENSE per page
#             and page control instead.  show holds no drive to read: a
#             read pass (recorder_begin_read_pass) keeps each 3Fh answer
#             for the pages it holds.
#   set       INQUIRY once (the identity keys the undo record and picks the
#             page definitions) + MODE SENSE current (the bytes to change)
#             and changeable (the check), read before the drive is held +
#             MODE SENSE current once it is held + MODE SELECT + MODE SENSE
#             read-back (the verification): 6.  A set holds the drive only
#             to send (another modecon is not refused while it parses and
#             checks: tests/cli/lost-update.sh), so it reads the page again
#             once held and refuses to send over a change made meanwhile.
#             No UNIT ATTENTION would tell of that change: MODE PARAMETERS
#             CHANGED goes to the other I_T nexuses only (SPC-4 6.11), and
#             every program on the host shares a local drive's one nexus.
#   set --save  SPC-4 6.11: a MODE SELECT with SP set saves the current
#             values of every savable page, not only the page sent, so
#             undo must hold each page's saved values from before.  INQUIRY
#             + MODE SENSE current and changeable of the page (before the
#             drive is held, as set) + once held, MODE SENSE current and
#             saved of all pages (page 3Fh: two commands give every page,
#             the page changed included, which is set's read once held) +
#             MODE SELECT (SP=1) + read-back of the page's current and
#             saved values: 8.  A drive that refuses page 3Fh needs one
#             MODE SENSE per page instead.
#   defaults  INQUIRY + MODE SENSE current, changeable and default + MODE
#             SELECT + read-back: 6.
#   restore   (of a snapshot differing from the drive in one page)
#             INQUIRY (the snapshot's model against the drive's) + MODE
#             SENSE current and changeable of all pages (3Fh: every page is
#             checked before anything is sent) + per page that differs,
#             MODE SELECT and read-back: 5.
#   undo      (of one set) INQUIRY (the record is the drive's) + MODE SENSE
#             current (the bits were not changed again since; the values
#             to put back are on record, and were the drive's own) + MODE
#             SELECT + read-back: 4.
#   console   stage-and-commit in the console on one drive, counted from
#             the screen showing page 05 with its staged edit to the
#             screen saying the commit was verified and the page shown
#             again (the console run in tmux with --trace; the trace's
#             lines are counted once it has stopped growing, before the
#             commit key and after the answer): the staged edit keeps
#             the bytes it was checked against, and the commit dialog's
#             dry run reads nothing, so the commit needs MODE SENSE current
#             (a change made meanwhile is caught) + MODE SELECT + read-back,
#             which the page shown again takes its current values from
#             (a MODE SELECT of current values changes no other, SPC-4
#             6.11) + the watch's MODE SENSE current and saved of the page
#             in view: 5.  The console watches the audit log and the
#             emulated drives' state for other modecon processes' changes,
#             and reads the page in view when they change; its own commit
#             writes both, and a change another process made at the same
#             moment would write the same files, so it reads the page too.
#             The console runs with --poll 0: its polls (by default every
#             2 s, an INQUIRY and a MODE SENSE of page 3Fh) cost with time,
#             not with the operation, and would make the row vary.
#   -c line   'open emu:dvd-writer; page 5; edit WR_T=TAO; diff; commit':
#             INQUIRY + MODE SENSE current and changeable (edit checks
#             the value) + nothing for diff (the staged bytes) + MODE SENSE
#             current once more (commit catches a change made meanwhile) +
#             MODE SELECT + read-back: 6.
#
# usage: bench/cdbs.sh [--strict] [BUILD_DIR]   (default build/release)
#   BENCH_KEEP=FILE keeps the last trace (the console's) in FILE, and
#   BENCH_FROM=FILE the number of its first line counted.
set -u
STRICT=0
if [ "${1:-}" = --strict ]; then
    STRICT=1
    shift
fi
BUILD=${1:-build/release}
MODECON=$BUILD/src/modecon
[ -x "$MODECON" ] || { echo "bench: no modecon at $MODECON" >&2; exit 2; }
MODECON=$(realpath "$MODECON")
DATA=$(cd "$(dirname "$0")/.." && pwd)
DIR=$(mktemp -d /tmp/modecon-bench-cdbs-XXXXXX)
# shellcheck source=tools/trace-counts.sh
. "$DATA/tools/trace-counts.sh"
SOCK=modecon-bench-cdbs$$
T="tmux -L $SOCK -f /dev/null"
trap '$T kill-server 2>/dev/null; [ -n "${BENCH_KEEP:-}" ] && cp "$TRACE" "$BENCH_KEEP"; rm -rf "$DIR"' EXIT
export XDG_STATE_HOME=$DIR/state XDG_CONFIG_HOME=$DIR/config MODECON_DATA_DIR=$DATA
D=emu:dvd-writer
TRACE=$DIR/trace.jsonl
failed=0 over_rows=0

# modecon ARGS..., untraced: the drive as the row needs it.
setup() {
    "$MODECON" "$@" >"$DIR/setup.out" 2>&1 ||
        { echo "bench: set-up 'modecon $*' failed:" >&2; cat "$DIR/setup.out" >&2; exit 1; }
}


header() {
    printf '%-10s %8s %11s %12s %6s %6s %8s %6s\n' OPERATION INQUIRY "MODE SENSE" \
        "MODE SELECT" OTHER TOTAL MINIMUM OVER
}

# row NAME "MIN_INQ MIN_SENSE MIN_SELECT" "INQ SENSE SELECT OTHER"
row() {
    local name=$1 inq sense sel other mi ms mw
    read -r mi ms mw <<<"$2"
    read -r inq sense sel other <<<"$3"
    local total=$((inq + sense + sel + other)) min=$((mi + ms + mw))
    printf '%-10s %5d/%-2d %8d/%-2d %9d/%-2d %6d %6d %8d %6d\n' "$name" \
        "$inq" "$mi" "$sense" "$ms" "$sel" "$mw" "$other" "$total" "$min" $((total - min))
    if [ "$sel" != "$mw" ]; then
        echo "bench: $name sent $sel MODE SELECTs where it changes the drive with $mw" >&2
        failed=1
    fi
    [ $((total - min)) -gt 0 ] && over_rows=$((over_rows + 1))
}

# The console's trace stopped growing never: the row is not measured.
quiet_failed() {
    echo "bench: the console's trace never stopped growing" >&2
    failed=1
}

# traced NAME "MINIMUM" ARGS...: modecon --trace ARGS..., counted.
traced() {
    local name=$1 min=$2
    shift 2
    rm -f "$TRACE"
    if ! "$MODECON" --trace "$TRACE" "$@" >"$DIR/out" 2>&1; then
        echo "bench: 'modecon $*' failed:" >&2
        cat "$DIR/out" >&2
        failed=1
        return
    fi
    row "$name" "$min" "$(trace_counts "$TRACE" "$D")"
}

# Wait (at most 20 s, polling) until the console's screen shows TEXT.
wait_for() {
    for _ in $(seq 200); do
        $T capture-pane -p 2>/dev/null | grep -qF -- "$1" && return 0
        sleep 0.1
    done
    echo "bench: the console never showed: $1" >&2
    $T capture-pane -p >&2 2>/dev/null
    return 1
}


# The console, in tmux: page 05, WR_T staged from SAO to TAO, committed.
console_row() {
    if ! command -v tmux >/dev/null; then
        echo "console    skipped: no tmux to drive the console"
        return
    fi
    rm -f "$TRACE"
    $T new-session -d -x 100 -y 30 "env XDG_STATE_HOME=$XDG_STATE_HOME XDG_CONFIG_HOME=$XDG_CONFIG_HOME MODECON_DATA_DIR=$DATA TERM=xterm $MODECON --trace $TRACE console --poll 0 $D"
    wait_for "DVD-RW WRITER" || { failed=1; return; }
    $T send-keys Enter # to the pages
    $T send-keys -l "gjj"
    $T send-keys Enter # page 05
    wait_for "0x05 Write Parameters, 52 bytes" || { failed=1; return; }
    for _ in 1 2 3; do $T send-keys Down; done
    wait_for "WR_T Write type: byte 2 bits 3-0" || { failed=1; return; }
    $T send-keys Enter
    wait_for "WR_T: pick a value" || { failed=1; return; }
    $T send-keys Up Enter # TAO, above the current SAO
    wait_for "staged SAO (2) -> TAO (1)" || { failed=1; return; }
    trace_quiet "$TRACE" || { quiet_failed; return; }
    local from=$(($(wc -l <"$TRACE") + 1))
    [ -n "${BENCH_FROM:-}" ] && echo "$from" >"$BENCH_FROM"
    $T send-keys c
    wait_for "Commit these changes?" || { failed=1; return; }
    $T send-keys y
    wait_for "verified: the drive applied every byte" || { failed=1; return; }
    trace_quiet "$TRACE" || { quiet_failed; return; } # the page shown again, read back
    row console "0 4 1" "$(trace_counts "$TRACE" "$D" "$from")"
    $T send-keys q
    $T kill-server 2>/dev/null
}

echo "CDBs sent to $D by each operation, against the minimum it needs (sent/minimum)"
header
traced get "0 1 0" get "$D" 5
traced show "1 4 0" show "$D" caching
traced "show --all" "1 4 0" show "$D" --all
setup set "$D" caching WCE=1
traced set "1 4 1" set "$D" caching WCE=0
traced "set --save" "1 6 1" set --save "$D" caching WCE=1
setup set "$D" caching RCD=1
traced defaults "1 4 1" defaults "$D" caching
setup snapshot -o "$DIR/snapshot.json" "$D"
setup set "$D" caching RCD=1
traced restore "1 3 1" restore "$D" "$DIR/snapshot.json"
setup set "$D" caching RCD=1
traced undo "1 2 1" undo "$D"
traced "-c line" "1 4 1" -c "open $D; page 5; edit WR_T=TAO; diff; commit"
setup set "$D" 5 WR_T=SAO
console_row
echo "rows over their minimum: $over_rows"
[ "$failed" = 0 ] || exit 1
[ "$STRICT" = 1 ] && [ "$over_rows" != 0 ] && exit 1
exit 0
