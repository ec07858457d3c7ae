#!/bin/bash
# modecon's own checks before and after a MODE SELECT, on a drive that
# checks nothing and writes whatever it is sent into its current values
# (behaviour.mode_select "unchecked"): a real drive that checks nothing is
# protected by modecon alone, so each rule here must hold without the
# drive's help.  The trace shows what was sent: no MODE SELECT(10)
# (opcode 55h) where modecon refuses.
. "$(dirname "$0")/lib.sh"
AUDIT=$STATE/modecon/audit.jsonl
drive_file=$STATE/unchecked.json
jq '.behaviour.mode_select = "unchecked"
    | .description = "takes any MODE SELECT unchecked and saves nothing"' \
    "${MODECON_DATA_DIR:-$(dirname "$0")/../..}/drives/dvd-writer.json" >"$drive_file"
D=emu:$drive_file

# selects TRACE: how many MODE SELECT(10) commands the trace holds.
selects() {
    [ -f "$1" ] || {
        echo 0
        return
    }
    jq -s '[.[] | select(.cdb | startswith("55 "))] | length' "$1"
}

# refused WHAT TEXT ARGS...: 'modecon ARGS' is refused with TEXT, sends
# no MODE SELECT, and page 08h's current and saved values stay as they
# were.
refused() {
    local what=$1 text=$2 trace=$STATE/trace-$checks.jsonl
    shift 2
    local cur sav
    cur=$("$MODECON" get $D 8)
    sav=$("$MODECON" get $D 8 --type saved)
    run "$@" --trace "$trace"
    expect_status 1
    expect_err "$text"
    expect_err "nothing was sent"
    checks=$((checks + 1))
    [ "$(selects "$trace")" -eq 0 ] || fail "$what: a MODE SELECT was sent"
    checks=$((checks + 1))
    [ "$("$MODECON" get $D 8)" = "$cur" ] || fail "$what: the current values changed"
    [ "$("$MODECON" get $D 8 --type saved)" = "$sav" ] || fail "$what: the saved values changed"
}

page=$("$MODECON" get $D 8)
[ "$page" = "88 0a 04 00 00 00 00 00 00 00 00 00" ] ||
    fail "unexpected page 08h on a fresh drive: $page"

# The drive really takes anything: forced, a locked bit is applied (so
# the refusals below are modecon's, not the drive's).
run set $D 8 --force --data "08 0a 04 80 00 00 00 00 00 00 00 00"
expect_status 0
expect_err "sent anyway (--force)"
checks=$((checks + 1))
[ "$("$MODECON" get $D 8)" = "88 0a 04 80 00 00 00 00 00 00 00 00" ] ||
    fail "the unchecked drive did not take a forced page"
run set $D 8 --force --data "08 0a 04 00 00 00 00 00 00 00 00 00"
expect_status 0

# The page length byte disagrees with the bytes given.
refused "length byte" "the page length byte says 12 bytes but 13 were given" \
    set $D 8 --data "08 0a 04 00 00 00 00 00 00 00 00 00 00"
# A whole page, self-consistent, but longer or shorter than the drive's.
refused "longer page" "does not match the drive's 88 0a (page code, format and length)" \
    set $D 8 --data "08 0b 04 00 00 00 00 00 00 00 00 00 00"
refused "shorter page" "does not match the drive's 88 0a (page code, format and length)" \
    set $D 8 --data "08 09 04 00 00 00 00 00 00 00 00"
# A bit outside the changeable mask, in a byte with none changeable and
# in a byte with some (WCE and RCD are changeable, bit 1 is not).
refused "locked byte" "byte 3 bit 7 is not changeable (current 0x00, new 0x80, changeable mask 0x00)" \
    set $D 8 --data "08 0a 04 80 00 00 00 00 00 00 00 00"
refused "locked bit" "byte 2 bit 1 is not changeable (current 0x04, new 0x06, changeable mask 0x05)" \
    set $D 8 --data "08 0a 06 00 00 00 00 00 00 00 00 00"
# Saved values of a page the drive cannot save (PS 0 in its answer).
refused "saving an unsavable page" "the drive cannot save this page (PS is 0)" \
    set $D 5 --save --data "$("$MODECON" get $D 5)"

# audit_outcomes: the audit log's lines that say what became of a change.
audit_outcomes() {
    jq -c 'select(.request != null and .verification != null)' "$AUDIT"
}

# Nothing above reached the audit log: nothing was sent.
checks=$((checks + 1))
[ "$(audit_outcomes | wc -l)" -eq 2 ] ||
    fail "expected the two forced changes in the audit log, found: $(cat "$AUDIT")"

# audit_last FILTER: the audit log's last outcome makes FILTER true.
audit_last() {
    checks=$((checks + 1))
    local line
    line=$(audit_outcomes | tail -1)
    jq -e "$1" <<<"$line" >/dev/null ||
        fail "the last audit line does not make $1 true: $line"
}

# A change of current values: applied, recorded as a current request, and
# no saved values are read back.
trace=$STATE/current.jsonl
run set $D caching WCE=0 --trace "$trace"
expect_status 0
expect_out "verified: the drive applied every byte"
checks=$((checks + 1))
[ "$(selects "$trace")" -eq 1 ] || fail "expected one MODE SELECT"
checks=$((checks + 1))
grep -q '"cdb": *"55 10 ' "$trace" || fail "current values were sent with SP=1"
audit_last '.request == "current" and .verification == "applied"'
checks=$((checks + 1))
! grep -q '"cdb": *"5a 08 c8 ' "$trace" || fail "a change of current values read back saved values"

# A saving change on a drive that takes the MODE SELECT but saves
# nothing: its current values change, its saved values do not, and the
# read-back of the saved values says so (exit status 3).
before_saved=$("$MODECON" get $D 8 --type saved)
trace=$STATE/saved.jsonl
run set $D caching WCE=1 RCD=1 --save --trace "$trace"
expect_status 3
checks=$((checks + 1))
[ "$(selects "$trace")" -eq 1 ] || fail "expected one MODE SELECT"
checks=$((checks + 1))
grep -q '"cdb": *"55 11 ' "$trace" || fail "saved values were sent without SP=1"
checks=$((checks + 1))
grep -q '"cdb": *"5a 08 c8 ' "$trace" || fail "the saved values were not read back"
expect_out "RCD: NOT applied to saved values: the drive has 0"
checks=$((checks + 1))
grep "NOT applied" <<<"$out" | grep -qv "to saved values" &&
    fail "a byte of the current values was reported unapplied"
checks=$((checks + 1))
[ "$("$MODECON" get $D 8 --type saved)" = "$before_saved" ] ||
    fail "the drive that saves nothing has new saved values"
audit_last '.request == "saved" and .verification == "not applied"'
audit_last '[.not_applied[]?] | length > 0'

done_ok
