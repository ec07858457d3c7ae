#!/bin/bash
# The emulated drive keeps its state between processes and under
# concurrent use, and one process's commit locks out another's.
. "$(dirname "$0")/lib.sh"

# wait_holder PID: until modecon process PID holds a drive (its lock file
# names it), at most 30 s; a slow machine or valgrind takes its time.
wait_holder() {
    for _ in $(seq 600); do
        grep -qs "(pid $1)" "$STATE"/modecon/locks/*.lock && return
        sleep 0.05
    done
    fail "process $1 never took the drive"
}

# locked_out WHO ARGS...: while a slow 'modecon ARGS' holds the drive, a
# change of $D is refused and told it is modecon WHO that holds it; then
# the slow command succeeds.
locked_out() {
    local who=$1 slow
    shift
    "$MODECON" "$@" >"$STATE/slow.out" 2>&1 &
    slow=$!
    wait_holder "$slow"
    run set $D 8 --data "$new"
    expect_status 1
    expect_err "E_IMAPI_RECORDER_LOCKED (0xC0AA0210)"
    expect_err "in exclusive use by modecon $who (pid $slow)"
    wait $slow || fail "the slow $who failed: $(cat "$STATE/slow.out")"
}
D=emu:dvd-writer

chg=$("$MODECON" get $D 8 --type changeable)
read -r at mask <<<"$(first_bit "$chg" 1)"
page=$("$MODECON" get $D 8)
new=$(flip_byte "$page" "$at" "$mask")

# A slow commit holds the drive; a second commit meanwhile is refused and
# told who holds it.
locked_out set set "$D?fault=latency:4000@55" 8 --data "$new"

run get $D 8
[ "$(byte_of "$out" "$at")" = "$(byte_of "$new" "$at")" ] ||
    fail "the slow commit's change is not there"

# A restore holds the drive from its first read to its last MODE SELECT
# (here slow in the reads): a change meanwhile is refused, so that undo
# finds the restore whole.
"$MODECON" snapshot $D -o "$STATE/snap.json" >/dev/null 2>&1
locked_out restore restore "$D?fault=latency:1000@5a*4" "$STATE/snap.json"

# Reads from many processes at once all succeed and agree.
for i in $(seq 8); do
    "$MODECON" get $D 8 >"$STATE/read.$i" 2>&1 &
done
wait
for i in $(seq 8); do
    cmp -s "$STATE/read.1" "$STATE/read.$i" || fail "reader $i disagrees"
done

# A corrupt state file is replaced by the drive file's values.
for f in "$STATE"/modecon/emu/*; do
    case $f in *.lock) ;; *) printf '{ broken' >"$f" ;; esac
done
run get $D 8
expect_status 0
[ "$out" = "$page" ] || fail "the corrupt state was not replaced by the drive file's values"

# One drive file spelt two ways is one drive: one lock, one state.
cp "$(dirname "$0")/../../drives/dvd-writer.json" "$STATE/d.json"
"$MODECON" set "emu:$STATE/d.json?fault=latency:4000@55" 8 --data "$new" \
    >"$STATE/slow.out" 2>&1 &
slow=$!
wait_holder "$slow"
run set "emu:$STATE//./d.json" 8 --data "$new"
expect_status 1
expect_err "E_IMAPI_RECORDER_LOCKED (0xC0AA0210)"
wait $slow || fail "the slow commit failed: $(cat "$STATE/slow.out")"

done_ok
