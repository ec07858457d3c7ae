#!/bin/bash
# A request that changes nothing sends nothing and leaves no record; undo
# takes back one command, several (-n N) or all of them (--all).
. "$(dirname "$0")/lib.sh"
D=emu:dvd-writer
AUDIT=$STATE/modecon/audit.jsonl
T=$STATE/trace.jsonl

audit_lines() {
    checks=$((checks + 1))
    local n=0
    [ -f "$AUDIT" ] && n=$(wc -l <"$AUDIT")
    [ "$n" -eq "$1" ] || fail "expected $1 audit lines, found $n"
}

# No MODE SELECT (opcode 55h) in the trace.
no_select_traced() {
    checks=$((checks + 1))
    ! grep -q '"cdb": *"55 ' "$T" || fail "a MODE SELECT went out: $(cat "$T")"
}

# WCE is 1 on a fresh drive: setting it to 1 changes no bit.
run --trace "$T" set $D caching WCE=1
expect_status 0
expect_out "no change: WCE is already 1; nothing was sent"
audit_lines 0
no_select_traced
run undo $D
expect_status 2
expect_err "no change of this drive is recorded"

# The same for the whole page, for defaults and for a commit.
rm -f "$T"
run --trace "$T" set $D caching --data "$("$MODECON" get $D caching)"
expect_status 0
expect_out "no change: $D holds these current values already; nothing was sent"
run --trace "$T" defaults $D caching
expect_status 0
expect_out "no change: every changeable field of page 0x08 (Caching) holds its default already; nothing was sent"
run --trace "$T" -c "edit $D caching WCE=1 RCD=0; commit"
expect_status 0
expect_out "no change: WCE is already 1, RCD is already 0; nothing was sent"
run -c "edit $D caching WCE=1; diff"
expect_out "no change: WCE is already 1; nothing would be sent"
audit_lines 0
no_select_traced

# Saving the values held is a request of its own: it goes out with SP=1.
run set $D caching WCE=1 --save
expect_status 0
expect_out "no field changes; sending the page as it is with SP=1"
audit_lines 1
jq -e '.request == "saved"' "$AUDIT" >/dev/null || fail "not a saving MODE SELECT: $(cat "$AUDIT")"

# A change and the same again: one record, which undo takes back.
run set $D caching WCE=0
expect_status 0
run set $D caching WCE=0
expect_out "no change: WCE is already 0; nothing was sent"
audit_lines 2
run undo $D
expect_status 0
expect_out "WCE: 0 -> 1"
run get $D caching
expect_out "88 0a 04"

done_ok
