#!/bin/bash
# Field-level work as a technician does it: show, set by name and by enum
# value, save, defaults, refusals naming the field, explain, pagedefs.
. "$(dirname "$0")/lib.sh"
D=emu:dvd-writer

run show $D write-parameters
expect_status 0
expect_out "page 0x05 (Write Parameters), 52 bytes, not savable"
expect_out "FIELD      NAME"
expect_out "WR_T"
expect_out "BUFE"
[ "$(grep -c '^WR_T ' <<<"$out")" -eq 1 ] || fail "WR_T is not one row"

# By enum name, case-insensitive, old -> new, applied.
run set $D 5 wr_t=tao
expect_status 0
expect_out "WR_T: SAO (2) -> TAO (1)"
expect_out "WR_T: applied"
expect_out "verified: the drive applied every byte"
run show $D 5
grep -q '^WR_T .* TAO (1)  *yes' <<<"$out" || fail "show does not have WR_T TAO"

# Several fields in one MODE SELECT, by number and by unique prefix.
run set $D 5 TST_W=1 LINK=7 --trace "$STATE/t.jsonl"
expect_status 0
expect_out "TST_W: 0 -> 1"
expect_out "LINK_S: 16 blocks -> 7 blocks"
[ "$(grep -c '"cdb":"55' "$STATE/t.jsonl")" -eq 1 ] ||
    fail "expected one MODE SELECT for two fields"

# Bad values and names are bad input, named, before anything is sent.
run set $D 5 WR_T=FAST
expect_status 2
expect_err "WR_T=FAST: expected a number from 0 to 15 or one of"
run set $D 5 NOSUCH=1
expect_status 2
expect_err "has no field 'NOSUCH'; its fields are:"
run set $D 5 WR_T
expect_status 2
expect_err "'WR_T': expected FIELD=VALUE"

# A field the drive does not let change: refused, named; with --force
# the drive refuses it and modecon names the field it pointed at.
run set $D read-write-error-recovery TB=1
expect_status 2
expect_err "TB is not changeable on this drive (its changeable value is 0); nothing was sent"
# A field with lasting effects says so when it changes.
run set $D timeout-and-protect DISP=1
expect_status 0
expect_err "warning: DISP:"
expect_err "power cycle"
run set $D caching WCE=0 --save
expect_status 0
expect_out "WCE: applied to saved values"
run set $D read-write-error-recovery ERWS=1
expect_status 2
expect_err "ERWS is not changeable on this drive"
run set $D read-write-error-recovery ERWS=1 --force
expect_status 1
expect_err "E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS"
expect_err "the drive pointed at field ERWS"

# A timer counts steps of 100 ms, and says so.
run show $D power-condition
expect_status 0
grep -q '^IACT .*100 ms steps$' <<<"$out" || fail "IACT does not say its step"

# A field only part of which the drive lets change says so, in show and
# when an edit touches the locked part.
mkdir -p "$STATE/partly"
cat >"$STATE/partly/30.page" <<'PAGE'
page 0x30
name "Vendor test page"
lengths 2
help "A vendor page for the test."
field W 2 number "Write strategy"
  help "Bits 3-0 change, bits 7-4 are fixed."
field   3 reserved
PAGE
cat >"$STATE/partly.json" <<'JSON'
{ "modecon_drive": 1,
  "inquiry": { "peripheral_device_type": 5, "vendor": "ACME",
               "product": "PARTLY", "revision": "1" },
  "mode_pages": [
    { "page": "0x30", "current": "30 02 00 00", "changeable": "30 02 0f 00" } ] }
JSON
out=$(MODECON_PAGES=$STATE/partly "$MODECON" show "emu:$STATE/partly.json" 0x30 2>&1)
status=$?
expect_status 0
grep -q '^W .* partly ' <<<"$out" || fail "W is not shown as partly changeable"
out=$(MODECON_PAGES=$STATE/partly "$MODECON" set "emu:$STATE/partly.json" 0x30 W=0x1f 2>&1)
status=$?
expect_status 2
expect_out "W is only partly changeable on this drive: of its bits (most significant first) those marked 1 may change: 00001111"
out=$(MODECON_PAGES=$STATE/partly "$MODECON" set "emu:$STATE/partly.json" 0x30 W=0x0f 2>&1)
status=$?
expect_status 0
expect_out "W: 0 -> 15"

# sdparm's numeric addressing for bits, and defaults.
run set $D 8 2:0:1=1
expect_status 0
expect_out "2:0:1: 0 -> 1"
run defaults $D 8
expect_status 0
expect_out "verified: the drive applied every byte"
run show $D 8 --json
expect_status 0
expect_out '"field": "WCE"'
expect_out '"changeable": "yes"'

# A drive that ignores MODE SELECT: each field reported not applied.
run set emu:ignoring caching WCE=0
expect_status 3
expect_out "WCE: NOT applied: the drive has 1"

# Saving on a drive that ignores MODE SELECT: the saved half is reported
# against the saved values, which differ from the current ones here.
cat >"$STATE/stubborn.json" <<'JSON'
{ "modecon_drive": 1,
  "inquiry": { "peripheral_device_type": 5, "vendor": "ACME",
               "product": "STUBBORN", "revision": "1" },
  "behaviour": { "mode_select": "ignore", "saving": true },
  "mode_pages": [
    { "page": "0x08", "savable": true,
      "current": "08 0a 04 00 00 00 00 00 00 00 00 00",
      "changeable": "08 0a 05 00 00 00 00 00 00 00 00 00",
      "saved": "08 0a 00 00 00 00 00 00 00 00 00 00" } ] }
JSON
run set "emu:$STATE/stubborn.json" caching WCE=1 --save
expect_status 3
expect_out "WCE: 0 -> 1 (saved values)"
expect_out "WCE: NOT applied to saved values: the drive has 0"
expect_err "note: saving"

# Numeric addresses out of range are bad input, not another byte.
run set $D 5 4294967298:7:8=1 --dry-run
expect_status 2
expect_err "has no field '4294967298:7:8'"
run set $D 5 "2:7:8= 1"
expect_status 2
expect_err "2:7:8= 1: expected a number"

# A drive whose page is shorter than the standard's: the fields past its
# end do not exist there.
run show emu:cd-atapi read-write-error-recovery
expect_status 0
grep -q '^WRC ' <<<"$out" && fail "WRC is past the end of an 8-byte page"
run set emu:cd-atapi 1 WRC=1
expect_status 2
expect_err "has no field 'WRC'"

# A dry run of field edits prints what would go out.
run set $D 8 RCD=1 --dry-run
expect_status 0
expect_out "RCD: 0 -> 1"
expect_out "55 10 00 00 00 00 00 00 14 00"
expect_err "dry run: nothing was sent"

# A read-only page.
run set $D legacy-capabilities BUF=0
expect_status 2
expect_err "is read-only"

# explain, with and without a field.
run explain write-parameters WR_T
expect_status 0
expect_out "TAO"
run explain 0x1d DISP
expect_status 0
expect_out "DANGER (warned when set to 1): The drive becomes unavailable"
run explain 5 NOSUCH
expect_status 2

# pagedefs check: the shipped files are sound; a broken directory lists
# every error with file and line and exits 2.
run pagedefs check
expect_status 0
expect_out "0 problems"
mkdir -p "$STATE/bad"
printf 'page 5\nname "A"\nlengths 2\nfield A 2 colour\n' >"$STATE/bad/a.page"
printf 'page 6\nname "B"\nlengths 2\nfield B 2 number\nfield C 2.0 flag\n' \
    >"$STATE/bad/b.page"
run pagedefs check "$STATE/bad"
expect_status 2
expect_err "$STATE/bad/a.page:4:11: expected a kind"
expect_err "$STATE/bad/b.page:5: C overlaps B (line 4) at byte 2 bit 0"
expect_out "2 problems"

# A user's definition replaces the built-in one.
mkdir -p "$STATE/mine"
printf 'page 8\nname "My caching"\napplies mmc\nlengths 10\nhelp "x"\n' \
    >"$STATE/mine/08.page"
printf 'field MYWCE 2.2 flag\n  help "mine"\n' >>"$STATE/mine/08.page"
out=$(MODECON_PAGES=$STATE/mine "$MODECON" show $D 8 2>&1)
status=$?
expect_status 0
expect_out "page 0x08 (My caching)"
expect_out "MYWCE"

# A page without a definition (a vendor's) still works at byte level.
cat >"$STATE/vendor.json" <<'JSON'
{ "modecon_drive": 1,
  "inquiry": { "peripheral_device_type": 5, "vendor": "ACME",
               "product": "VENDOR PAGE", "revision": "1" },
  "mode_pages": [
    { "page": "0x30", "current": "30 02 00 00", "changeable": "30 02 ff 00" } ] }
JSON
run show "emu:$STATE/vendor.json" 0x30
expect_status 0
expect_out "no definition for this page: showing bytes"
expect_out "30 02 00 00"
run set "emu:$STATE/vendor.json" 0x30 BURN=1
expect_status 2
expect_err "address bits as BYTE:BIT:WIDTH=VALUE"
run set "emu:$STATE/vendor.json" 0x30 2:7:8=0x5a
expect_status 0
expect_out "2:7:8: 0 -> 90"
expect_out "verified: the drive applied every byte"
run set "emu:$STATE/vendor.json" 0x30 3:7:8=1
expect_status 2
expect_err "3:7:8 is not changeable on this drive"

# A danger named for one value is warned of for that value only.
run set emu:dvd-writer 1 RRC=3 --dry-run
expect_status 0
grep -q "warning" <<<"$err" && fail "RRC=3 warned: $err"
run set emu:dvd-writer 1 RRC=0 --dry-run
expect_status 0
expect_err "warning: RRC: 0 disables read retries"

# A field given twice in one edit is a slip: refused, nothing sent.
run set emu:dvd-writer caching WCE=0 WCE=1
expect_status 2
expect_err "'WCE=1': 'WCE=0' of this edit sets the same bits"
run set emu:dvd-writer caching WCE=0 2:2:1=1 --dry-run
expect_status 2
expect_err "'2:2:1=1': 'WCE=0' of this edit sets the same bits"
# Staged again, a field takes its new value in place of the staged one.
run -c 'edit emu:dvd-writer caching WCE=0; edit emu:dvd-writer caching wce=1 RCD=1; diff'
expect_status 0
expect_out "WCE: back to 1, as the drive has it"
[ "$(grep -c '^WCE: 1 -> 0' <<<"$out")" = 1 ] || fail "WCE staged again was not replaced: $out"
expect_out "RCD: 0 -> 1"
# Staged again under another spelling (its bit address) it is replaced
# too; a new word that covers a staged one only in part is refused.
run -c 'edit emu:dvd-writer caching WCE=0; edit emu:dvd-writer caching 2:2:1=1; diff'
expect_status 0
expect_out "2:2:1: back to 1, as the drive has it; nothing is staged"
expect_out "nothing staged"
run -c 'edit emu:dvd-writer caching 2:7:8=0; edit emu:dvd-writer caching WCE=1'
expect_status 2
expect_err "'WCE=1' sets some of the bits of the staged '2:7:8=0'"

# Saving a page the drive cannot save is refused before any change is
# shown as if it would be saved.
run set emu:dvd-writer 5 WR_T=TAO --save
expect_status 2
expect_err "cannot be saved on this drive (its PS bit is 0): drop --save"
[ -z "$out" ] || fail "changes were shown for a page that cannot be saved: $out"
done_ok
