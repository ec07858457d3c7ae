#!/bin/bash
# A replay onto many drives on a real terminal (tmux): one progress line
# per drive, redrawn in place while the drives run (each drive's line
# shown once, never scrolled up as a log), then the table; at 80x24
# Ctrl-C stops every drive after its command, the table still drawn, and
# the process ends by the signal.
set -u
: "${MODECON:?set MODECON to the modecon binary}"
STATE=$(mktemp -d /tmp/modecon-e2e-XXXXXX)
E2E_NAME=fleet
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

export LC_ALL=C.UTF-8
SAN="ASAN_OPTIONS='${ASAN_OPTIONS:-}' LSAN_OPTIONS='${LSAN_OPTIONS:-}' UBSAN_OPTIONS='${UBSAN_OPTIONS:-}' TSAN_OPTIONS='${TSAN_OPTIONS:-}'"
DRIVES=$(cd "$(dirname "$0")/../../drives" && pwd)
for i in 1 2 3; do
    cp "$DRIVES/dvd-writer.json" "$STATE/w$i.json"
done
W1="emu:$STATE/w1.json"
W2="emu:$STATE/w2.json"
W3="emu:$STATE/w3.json"
cat >"$STATE/tower.cmd" <<CMDS
# drive emu:dvd-writer: MODECON DVD-RW WRITER 1.00
set emu:dvd-writer 05 TST_W=1
set emu:dvd-writer 05 WR_T=TAO
set emu:dvd-writer 05 BUFE=0
set emu:dvd-writer 08 WCE=0
CMDS

start() { # WIDTH HEIGHT DRIVE...
    local w=$1 h=$2
    shift 2
    e2e_next_server
    # The shell around it catches Ctrl-C (a handler, which modecon does
    # not inherit), so that it lives on to say how modecon ended.
    $T new-session -d -x "$w" -y "$h" \
        "trap : INT; env $SAN XDG_STATE_HOME=$STATE XDG_CONFIG_HOME=$STATE TERM=xterm $(printf '%q ' "$MODECON" replay "$STATE/tower.cmd" "$@"); echo EXITED \$?; sleep 60"
}

# Each drive's progress line is on the screen once: redrawn, not logged.
lines_once() {
    local screen
    screen=$($T capture-pane -p)
    for d in "$@"; do
        checks=$((checks + 1))
        [ "$(grep -cF -- "$d " <<<"$screen")" -le 1 ] ||
            fail "the progress of $d is on the screen more than once"
    done
}

# Three drives, two slow: while they run, a heading and one line per
# drive, each with its command k of n, page and time.
start 100 30 --drive "$W1?fault=latency:150" --drive "$W2?fault=latency:100" \
    --drive "$W3"
wait_for "replay: 3 drives:"
# A name longer than the room is cut in its middle: its end, which tells
# the drives apart, stays.
wait_for "~"
wait_for "w1.json?fault=latency:150  running"
wait_for " of 4  set 0"
lines_once "w1.json?fault=latency:150" "w2.json?fault=latency:100"
wait_for "w2.json?fault=latency:100  running"
lines_once "w1.json?fault=latency:150" "w2.json?fault=latency:100"
wait_for "EXITED 0"
screen=$($T capture-pane -p -J -S -200)
checks=$((checks + 1))
! grep -qE "(running|waiting) +[0-9.]+ s +command" <<<"$screen" ||
    fail "a progress line was left behind the table"
for d in "$W1?fault=latency:150" "$W2?fault=latency:100" "$W3"; do
    checks=$((checks + 1))
    grep -qE "^$(printf '%s' "$d" | sed 's/[?.]/\\&/g') +MODECON DVD-RW WRITER 1.00 +same +done +4 +4 " <<<"$screen" ||
        fail "no row of $d that took all four commands"
done
wait_for "3 drives: 3 ran the file"

# 80x24, every drive slow: Ctrl-C while they run stops each after its
# command; the table says which were changed, and 'undo' takes back what
# reached each.
for i in 1 2 3; do cp "$DRIVES/dvd-writer.json" "$STATE/w$i.json"; done
rm -rf "$STATE/modecon"
start 80 24 --drive "$W1?fault=latency:300" --drive "$W2?fault=latency:300" \
    --drive "$W3?fault=latency:300"
wait_for "command 2 of 4"
$T send-keys C-c
wait_for "EXITED 130"
screen=$($T capture-pane -p -J -S -200)
checks=$((checks + 1))
grep -q "stopped" <<<"$screen" || fail "no drive said stopped"
# The interruption is said in the drawing, not under it where the next
# drawing would draw over it: the notice is there, and the progress was
# drawn in place, its line of totals once.
checks=$((checks + 1))
grep -q "^interrupted: each drive stops after the command it is running" <<<"$screen" ||
    fail "the notice of the interruption was drawn over"
checks=$((checks + 1))
[ "$(grep -c "^replay: 3 drives:" <<<"$screen")" = 1 ] ||
    fail "the progress was not drawn in place after the interruption"
checks=$((checks + 1))
grep -q "stopped at line [0-9]*, as asked (Ctrl-C)" <<<"$screen" &&
    ! grep -q "keep-going runs the rest" <<<"$screen" ||
    fail "the stop is not said to be the one asked for"
cp "$DRIVES/dvd-writer.json" "$STATE/pristine.json"
cli() { XDG_STATE_HOME=$STATE XDG_CONFIG_HOME=$STATE "$MODECON" "$@"; }
for w in "$W1" "$W2" "$W3"; do
    cli undo "$w" --all >/dev/null 2>&1 # none on record: nothing to do
    for page in 5 8; do
        checks=$((checks + 1))
        [ "$(cli get "$w" $page)" = "$(cli get "emu:$STATE/pristine.json" $page)" ] ||
            fail "undo did not take back what reached $w (page $page)"
    done
done

echo "e2e $E2E_NAME: $checks checks passed"
