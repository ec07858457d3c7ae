#!/bin/bash
# An undo line of a replay file takes back the last change of the drive
# it ran on: replayed with --drive on another drive it is refused, naming
# the change it would take back there, unless --undo-elsewhere asks for it.
. "$(dirname "$0")/lib.sh"
DRIVES=$(dirname "$0")/../../drives
for d in a b; do
    cp "$DRIVES/dvd-writer.json" "$STATE/$d.json"
done
A=emu:$STATE/a.json
B=emu:$STATE/b.json

# B has a change of its own, which an undo there would take back.
run set "$B" 8 RCD=1
expect_status 0
printf '%s\n' "set $A 5 WR_T=TAO" "undo $A" >"$STATE/fix.cmd"

# The pre-flight finds it, so that nothing of the file is sent.
run replay "$STATE/fix.cmd" --drive "$B"
expect_status 2
expect_err "undo $A: it took back the last change of $A; replayed on $B, there it would take back 'modecon set' of "
expect_err "nothing was sent (replay --undo-elsewhere runs it there anyway)"
expect_err "the pre-flight refused 1 command on $B; nothing was sent"
run show "$B" 5
grep -q "^WR_T .* SAO (2)" <<<"$out" || fail "a line of the refused file was sent"
run show "$B" 8
grep -q "^RCD .* 1 " <<<"$out" || fail "B's own change was taken back"
checks=$((checks + 2))

# A drive with nothing on record is said so.
cp "$DRIVES/dvd-writer.json" "$STATE/c.json"
printf '%s\n' "undo $A" >"$STATE/undo.cmd"
run replay "$STATE/undo.cmd" --drive "emu:$STATE/c.json"
expect_status 2
expect_err "replayed on emu:$STATE/c.json, emu:$STATE/c.json has no change on record"

# Asked for, it takes back B's last change: the replayed set.
run replay "$STATE/fix.cmd" --drive "$B" --undo-elsewhere
expect_status 0
run show "$B" 5
grep -q "^WR_T .* SAO (2)" <<<"$out" || fail "--undo-elsewhere did not undo"
checks=$((checks + 1))

# On the drive it ran on, the undo takes back the file's own set: the
# pre-flight cannot know it (a dry run records nothing) and says so, and
# the run goes on.
run replay "$STATE/fix.cmd" --dry-run
expect_status 0
expect_err "undo would take back a change of the dry runs before it, which are not on record: not checked"
run replay "$STATE/fix.cmd"
expect_status 0
run show "$A" 5
grep -q "^WR_T .* SAO (2)" <<<"$out" || fail "the undo did not run on its drive"
checks=$((checks + 1))

# Onto many drives at once the same: refused on each other drive by its
# pre-flight, run there when asked.
for d in d1 d2; do cp "$DRIVES/dvd-writer.json" "$STATE/$d.json"; done
D1=emu:$STATE/d1.json
D2=emu:$STATE/d2.json
run replay "$STATE/fix.cmd" --drive "$D1" --drive "$D2"
expect_status 2
expect_err "$D2: undo $A: it took back the last change of $A; replayed on $D2"
run show "$D2" 5
grep -q "^WR_T .* SAO (2)" <<<"$out" || fail "a line of the refused file was sent to $D2"
run replay "$STATE/fix.cmd" --drive "$D1" --drive "$D2" --undo-elsewhere
expect_status 0
for d in "$D1" "$D2"; do
    run show "$d" 5
    grep -q "^WR_T .* SAO (2)" <<<"$out" || fail "--undo-elsewhere did not undo on $d"
done
checks=$((checks + 3))

done_ok
