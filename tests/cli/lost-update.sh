#!/bin/bash
# 'set DRIVE PAGE FIELD=VALUE' builds the page from the values it read;
# when another program changes another field of the page before the drive
# is held, the page is refused, nothing is sent, and the other program's
# change stays: a set never puts back a change it did not see.
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
done_ok
