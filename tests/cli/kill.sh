#!/bin/bash
# A process killed at any moment (kill -9, so nothing of modecon runs on
# the way out) leaves every file it writes whole: the emulated drive's
# state, and in the audit log and the undo record every line but perhaps
# a last one cut short without its newline, which readers leave out and
# the next line replaces.  Each command is
# slowed (latency) so that the kills land all along it: opening, reading,
# recording for undo, the MODE SELECT, the read-back, the audit line.
. "$(dirname "$0")/lib.sh"
D="emu:dvd-writer?fault=latency:4"
ROUNDS=${KILL_ROUNDS:-80}
AUDIT=$STATE/modecon/audit.jsonl

# whole_json FILE...: each file that exists parses as one JSON document
# (a command killed early has written none yet).
whole_json() {
    for f in "$@"; do
        [ -f "$f" ] || continue
        checks=$((checks + 1))
        jq -e . "$f" >/dev/null 2>&1 || fail "$f is not whole JSON: $(head -c 300 "$f")"
    done
}

# whole_lines FILTER FILE...: each line of each file that ends in a
# newline is a JSON object that makes FILTER true.
whole_lines() {
    local filter=$1 f
    shift
    for f in "$@"; do
        [ -f "$f" ] || continue
        checks=$((checks + 1))
        if [ -n "$(tail -c1 "$f")" ]; then
            head -n -1 "$f"
        else
            cat "$f"
        fi | jq -e -s "all(.[]; type == \"object\" and ($filter))" >/dev/null 2>&1 ||
            fail "round $i: $f has a torn line before its last: $(tail -c 400 "$f")"
    done
}

finished=0
for i in $(seq 1 "$ROUNDS"); do
    "$MODECON" set "$D" caching WCE=$((i % 2)) RCD=$(((i / 2) % 2)) >/dev/null 2>&1 &
    pid=$!
    # 0 to 99 ms: the whole command takes about 50 ms.
    sleep "0.0$((RANDOM % 10))$((RANDOM % 10))"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null && finished=$((finished + 1))
    # After every kill: all earlier audit and undo lines whole, every
    # state file whole.
    whole_lines 'has("event")' "$AUDIT"
    whole_lines 'has("version") or has("intent") or has("outcome") or has("undone") or has("dropped")' \
        "$STATE"/modecon/undo/*.jsonl
    whole_json "$STATE"/modecon/emu/*.state
done
lines=$(cat "$AUDIT" 2>/dev/null | grep -c '"event":"outcome"')
echo "kill: $ROUNDS rounds, $finished finished before the kill, $lines audit lines"
# The kills must have landed both before and after the audit line for the
# rounds to mean anything.
checks=$((checks + 1))
[ "$lines" -gt 0 ] && [ "$lines" -lt "$ROUNDS" ] ||
    fail "every kill landed on the same side of the audit line ($lines of $ROUNDS)"

# The drive still answers, its lock is free, and each recorded change can
# be undone or is found not in effect.
run pages emu:dvd-writer
expect_status 0
run set emu:dvd-writer caching WCE=1
expect_status 0
for i in 1 2 3; do
    run undo emu:dvd-writer
    expect_status 0
done
done_ok
