#!/bin/bash
# The commands each operation sends to a drive, counted per opcode from
# --trace: the drive's identity is asked once, a page control is read once
# while the drive is held, saving reads all pages at once, staged edits
# are not read again by diff; bench/cdbs.sh says why each count is the
# least the operation needs.  The identity is asked again after a UNIT
# ATTENTION that can change it, and only then.
. "$(dirname "$0")/lib.sh"
# shellcheck source=tools/trace-counts.sh
. "$(dirname "$0")/../../tools/trace-counts.sh"
D=emu:dvd-writer
T=$STATE/trace.jsonl


# expect_cdbs "INQ SENSE SELECT OTHER" ARGS...: modecon --trace ARGS...
# succeeds and sends exactly those.
expect_cdbs() {
    local want=$1
    shift
    rm -f "$T"
    run --trace "$T" "$@"
    expect_status 0
    checks=$((checks + 1))
    [ "$(trace_counts "$T" "$D")" = "$want" ] ||
        fail "modecon $*: sent $(trace_counts "$T" "$D") (INQUIRY, MODE SENSE, MODE SELECT, other), expected $want"
}

run set $D caching WCE=1
expect_cdbs "1 4 1 0" set $D caching WCE=0
expect_cdbs "1 6 1 0" set --save $D caching WCE=1
run set $D caching RCD=1
expect_cdbs "1 4 1 0" defaults $D caching
run snapshot -o "$STATE/snapshot.json" $D
run set $D caching RCD=1
expect_cdbs "1 3 1 0" restore $D "$STATE/snapshot.json"
run set $D caching RCD=1
expect_cdbs "1 2 1 0" undo $D
run set $D 5 WR_T=SAO
# Each edit reads the page (what it says is what the drive has); diff
# reads nothing: the changeable values are kept.
expect_cdbs "1 3 0 0" -c "open $D; page 5; edit WR_T=TAO; edit LINK_S=7; diff"
expect_out "parameter list (60 bytes):"
expect_cdbs "1 4 1 0" -c "open $D; page 5; edit WR_T=TAO; diff; commit"
expect_out "verified: the drive applied every byte"

# A drive that refuses page 3Fh is asked page by page, once per hold: the
# page's current and changeable values before the drive is held, 3Fh
# refused twice (with subpages and without), pages 01h-3Eh probed once
# (62), each savable page's saved values (6, the page's own included),
# the read-back of current and saved values (2): 74 MODE SENSEs.
F=$STATE/no-all-pages.json
sed 's/"all_pages": true/"all_pages": false/' "$(dirname "$0")/../../drives/dvd-writer.json" >"$F"
grep -q '"all_pages": false' "$F" || fail "the drive file refusing page 3Fh was not made"
run set "emu:$F" caching WCE=0
D=emu:$F
expect_cdbs "1 74 1 0" set --save "emu:$F" caching WCE=1
D=emu:dvd-writer

# A UNIT ATTENTION on the second MODE SENSE, retried: one that can change
# the identity (power on, INQUIRY data or LUNs changed) has it asked
# again; one that cannot (mode parameters changed) does not.
for ua in 29/00 3f/03 3f/0e; do
    run set $D caching WCE=1
    expect_cdbs "2 5 1 0" set "$D?fault=sense:06/$ua@5a+1*1" caching WCE=0
done
run set $D caching WCE=1
expect_cdbs "1 5 1 0" set "$D?fault=sense:06/2a/01@5a+1*1" caching WCE=0
done_ok
