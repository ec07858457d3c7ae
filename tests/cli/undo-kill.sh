#!/bin/bash
# An undo of a saving change killed (kill -9) at any point along it is
# finished by the next 'undo': the drive's current and saved values come
# back to what they were before the change, and the earlier command
# (WCE=0, current values only) stays in effect, with --force too (every
# other point); one more 'undo' takes that back too.  The kill points are counted in the undo's own commands (its
# --trace), so that they spread over the whole undo whatever the speed of
# the machine; what is checked is the drive's state, never a duration.
. "$(dirname "$0")/lib.sh"
D=emu:dvd-writer
SLOW="$D?fault=latency:20"
T=$STATE/undo.trace

# fresh: a new drive and no record, then the two commands.
fresh() {
    rm -rf "$STATE/modecon"
    "$MODECON" snapshot $D -o "$STATE/fresh.json" >/dev/null 2>&1 || fail "snapshot failed"
    "$MODECON" set $D caching WCE=0 >/dev/null 2>&1 || fail "set WCE=0 failed"
    "$MODECON" snapshot $D -o "$STATE/before.json" >/dev/null 2>&1 || fail "snapshot failed"
    "$MODECON" set $D 1 RRC=5 --save >/dev/null 2>&1 || fail "set RRC=5 --save failed"
}

# same_as SNAPSHOT WHAT: every page's current and saved values as in it.
same_as() {
    run diff "$1" $D --type all
    checks=$((checks + 1))
    grep -qF "no differences" <<<"$out" || fail "$2: the drive is not as $1 has it: $out"
}

# The commands of a whole undo, as its trace counts them.
fresh
run --trace "$T" undo "$SLOW"
expect_status 0
total=$(grep -c . "$T")
selects=$(grep -c '"cdb":"55 ' "$T")
same_as "$STATE/before.json" "a whole undo"
[ "$selects" -ge 5 ] || fail "the undo of a saving change sent $selects MODE SELECTs, not 5"

points=${UNDO_KILL_POINTS:-14}
landed=0
for p in $(seq 1 "$points"); do
    # Kill once the undo has done this many commands: from the first to
    # the last but one.
    after=$(((total - 1) * p / (points + 1) + 1))
    fresh
    rm -f "$T"
    "$MODECON" --trace "$T" undo "$SLOW" >"$STATE/killed.out" 2>&1 &
    pid=$!
    for _ in $(seq 2000); do
        [ "$(cat "$T" 2>/dev/null | grep -c .)" -ge "$after" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.005
    done
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null && continue # finished before the kill
    landed=$((landed + 1))
    sent=$(cat "$T" 2>/dev/null | grep -c '"cdb":"55 ')
    # The next undo finishes it.
    force=
    [ $((p % 2)) -eq 0 ] && force=--force
    run undo $D $force
    [ "$status" -eq 0 ] || fail "killed after $after commands ($sent MODE SELECTs), undo $force failed"
    same_as "$STATE/before.json" "killed after $after commands ($sent MODE SELECTs), then undo $force"
    run undo $D
    expect_status 0
    same_as "$STATE/fresh.json" "killed after $after commands, then undo twice"
done
checks=$((checks + 1))
[ "$landed" -ge $((points / 2)) ] || fail "only $landed of $points kills landed during the undo"
echo "undo-kill: $landed of $points kills landed in an undo of $total commands ($selects MODE SELECTs)"
done_ok
