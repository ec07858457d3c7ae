#!/bin/bash
# An undo is a change like any other: its step goes to disk before its
# MODE SELECT, or nothing is sent.  With every flush in the undo
# directory failing (tests/shim/failsync.c), 'undo' and 'undo --force'
# send nothing and say so.
. "$(dirname "$0")/lib.sh"
: "${MODECON_FAILSYNC:?set MODECON_FAILSYNC to the failsync shim}"
D=emu:dvd-writer
UNDO_DIR=$STATE/modecon/undo
LOG=$STATE/failsync.log
preload=$(failsync_preload)

run set $D caching WCE=0
expect_status 0
run set $D 1 RRC=5 --save
expect_status 0
for page in 1 8; do
    for type in current saved; do
        before+=$("$MODECON" get $D $page --type $type)
    done
done

for args in "" "--force"; do
    trace=$STATE/undo$args.jsonl
    rm -f "$LOG"
    # shellcheck disable=SC2086
    out=$(LD_PRELOAD=$preload FAILSYNC_MATCH="$UNDO_DIR*" FAILSYNC_LOG=$LOG \
        "$MODECON" undo $D $args --trace "$trace" 2>"$STATE/stderr")
    status=$?
    err=$(cat "$STATE/stderr")
    checks=$((checks + 1))
    [ -s "$LOG" ] || fail "undo $args: nothing in the undo directory was flushed"
    expect_status 1
    expect_err "nothing was sent"
    checks=$((checks + 1))
    [ "$(jq -s '[.[] | select(.cdb | startswith("55 "))] | length' "$trace")" -eq 0 ] ||
        fail "undo $args: a MODE SELECT was sent though its record failed"
    after=
    for page in 1 8; do
        for type in current saved; do
            after+=$("$MODECON" get $D $page --type $type)
        done
    done
    checks=$((checks + 1))
    [ "$after" = "$before" ] || fail "undo $args: the drive's values changed"
done

done_ok
