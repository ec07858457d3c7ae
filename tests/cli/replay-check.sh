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
get 5 extra words
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
expect_err "faults.cmd:7: get: expected DRIVE PAGE, got more"
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

done_ok
