#!/bin/bash
# replay checks before it sends: the whole file (and the files it
# replays) is checked first, and a file with any fault runs nothing.
. "$(dirname "$0")/lib.sh"
D=emu:dvd-writer
T=$STATE/trace.jsonl

# No MODE SELECT (opcode 55h) in the trace.
no_select_traced() {
    checks=$((checks + 1))
    [ ! -e "$T" ] || ! grep -q '"cdb": *"55' "$T" || fail "a MODE SELECT went out: $(cat "$T")"
}

# --- 1. Every fault listed with its file and line; nothing runs.
cat >"$STATE/nested.cmd" <<CMDS
set $D caching WCX=1
CMDS
cat >"$STATE/faults.cmd" <<CMDS
set $D 5 WR_T=TAO
open $D
page write-parameters
set LINK_S=0
set WR_T=FAST
frobnicate
open $D extra
set $D nopage WCE=0
set $D caching WCE=0 WCE=1
show '$D
replay $STATE/nested.cmd
set $D 5 LINK_S=7
CMDS
rm -f "$T"
run replay "$STATE/faults.cmd" --keep-going --trace "$T"
expect_status 2
expect_err "faults.cmd:5: WR_T=FAST: expected a number from 0 to 15"
expect_err "faults.cmd:6: unknown command 'frobnicate'"
expect_err "faults.cmd:7: open: expected [DRIVE], got more"
expect_err "faults.cmd:8: page 'nopage': expected a page code"
expect_err "faults.cmd:9: 'WCE=1': 'WCE=0' of this edit sets the same bits"
expect_err "faults.cmd:10: expected a closing ' for the quote"
expect_err "nested.cmd:1: page 0x08 (Caching) has no field 'WCX'"
expect_err "replay $STATE/faults.cmd: 7 faults found; nothing was run"
checks=$((checks + 1))
[ "$(grep -c 'faults.cmd:[0-9]*:' <<<"$err")" -eq 6 ] ||
    fail "expected 6 faults of faults.cmd, one a line"
checks=$((checks + 1))
! grep -Eq 'faults.cmd:(1|2|3|4|12):' <<<"$err" || fail "a sound line was called a fault"
no_select_traced
checks=$((checks + 1))
[ ! -e "$STATE/modecon/journal" ] || fail "something ran: $(cat "$STATE/modecon/journal")"

# The checks start from the selection of the session that replays.
printf 'set WR_T=TAO\n' >"$STATE/selected.cmd"
run -c "open $D; page 5; replay $STATE/selected.cmd"
expect_status 0
expect_out "WR_T: SAO (2) -> TAO (1)"
"$MODECON" set $D 5 WR_T=SAO >/dev/null
# ... and a vendor's page definition may name fields the generic one
# does not: a field is a fault only when no definition names it.
mkdir -p "$STATE/pages"
cat >"$STATE/pages/vendor-caching.page" <<'PAGE'
page 0x08
name "Caching"
applies mmc
vendor "SOMEONE"
lengths 0x0a
field VWC 2.3 flag "Vendor write cache"
PAGE
printf 'set %s caching VWC=1\n' "$D" >"$STATE/vendor.cmd"
MODECON_PAGES=$STATE/pages run replay "$STATE/vendor.cmd" --dry-run
checks=$((checks + 1))
! grep -q "vendor.cmd:1: page 0x08 (Caching) has no field" <<<"$err" ||
    fail "a field of a vendor's definition was refused by the checks"

# A definition refused is said, with the field the checks then refuse.
mkdir -p "$STATE/badpages"
printf 'page 0x08\nname "Caching"\nfield VWC 2.3 flag\nbogus line\n' >"$STATE/badpages/bad.page"
MODECON_PAGES=$STATE/badpages run replay "$STATE/vendor.cmd"
expect_status 2
expect_err "page definitions: $STATE/badpages/bad.page:4:1:"
expect_err "vendor.cmd:1: page 0x08 (Caching) has no field 'VWC'"

# --- 2. The pre-flight: the file run as a dry run on the drive first;
# anything it refuses stops the run before the first MODE SELECT.
page5=$("$MODECON" get $D 5)
cat >"$STATE/locked.cmd" <<CMDS
set $D 5 WR_T=TAO
set $D 1 TB=1
get '$D?fault=sense:02/3a/00' 5
set $D caching WCE=0
CMDS
rm -f "$T"
run replay "$STATE/locked.cmd" --trace "$T"
expect_status 2
expect_err "locked.cmd:2: \"set $D 1 TB=1\" would fail: TB is not changeable on this drive"
expect_err "locked.cmd:3: \"get '$D?fault=sense:02/3a/00' 5\" would fail: E_IMAPI_RECORDER_MEDIA_NO_MEDIA"
expect_err "try: insert a disc"
expect_err "replay $STATE/locked.cmd: the pre-flight refused 2 commands; nothing was sent"
no_select_traced
run get $D 5
checks=$((checks + 1))
[ "$out" = "$page5" ] || fail "line 1 was sent: $out"

# The refusal says the error first, then what else the command said.
printf 'set %s 1 ERWS=1 TB=1 --force-field ERWS\n' $D >"$STATE/forced.cmd"
run replay "$STATE/forced.cmd" --check
expect_status 2
expect_err "forced.cmd:1: \"set $D 1 ERWS=1 TB=1 --force-field ERWS\" would fail: TB is not changeable"
expect_err "warning: ERWS is not changeable on this drive; sending anyway (--force)"

# With --keep-going, a command that would fail and changes no drive does
# not stop the run; one that changes a drive still does.
printf "get '%s?fault=sense:02/3a/00' 5\nset %s 5 WR_T=TAO\n" $D $D >"$STATE/reads.cmd"
run replay "$STATE/reads.cmd" --keep-going
expect_status 1
expect_err "reads.cmd:1: \"get '$D?fault=sense:02/3a/00' 5\" would fail"
expect_err "1 command that would fail changes no drive: running on (--keep-going)"
expect_out "WR_T: SAO (2) -> TAO (1)"
"$MODECON" set $D 5 WR_T=SAO >/dev/null
run replay "$STATE/locked.cmd" --keep-going
expect_status 2
expect_err "the pre-flight refused 2 commands; nothing was sent"
run get $D 5
checks=$((checks + 1))
[ "$out" = "$page5" ] || fail "line 1 was sent: $out"

# --check: the checks and the pre-flight only, on the drive given; the
# exit status is the worst of what would fail.
rm -f "$T"
printf 'set %s 5 WR_T=TAO\nset %s caching WCE=0\n' $D $D >"$STATE/sound.cmd"
run replay "$STATE/sound.cmd" --check --drive emu:ignoring --trace "$T"
expect_status 0
expect_out "replay $STATE/sound.cmd: checked on emu:ignoring: 2 commands, 0 would fail; nothing was sent"
run replay "$STATE/locked.cmd" --check --drive emu:cd-atapi --trace "$T"
expect_status 1
expect_err "locked.cmd:1: \"set $D 5 WR_T=TAO\" would fail on emu:cd-atapi: E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE"
expect_out "checked on emu:cd-atapi: 4 commands, 3 would fail"
run replay "$STATE/locked.cmd" --check --trace "$T"
expect_status 2
expect_err "locked.cmd:2: \"set $D 1 TB=1\" would fail"
expect_out "checked: 4 commands, 2 would fail; nothing was sent"
run replay "$STATE/faults.cmd" --check
expect_status 2
expect_out "7 faults found; nothing would run"
no_select_traced
run get $D 5
checks=$((checks + 1))
[ "$out" = "$page5" ] || fail "--check sent line 1: $out"

# The session's selection and staged edits are as they were after the
# pre-flight, whatever the file selects or discards.
printf 'page caching\ndiscard\n' >"$STATE/selects.cmd"
run -c "open $D; page 5; edit LINK_S=0; replay $STATE/selects.cmd --check; page; diff"
expect_out "checked: 2 commands, 0 would fail"
expect_out "LINK_S: 16 blocks -> 0 blocks"
checks=$((checks + 1))
[ "$(tail -n +1 <<<"$out" | grep -c '^5$')" -eq 1 ] || fail "the selected page changed: $out"

# Standard input is read once, for the pre-flight and the run.
printf 'set %s 5 --data -\n' "$D" >"$STATE/stdin.cmd"
wanted=$(flip_byte "$page5" 2 0x03) # WR_T SAO -> TAO
run_in "$wanted" replay "$STATE/stdin.cmd"
expect_status 0
run get $D 5
checks=$((checks + 1))
[ "$(tr '\n' ' ' <<<"$out" | sed 's/ *$//')" = "$(tr '\n' ' ' <<<"$wanted" | sed 's/ *$//')" ] ||
    fail "the page read from stdin was not sent: $out"
"$MODECON" set $D 5 WR_T=SAO >/dev/null

# --- 3. Replayed on another drive, the output names the drive written,
# and the one recorded only as such.
cat >"$STATE/recorded.cmd" <<CMDS
# modecon 0.1.0 session 2026-12-06T11:58:06Z pid 9275
# drive $D: MODECON DVD-RW WRITER 1.00
open $D
open
set $D caching WCE=0
diff $D $D
power-cycle $D
set $D 5 WR_T=TAO
CMDS
for dry in "" --dry-run; do
    run replay "$STATE/recorded.cmd" --drive emu:ignoring --keep-going $dry
    expect_out "emu:ignoring: MODECON IGNORING WRITER 1.00 (recorded on $D)"
    expect_out "emu:ignoring | emu:ignoring"
    checks=$((checks + 1))
    grep -qx "emu:ignoring" <<<"$out" || fail "open did not name the drive opened"
    # Every line naming the recorded drive says it was recorded there, or
    # quotes the file's line with the drive it ran on.
    named=$(printf '%s\n%s\n' "$out" "$err" | grep -F "$D" |
        grep -vF "recorded on $D" | grep -v '" [a-z ]* \(on\|by\) emu:ignoring')
    checks=$((checks + 1))
    [ -z "$named" ] || fail "a line names $D as the drive written: $named"
done

# --- 4. The summary counts what happened: a change the drive answered
# GOOD but kept is not applied, never a change.
cat >"$STATE/counted.cmd" <<CMDS
set $D 5 WR_T=TAO
set emu:ignoring caching WCE=0
get $D 5
set $D caching WCE=1
set $D 1 ERWS=1 --force
CMDS
run replay "$STATE/counted.cmd" --keep-going
expect_status 3
expect_err "counted.cmd:2: \"set emu:ignoring caching WCE=0\" was not applied by the drive"
expect_err "counted.cmd:5: \"set $D 1 ERWS=1 --force\" failed"
expect_out "replay $STATE/counted.cmd: 5 commands run, 1 change applied, 1 not applied by the drive, 0 refused, 1 failed"
"$MODECON" set $D 5 WR_T=SAO >/dev/null
run replay "$STATE/counted.cmd" --keep-going --drive emu:ignoring
expect_out "5 commands run, 0 changes applied, 2 not applied by the drive, 0 refused, 0 failed"
run replay "$STATE/locked.cmd"
expect_out "0 commands run, 0 changes applied, 0 not applied by the drive, 2 refused, 0 failed"
run replay "$STATE/faults.cmd"
expect_out "0 commands run, 0 changes applied, 0 not applied by the drive, 7 refused, 0 failed"
checks=$((checks + 1))
! grep -q "changed a drive" "$STATE"/*.out 2>/dev/null || fail "said 'changed a drive'"

# --- 5. Files that replay each other are refused once, before anything
# runs, with the chain of files; a chain too deep is refused likewise.
cd "$STATE" || fail "no $STATE"
printf 'set %s 5 WR_T=TAO\nreplay b.cmd\n' $D >a.cmd
printf '# b\nreplay c.cmd --keep-going\n' >b.cmd
printf 'replay ./a.cmd\n' >c.cmd
run replay a.cmd
expect_status 2
expect_err "c.cmd:1: replay ./a.cmd: the file replays itself: a.cmd:2 -> b.cmd:2 -> c.cmd:1 -> ./a.cmd"
checks=$((checks + 1))
[ "$(grep -c 'replays itself' <<<"$err")" -eq 1 ] || fail "the loop was reported more than once"
checks=$((checks + 1))
[ "$(grep -c 'commands run' <<<"$out")" -eq 1 ] || fail "more than one summary: $out"
run get $D 5
checks=$((checks + 1))
[ "$out" = "$page5" ] || fail "line 1 ran: $out"
for i in 1 2 3 4 5 6 7 8 9; do
    echo "replay d$((i + 1)).cmd" >"d$i.cmd"
done
echo "get $D 5" >d9.cmd
run replay d1.cmd
expect_status 2
expect_err "d8.cmd:1: replay d9.cmd: more than 8 files replaying files: d1.cmd:1 -> d2.cmd:1 -> d3.cmd:1 -> d4.cmd:1 -> d5.cmd:1 -> d6.cmd:1 -> d7.cmd:1 -> d8.cmd:1 -> d9.cmd"
checks=$((checks + 1))
[ "$(grep -c 'commands run' <<<"$out")" -eq 1 ] || fail "more than one summary: $out"
cd - >/dev/null || fail "no way back"

done_ok
