#!/bin/bash
# Dry runs build on one another: each is checked and shown against the
# values the dry runs before it would have left, in a -c line and in a
# replay --dry-run, and nothing of them reaches the drive.
. "$(dirname "$0")/lib.sh"
D=emu:dvd-writer
T=$STATE/trace.jsonl

# The drive as its file describes it: write parameters with SAO (byte 2
# 0x62), a link size of 16 blocks (byte 5 0x10).
before=$("$MODECON" get $D 5)
[ "$(byte_of "$before" 2)" = 62 ] && [ "$(byte_of "$before" 5)" = 10 ] ||
    fail "unexpected page 05 to start from: $before"
saved_before=$("$MODECON" get $D 5 --type saved)

# (a) Two dry runs of one page in a -c line: the second's change and
# parameter list are built on the first's.
run --trace "$T" -c "set $D 5 WR_T=TAO --dry-run; set $D 5 LINK_S=7 --dry-run"
expect_status 0
expect_out "WR_T: SAO (2) -> TAO (1)"
expect_out "LINK_S: 16 blocks -> 7 blocks"
# Byte 2 carries the first dry run's TAO (0x61), byte 5 the second's 7.
expect_out "00 00 00 00 00 00 00 00 05 32 61 05 08 07 00 00"
# The same field twice: the second finds it set.
run -c "set $D 5 WR_T=TAO --dry-run; set $D 5 WR_T=TAO --dry-run"
expect_status 0
expect_out "WR_T: SAO (2) -> TAO (1)"
expect_out "no change: WR_T is already TAO (1); nothing would be sent"

# A command that is not a dry run reads the drive as it is.
run -c "set $D 5 WR_T=TAO --dry-run; get $D 5"
expect_status 0
grep -qF -- "$(head -1 <<<"$before")" <<<"$out" ||
    fail "get after a dry run did not show the drive's page"

# (b) A replay --dry-run: line 2's parameter list carries line 1's TAO;
# line 3 puts back line 2's link size, and finds the write type at its
# default (TAO) already, because of line 1; line 4 finds what line 3
# would leave, which line 5 shows.
cat >"$STATE/script" <<EOF
set $D 5 WR_T=TAO
set $D 5 LINK_S=7
defaults $D 5
set $D 5 WR_T=TAO LINK_S=0
get $D 5
EOF
run --trace "$T" replay "$STATE/script" --dry-run
expect_status 0
expect_out "WR_T: SAO (2) -> TAO (1)"
expect_out "00 00 00 00 00 00 00 00 05 32 61 05 08 07 00 00"
expect_out "LINK_S: 7 blocks -> 0 blocks"
[ "$(grep -c "WR_T: SAO (2) -> TAO (1)" <<<"$out")" -eq 1 ] ||
    fail "defaults changed the write type line 1 had set"
expect_out "no change: WR_T is already TAO (1), LINK_S is already 0 blocks; nothing would be sent"
# The get of line 5 shows the page as lines 1 to 4 would leave it.
defaults=$("$MODECON" get $D 5 --type default)
expect_out "$(head -1 <<<"$defaults")"
[ "$(head -1 <<<"$defaults")" != "$(head -1 <<<"$before")" ] ||
    fail "the default page is the current one: the get shows nothing"
expect_out "5 commands run"

# diff shows what commit would send and leaves the reckoning to commit's
# own dry run, which builds on the lines before it.
cat >"$STATE/staged" <<EOF
set $D caching RCD=1
open $D
page caching
edit WCE=0
diff
commit
set $D caching WCE=0 RCD=1
EOF
run --trace "$T" replay "$STATE/staged" --dry-run
expect_status 0
expect_out "WCE: 1 -> 0 (staged)"
[ "$(grep -c "^WCE: 1 -> 0$" <<<"$out")" -eq 2 ] ||
    fail "diff and commit did not both show WCE: 1 -> 0"
expect_out "00 00 00 00 00 00 00 00 08 0a 01 00"
expect_out "no change: WCE is already 0, RCD is already 1; nothing would be sent"
expect_out "7 commands run"

# (c) Nothing reached the drive: no MODE SELECT in the trace, and the
# drive's current and saved values as they were.
grep -q '"cdb":"55' "$T" && fail "a dry run sent a MODE SELECT"
grep -q '"cdb":"5a' "$T" || fail "the trace holds no MODE SENSE: not traced?"
run get $D 5
[ "$out" = "$before" ] || fail "the dry runs changed the drive: $out"
run get $D 5 --type saved
[ "$out" = "$saved_before" ] || fail "the dry runs changed the saved values"

# restore --dry-run after a dry run puts back what that dry run changed.
"$MODECON" snapshot $D -o "$STATE/snap.json" >/dev/null 2>&1 ||
    fail "snapshot failed"
run -c "set $D caching WCE=0 --dry-run; restore $D $STATE/snap.json --dry-run"
expect_status 0
expect_out "WCE: 0 -> 1"
expect_out "would write 1 page value set, 9 already as in $STATE/snap.json"

# Saving in a dry run (SP=1) saves every savable page's current values
# (SPC-4 6.11): after a dry run that saves page 01, the caching page's
# saved values are its current ones, WCE 0 from the first dry run, so
# saving them changes no field.
run -c "set $D caching WCE=0 --dry-run; set $D 1 PER=0 --save --dry-run; set $D caching WCE=0 --save --dry-run"
expect_status 0
expect_out "WCE: 1 -> 0"
expect_out "PER: 1 -> 0"
# Saving page 01 names the caching page's change it would save with it.
expect_out "  page 0x08 (Caching): WCE: 1 -> 0 (saved values)"
expect_out "page 0x08 (Caching): no field changes; sending the page as it is with SP=1"
grep -q "^WCE: 1 -> 0 (saved values)" <<<"$out" &&
    fail "the dry run's SP=1 did not save the caching page's current values"

# A real change after a dry run of the same page is checked against the
# drive, not against the dry run, and goes out.
run -c "set $D 5 WR_T=TAO --dry-run; set $D 5 WR_T=TAO"
expect_status 0
expect_out "$D: page 0x05 (Write Parameters) written to current values"
expect_out "verified: the drive applied every byte"
run get $D 5
[ "$(byte_of "$out" 2)" = 61 ] || fail "the real set did not reach the drive: $out"

# A power cycle brings back the saved values: the dry runs after it build
# on those, not on the dry runs before it.
run -c "set $D caching WCE=0 --dry-run; power-cycle $D; set $D caching WCE=0 --dry-run"
expect_status 0
[ "$(grep -c "WCE: 1 -> 0" <<<"$out")" -eq 2 ] ||
    fail "the dry run after the power cycle built on the one before it"

done_ok
