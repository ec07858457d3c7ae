#!/bin/bash
# Page codes and names: what a screen shows is typeable and means that
# page; what two readings would take to different pages is refused.
. "$(dirname "$0")/lib.sh"
D=emu:dvd-writer

# The code as listed, in either case, with or without its base.
for page in 1a 1A 0x1a 1Ah; do
    run show $D "$page"
    expect_status 0
    expect_out "page 0x1a (Power Condition), 12 bytes"
done

# A bare number both readings agree on is that page.
run show $D 05
expect_status 0
expect_out "page 0x05 (Write Parameters)"

# A bare number read two ways is refused, naming both, and nothing read.
run show $D 10
expect_status 2
expect_err "page '10' is ambiguous: 0x10 read as hex, as pages are listed, or 0x0a read as decimal; write 0x10 or 0x0a"
[ -z "$out" ] || fail "show printed a page for an ambiguous code: $out"
run get $D 26
expect_status 2
expect_err "0x26 read as hex"
expect_err "0x1a read as decimal"
# ... also where a page is selected and the word could be left out.
run -c "open $D; page caching; show 10"
expect_status 2
expect_err "page '10' is ambiguous"
# A subpage follows the same rules.
run get $D 1a,10
expect_status 2
expect_err "page '1a,10': subpage '10' is ambiguous"

# A unique prefix of a name, as for fields; a shared one names the pages.
run show $D cach
expect_status 0
expect_out "page 0x08 (Caching), 12 bytes"
run show $D c
expect_status 2
expect_err "page 'c' is ambiguous: it could be caching (0x08), control (0x0a), cd-device-parameters (0x0d) or cd-audio-control (0x0e); write more of the name"
run explain write WR_T
expect_status 0
expect_out "WR_T"

# One name per page: pages, show, page and the messages say the
# definition's, and its word and the IMAPI name's word both select it.
run pages $D
expect_status 0
expect_out "0x2a      MM Capabilities and Mechanical Status"
expect_out "0x1c      Fault/Failure Reporting Control"
grep -q legacy-capabilities <<<"$out" && fail "pages still says legacy-capabilities"
run pages $D --json
expect_status 0
expect_out '"name": "MM Capabilities and Mechanical Status"'
expect_out '"word": "mm-capabilities-and-mechanical-status"'
expect_out '"imapi_name": "IMAPI_MODE_PAGE_TYPE_LEGACY_CAPABILITIES"'
for page in legacy-capabilities mm-capabilities-and-mechanical-status 2a; do
    run show $D $page
    expect_status 0
    expect_out "page 0x2a (MM Capabilities and Mechanical Status), 48 bytes"
done
run show $D informational-exceptions
expect_status 0
expect_out "page 0x1c (Fault/Failure Reporting Control)"
run -c "page mrw"
expect_status 0
expect_out "page 0x03 (MRW) selected"
run explain 3
expect_status 0
[ "${out%%$'\n'*}" = "page 0x03: MRW" ] || fail "page 0x03 is named otherwise: $out"

# A definition the user adds names its page everywhere; a name two
# definitions give to two pages is refused, naming both.
mkdir -p "$STATE/mypages"
cat >"$STATE/mypages/20-caching.page" <<'EOF'
page 0x20
name "Caching"
applies mmc
lengths 0x02
EOF
MODECON_PAGES=$STATE/mypages run show $D caching
expect_status 2
expect_err "page 'caching' is ambiguous: definitions give that name to caching (0x08) or caching (0x20); write the page's code"
MODECON_PAGES=$STATE/mypages run show $D 0x08
expect_status 0
expect_out "page 0x08 (Caching)"
MODECON_PAGES=$STATE/mypages run pagedefs check
expect_status 0
expect_err "note: definitions give one page name to several pages: caching (0x08, 0x20)"

done_ok
