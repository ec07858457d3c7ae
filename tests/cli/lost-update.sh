#!/bin/bash
# 'set DRIVE PAGE FIELD=VALUE' builds the page from the values it read;
# when another program changes another field of the page before the drive
# is held, the page is refused, nothing is sent, and the other program's
# change stays: a set never puts back a change it did not see.  Nor does
# a commit of staged edits.
. "$(dirname "$0")/lib.sh"
D=emu:dvd-writer
T=$STATE/slow.jsonl

# The first set's second read (the changeable values) answers 3 s late:
# it has read the current values and does not hold the drive yet.
"$MODECON" set "$D?fault=latency:3000@5a+1*1" caching WCE=0 --trace "$T" \
    >"$STATE/slow.out" 2>&1 &
slow=$!
for _ in $(seq 600); do
    [ -f "$T" ] && [ "$(wc -l <"$T")" -ge 2 ] && break
    sleep 0.05
done
# Meanwhile another change of the same page, to another field.
run set $D caching RCD=1
expect_status 0
checks=$((checks + 1))
kill -0 "$slow" 2>/dev/null || fail "the slow set finished before the other change"
wait "$slow"
slow_status=$?
run get $D caching
checks=$((checks + 1))
[ "$slow_status" -eq 1 ] || fail "the slow set exited $slow_status: $(cat "$STATE/slow.out")"
checks=$((checks + 1))
grep -q "changed since it was read (byte 2: 0x04, now 0x05).*nothing was sent" "$STATE/slow.out" ||
    fail "the slow set did not say the page changed and nothing was sent: $(cat "$STATE/slow.out")"
checks=$((checks + 1))
[ "$(jq -s '[.[] | select(.cdb | startswith("55 "))] | length' "$T")" -eq 0 ] ||
    fail "the slow set sent a MODE SELECT"
checks=$((checks + 1))
[ "$out" = "88 0a 05 00 00 00 00 00 00 00 00 00" ] || fail "the page is $out"

# --- Staged edits in a shell, another program changing the page between
# its lines (the shell's lines go through a FIFO, each once the one before
# has answered): an edit reads the drive, and commit sends what diff shows
# or nothing.
run set $D caching WCE=1 RCD=0
mkfifo "$STATE/lines"
"$MODECON" shell <"$STATE/lines" >"$STATE/shell.out" 2>&1 &
shell=$!
exec 3>"$STATE/lines"
# say LINE UNTIL: LINE to the shell, then wait (at most 30 s) until its
# output holds UNTIL.
say() {
    echo "$1" >&3
    for _ in $(seq 600); do
        grep -qF -- "$2" "$STATE/shell.out" && {
            checks=$((checks + 1))
            return
        }
        sleep 0.05
    done
    out=$(cat "$STATE/shell.out")
    fail "the shell never answered '$1' with: $2"
}
say "edit $D caching WCE=0" "WCE: 1 -> 0 (staged)"
# Another program clears WCE itself: the next edit says what the drive
# has and stages WCE=1 as asked, not "back to 1, as the drive has it".
run set $D caching WCE=0
say "edit $D caching WCE=1" "WCE: 0 -> 1 (staged)"
# Another program sets RCD: commit refuses, naming the byte, and sends
# nothing; diff then shows the words on the drive's values, and commit
# sends just that.
run set $D caching RCD=1
say "commit" "changed since it was read (byte 2: 0x00, now 0x01)"
say "get $D caching" "88 0a 01 00"
say "diff" "08 0a 05 00"
say "commit" "verified: the drive applied every byte"
exec 3>&-
wait "$shell"
run get $D caching
checks=$((checks + 1))
[ "$out" = "88 0a 05 00 00 00 00 00 00 00 00 00" ] || fail "the page is $out"
done_ok
