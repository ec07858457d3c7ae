#!/bin/bash
# Values in their real units (shown, typed, explained, in JSON), reserved
# enum values refused unless forced, and warnings only for a change in the
# dangerous direction.
. "$(dirname "$0")/lib.sh"
D=emu:dvd-writer

# Shown in the unit, with the raw count, and what one step is.
run show $D power-condition
expect_status 0
grep -q '^IACT .* 5 s (50) .*100 ms steps$' <<<"$out" ||
    fail "IACT is not shown as 5 s (50) with its step"
grep -q '^SZCT .* 3 min (1800) .* 5 min (3000) ' <<<"$out" ||
    fail "SZCT is not shown in minutes"
run show $D write-parameters
grep -q '^LINK_S .* 16 blocks ' <<<"$out" || fail "LINK_S has no unit"

# JSON: value in the unit, the unit, and the raw count.
run show $D power-condition --json
expect_status 0
iact=$(jq -c '.fields[] | select(.field == "IACT") | [.value, .unit, .raw, .scale, .current]' <<<"$out")
[ "$iact" = '[5000,"ms",50,100,"5 s (50)"]' ] || fail "IACT in JSON: $iact"

# Typed in units; the value sent is the count of steps.
run set $D power-condition IACT=30s --trace "$STATE/t.jsonl"
expect_status 0
expect_out "IACT: 5 s (50) -> 30 s (300)"
grep -q '"cdb":"55.*"data_out":"[^"]*1a 0a 00 03 00 00 01 2c ' "$STATE/t.jsonl" ||
    fail "IACT=30s did not send 300 steps (00 00 01 2c)"
run set $D power-condition 'SZCT=10min' 'IACT=1.5s'
expect_status 0
expect_out "SZCT: 3 min (1800) -> 10 min (6000)"
expect_out "IACT: 30 s (300) -> 1500 ms (15)"
run set $D power-condition IACT=300steps
expect_status 0
expect_out "IACT: 1500 ms (15) -> 30 s (300)"
run set $D power-condition 'IACT=1 h'
expect_status 0
expect_out "-> 1 h (36000)"

# Not a whole number of steps: refused, naming the two nearest.
run set $D power-condition IACT=150ms
expect_status 2
expect_err "IACT=150ms: the idle timer counts steps of 100 ms: 100 ms or 200 ms"
# A bare number where a step is 100 ms reads two ways: refused, naming both.
run set $D power-condition IACT=5000
expect_status 2
expect_err "IACT=5000 is ambiguous: the idle timer counts steps of 100 ms: 5000 ms = 50 steps, or 5000 steps = 500 s; write IACT=5000ms or IACT=5000steps"
run get $D power-condition
expect_out "00 03 00 00 8c a0 00 00 17 70"
# Where a step is one unit, a bare number is that unit, as before.
run set $D timeout-and-protect G1MT=90 --dry-run
expect_status 0
expect_out "G1MT: 5 s -> 90 s"
run set $D timeout-and-protect G1MT=2min --dry-run
expect_out "G1MT: 5 s -> 2 min"

# No number at all: the error says what is typeable there, in the unit,
# not the bare count of steps; the console's prompt reads the same way.
for bad in abc '' -5s nan; do
    run set $D power-condition "IACT=$bad" --dry-run
    expect_status 2
    expect_err "IACT=$bad: expected a time (30s, 500ms, 1.5s, 10min, 1h) or a count of steps (300steps), 0 s to 429496729500 ms"
done
run set $D 0x2a CWSS=fast --force --dry-run
expect_status 2
expect_err "CWSS=fast: expected a speed in kB/s (kB = 1000 bytes) or as NxCD (1x = 176.4 kB/s), NxDVD (1x = 1385 kB/s) or NxBD (1x = 4495.5 kB/s), when that is a whole number of kB/s, 0 kB/s to 65535 kB/s"
run set $D write-parameters LINK_S=many
expect_status 2
expect_err "LINK_S=many: expected a number of blocks, 0 blocks to 255 blocks"

# Speeds: kB/s (kB = 1000 bytes) or a multiple of 1x CD, DVD or BD.
run set $D 0x2a CWSS=20xCD --force --dry-run
expect_out "CWSS: 7056 kB/s -> 3528 kB/s"
run set $D 0x2a CWSS=2xBD --force --dry-run
expect_out "-> 8991 kB/s"
# 1x CD and 1x BD are fractional in kB/s: a multiple that is not a whole
# number of kB/s is refused as any other value, never rounded.
run set $D 0x2a CWSS=8xCD --force --dry-run
expect_status 2
expect_err "CWSS=8xCD is 1411.2 kB/s: the current write speed selected is a whole number of kB/s: 1411 kB/s or 1412 kB/s"
run set $D 0x2a CWSS=1.5xCD --force --dry-run
expect_status 2
expect_err "CWSS=1.5xCD is 264.6 kB/s"
run set $D 0x2a CWSS=1xBD --force --dry-run
expect_status 2
expect_err "CWSS=1xBD is 4495.5 kB/s"
# Hex digits and a unit's letters mix: refused, naming both readings.
run set $D 0x2a CWSS=0xCD --force --dry-run
expect_status 2
expect_err "CWSS=0xCD is ambiguous: the hex number 0xCD is 205 kB/s, or 0 times 1x CD is 0 kB/s; write CWSS=205kB/s or CWSS=0kB/s"
run set $D 0x2a CWSS=0xBD --force --dry-run
expect_status 2
expect_err "CWSS=0xBD is ambiguous: the hex number 0xBD is 189 kB/s"
# Units as written: kb/s is kilobits, Ms megaseconds.
run set $D 0x2a CWSS=1411kb/s --force --dry-run
expect_status 2
expect_err "CWSS=1411kb/s: 'kb/s' is no unit of the current write speed selected (units are case-sensitive: 'kB/s')"
# Blanks only between the number and the unit.
run set $D power-condition 'IACT=5 m s' --dry-run
expect_status 2
expect_err "IACT=5 m s: blanks may stand only between the number and the unit"
# Only what would be accepted is suggested (16 ms is no whole step).
run set $D power-condition IACT=0x10 --dry-run
expect_status 2
expect_err "IACT=0x10 is ambiguous: the idle timer counts steps of 100 ms: 16 ms (not a whole number of steps), or 16 steps = 1600 ms; write IACT=16steps"
run set $D power-condition IACT=16steps --dry-run
expect_status 0
run set $D 0x2a CWSS=4495.5kB/s --force --dry-run
expect_status 2
expect_err "CWSS=4495.5kB/s: the current write speed selected is a whole number of kB/s: 4495 kB/s or 4496 kB/s"

# explain says once what a step is, and how a value is typed.
run explain power-condition IACT
expect_status 0
expect_out "Idle timer, counts steps of 100 ms"
expect_out "typed as a time (30s, 500ms, 1.5s, 10min, 1h) or a count of steps (300steps)"
expect_out "DANGER (warned when lowered): A short time"
grep -q "in ms" <<<"$out" && fail "explain still says 'in ms'"
grep -q "one step is" <<<"$out" && fail "explain says the step twice"

# The 1x speeds are said once, from the table that reads NxCD: the
# definition's help does not repeat them.
run explain 0x2a MRSS
expect_status 0
expect_out "typed as a speed in kB/s (kB = 1000 bytes) or as NxCD (1x = 176.4 kB/s), NxDVD (1x = 1385 kB/s) or NxBD (1x = 4495.5 kB/s), when that is a whole number of kB/s"
[ "$(grep -o "176\.4" <<<"$out" | wc -l)" = 1 ] || fail "explain MRSS gives 1x CD more than once"
run explain 0x2a WSPD
[ "$(grep -o "176\.4" <<<"$out" | wc -l)" = 1 ] || fail "explain WSPD gives 1x CD more than once"

# A number an enum's legend does not name: refused with the legend,
# unless forced.
run set $D write-parameters WR_T=9
expect_status 2
expect_err "WR_T=9: 9 is no value of Write type (reserved or undefined); its values are 0 PACKET, 1 TAO, 2 SAO, 3 RAW, 4 LAYER_JUMP; --force sends it anyway"
run set $D write-parameters DBT=5
expect_status 2
expect_err "DBT=5: 5 is no value of Data block type"
run set $D write-parameters DBT=5 --force --dry-run
expect_status 0
expect_out "DBT: MODE1 (8) -> 5"
expect_err "warning: DBT=5 is no value of Data block type (reserved or undefined); sending anyway (--force)"
# Staged with --force, diff (the console's commit dialog) says it too.
run -c "edit --force $D 5 WR_T=9; diff"
expect_status 0
expect_out "WR_T: SAO (2) -> 9"
expect_err "warning: WR_T=9 is no value of Write type (reserved or undefined); sending anyway (--force)"
[ "$(grep -c "WR_T=9 is no value" <<<"$err")" -ge 2 ] ||
    fail "diff did not repeat the warning of the staged WR_T=9: $err"
run -c "edit $D 5 WR_T=9"
expect_status 2
expect_err "WR_T=9: 9 is no value of Write type"

# Warnings with a direction: lowering a power timer warns, raising it
# does not, and neither does the undo of a lowering.
run set $D power-condition IACT=10s
expect_status 0
expect_err "warning: IACT: A short time makes the drive power down and up often"
run set $D power-condition IACT=1min
expect_status 0
grep -q "warning: IACT" <<<"$err" && fail "raising IACT warned: $err"
run set $D power-condition IACT=20s
expect_err "warning: IACT:"
run undo $D
expect_status 0
expect_out "IACT: 20 s (200) -> 1 min (600)"
grep -q "warning: IACT" <<<"$err" && fail "the undo of a lowering warned: $err"
# A change to the value a danger names warns; a change away does not.
run set $D write-parameters BUFE=0
expect_err "warning: BUFE: 0 turns underrun protection off"
run set $D write-parameters BUFE=1
grep -q "warning: BUFE" <<<"$err" && fail "turning BUFE back on warned: $err"

done_ok
