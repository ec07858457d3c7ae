#!/bin/bash
# set --expect-page HEX sends only while the page's current values are
# the ones given (as a dry run read them): a page changed since, by
# another program, is refused naming the byte, and nothing is sent; the
# same values send as set does.  With --data, the whole page replaces
# the one expected or nothing.
. "$(dirname "$0")/lib.sh"
D=emu:dvd-writer
SHIPPED="88 0a 04 00 00 00 00 00 00 00 00 00"

# The page as shipped is expected: the edit goes out.
run set $D caching WCE=0 --expect-page "$SHIPPED"
expect_status 0
expect_out "verified: the drive applied every byte"
run get $D caching
checks=$((checks + 1))
[ "$out" = "88 0a 00 00 00 00 00 00 00 00 00 00" ] || fail "the page is $out"

# Another program changed WCE meanwhile: refused, nothing sent, the other
# program's change stays.
run set $D caching RCD=1 --expect-page "$SHIPPED"
expect_status 1
expect_err "changed since it was read (byte 2: 0x04, now 0x00)"
expect_err "nothing was sent"
run get $D caching
checks=$((checks + 1))
[ "$out" = "88 0a 00 00 00 00 00 00 00 00 00 00" ] || fail "the page is $out"

# A dry run checks it too.
run set $D caching RCD=1 --expect-page "$SHIPPED" --dry-run
expect_status 1
expect_err "changed since it was read (byte 2: 0x04, now 0x00)"

# A page of another length is another page.
run set $D caching RCD=1 --expect-page "88 0a 00"
expect_status 1
expect_err "changed since it was read (3 bytes, now 12)"

# Not hex: a usage error, naming the option.
run set $D caching RCD=1 --expect-page "88 zz"
expect_status 2
expect_err "--expect-page"

# --data: the page expected must be as long as the page given; another
# page on the drive refuses it.
run set $D caching --data "88 0a 01 00 00 00 00 00 00 00 00 00" --expect-page "88 0a"
expect_status 2
expect_err "--expect-page: 2 bytes, but --data gives a page of 12"
run set $D caching --data "08 0a 01 00 00 00 00 00 00 00 00 00" --expect-page "$SHIPPED"
expect_status 1
expect_err "changed since it was read"
run set $D caching --data "08 0a 01 00 00 00 00 00 00 00 00 00" \
    --expect-page "88 0a 00 00 00 00 00 00 00 00 00 00"
expect_status 0
run get $D caching
checks=$((checks + 1))
[ "$out" = "88 0a 01 00 00 00 00 00 00 00 00 00" ] || fail "the page is $out"

# The journal keeps the change, not the guard: a replay runs on the state
# its own lines leave, on this drive or another, and the page then is not
# the one the guard saw.
checks=$((checks + 1))
grep -q "^set $D caching WCE=0$" "$STATE/modecon/journal" ||
    fail "the journal lacks the change: $(cat "$STATE/modecon/journal")"
checks=$((checks + 1))
! grep -q -- "--expect-page" "$STATE/modecon/journal" ||
    fail "the journal keeps --expect-page"
cp "${MODECON_DATA_DIR:?}/drives/dvd-writer.json" "$STATE/other.json"
grep "^set $D caching WCE=0$" "$STATE/modecon/journal" >"$STATE/wce.cmd"
run replay "$STATE/wce.cmd" --drive "emu:$STATE/other.json"
expect_status 0
expect_out "WCE: applied"
done_ok
