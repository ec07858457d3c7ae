#!/bin/bash
# show DRIVE --all: every page the drive reports, each as show DRIVE PAGE
# shows it.  show PAGE FIELD... --drive A --drive B (or --all-drives): a
# row per drive, a column per field, the values that differ from the
# first drive's or a snapshot's marked; a drive that cannot be read is a
# row saying why.
. "$(dirname "$0")/lib.sh"
# shellcheck source=tools/trace-counts.sh
. "$(dirname "$0")/../../tools/trace-counts.sh"
D=emu:dvd-writer

# --- show DRIVE --all
run pages $D --json
codes=$(jq -r '.pages[] | .page' <<<"$out" | while read -r c; do printf '0x%02x\n' "$c"; done)
npages=$(wc -l <<<"$codes")
run show $D --all
expect_status 0
expect_no_err
all=$out
checks=$((checks + 1))
[ "$(grep -c '^page 0x.*bytes' <<<"$all")" = "$npages" ] ||
    fail "show --all showed $(grep -c '^page 0x.*bytes' <<<"$all") pages, pages lists $npages"
# Each page as show DRIVE PAGE shows it, in the order pages lists them.
for code in $codes; do
    one=$("$MODECON" show $D "$code")
    checks=$((checks + 1))
    grep -qxF -- "$(head -1 <<<"$one")" <<<"$all" ||
        fail "show --all lacks page $code's heading: $(head -1 <<<"$one")"
    awk -v h="$(head -1 <<<"$one")" '$0 == h { on = 1 } on && $0 == "" { exit } on' \
        <<<"$all" >"$STATE/section"
    checks=$((checks + 1))
    [ "$(cat "$STATE/section")" = "$one" ] ||
        fail "show --all's page $code differs from show $D $code: $(diff <(echo "$one") "$STATE/section")"
done
run show $D --all --json
expect_status 0
checks=$((checks + 1))
[ "$(jq -r '.pages[] | .page' <<<"$out" | while read -r c; do printf '0x%02x\n' "$c"; done)" = "$codes" ] ||
    fail "show --all --json has other pages than pages: $out"
checks=$((checks + 1))
[ "$(jq -c '.pages[] | select(.page == 5)' <<<"$out")" = "$("$MODECON" show $D 5 --json | jq -c .)" ] ||
    fail "show --all --json's page 05 differs from show $D 5 --json"
# The changeable values of every page in one MODE SENSE of page 3Fh
# (PC 01b: byte 2 is 7Fh), none page by page.
rm -f "$STATE/trace.jsonl"
run --trace "$STATE/trace.jsonl" show $D --all
checks=$((checks + 1))
[ "$(jq -r 'select(.cdb[0:2] == "5a") | .cdb[6:8]' "$STATE/trace.jsonl" | grep -c '^[4-7]')" = 1 ] &&
    [ "$(jq -r 'select(.cdb[0:2] == "5a") | .cdb[6:8]' "$STATE/trace.jsonl" | grep -c '^7f')" = 1 ] ||
    fail "show --all read changeable values otherwise: $(jq -r .cdb "$STATE/trace.jsonl")"
# Every page under every page control: one MODE SENSE of page 3Fh each,
# the minimum bench/cdbs.sh gives.
checks=$((checks + 1))
[ "$(trace_counts "$STATE/trace.jsonl" $D)" = "1 4 0 0" ] ||
    fail "show --all sent $(trace_counts "$STATE/trace.jsonl" $D), expected 1 4 0 0"
# A drive refusing page 3Fh is asked page by page: its three pages.
run show emu:cd-atapi --all
expect_status 0
checks=$((checks + 1))
[ "$(grep -c '^page 0x.*bytes' <<<"$out")" = 3 ] || fail "show emu:cd-atapi --all: $out"
# A page that cannot be read is named; the others are shown, and in JSON
# the page is there with its error.  emu:cd-atapi refuses page 3Fh: its
# pages are probed (64 MODE SENSEs, 3Fh twice and 01h-3Eh), then the 65th
# reads page 01h again and fails.
F="emu:cd-atapi?fault=sense:04/44/00@5a+64*1"
run show "$F" --all
expect_status 1
expect_err "page 0x01 (Read/Write Error Recovery)"
expect_err "failed with HARDWARE ERROR"
checks=$((checks + 1))
[ "$(grep -c '^page 0x.*bytes' <<<"$out")" = 2 ] ||
    fail "show --all with page 01h failing showed: $out"
run show "$F" --all --json
expect_status 1
jq -e '(.pages | length) == 3 and .pages[0].page == 1
    and .pages[0].error.hresult == "E_FAIL" and .pages[1].page == 14 and .pages[1].fields' \
    <<<"$out" >/dev/null || fail "show --all --json with page 01h failing: $out"
checks=$((checks + 1))
# In a session, the page selected is no page asked for.
run -c "open $D; page 5; show --all"
expect_status 0
checks=$((checks + 1))
[ "$(grep -c '^page 0x.*bytes' <<<"$out")" = "$npages" ] ||
    fail "show --all with a page selected showed: $out"
run show $D 5 --all
expect_status 2
expect_err "show: --all shows every page: name the DRIVE alone"

# --- show PAGE FIELD... --drive A --drive B
# emu:ignoring answers as the writer but keeps its values: WCE differs.
run set $D caching WCE=0
expect_status 0
run show caching WCE RCD --drive $D --drive emu:ignoring
expect_status 0
expect_no_err
expect_out "page 0x08 (Caching), current values"
checks=$((checks + 1))
grep -Eq '^DRIVE +WCE +RCD$' <<<"$out" || fail "no heading row: $out"
checks=$((checks + 1))
grep -Eq "^emu:dvd-writer +0 +0$" <<<"$out" || fail "the first drive's row: $out"
checks=$((checks + 1))
grep -Eq "^emu:ignoring +1 \* +0$" <<<"$out" || fail "the differing row: $out"
expect_out "* differs from emu:dvd-writer (the first drive with the page): 1 value on 1 drive"

# Each drive is asked its identity (its page definition) and the page's
# current values, nothing more.
rm -f "$STATE/trace.jsonl"
run --trace "$STATE/trace.jsonl" show caching WCE RCD --drive $D --drive emu:ignoring
for d in $D emu:ignoring; do
    checks=$((checks + 1))
    [ "$(trace_counts "$STATE/trace.jsonl" $d)" = "1 1 0 0" ] ||
        fail "show across drives sent $d $(trace_counts "$STATE/trace.jsonl" $d), expected 1 1 0 0"
done

# A drive that cannot be read is a row saying why; the others are shown
# and the status says one failed.
run show caching WCE --drive emu:ignoring --drive "emu:$STATE/none.json" --drive $D
expect_status 1
checks=$((checks + 1))
grep -Eq "^emu:$STATE/none.json +not read: .*none.json" <<<"$out" ||
    fail "the unreadable drive's row: $out"
checks=$((checks + 1))
grep -Eq "^emu:dvd-writer +0 \*$" <<<"$out" || fail "the readable drive after it: $out"
# A drive without the page: its cells differ, and nothing failed.
run show caching WCE --drive $D --drive emu:cd-atapi
expect_status 0
checks=$((checks + 1))
grep -Eq "^emu:cd-atapi +- \*  \(the drive has no such page\)$" <<<"$out" ||
    fail "the drive without the page: $out"

# Against a snapshot: the drives that differ from it.
run set $D caching WCE=1
run snapshot -o "$STATE/rack.json" $D
run set $D caching WCE=0
run show caching WCE RCD --drive $D --drive emu:ignoring --reference "$STATE/rack.json"
expect_status 0
checks=$((checks + 1))
grep -Eq "^$STATE/rack.json +1 +0  \(reference\)$" <<<"$out" || fail "the reference row: $out"
checks=$((checks + 1))
grep -Eq "^emu:dvd-writer +0 \* +0$" <<<"$out" || fail "the drive that differs: $out"
checks=$((checks + 1))
grep -Eq "^emu:ignoring +1 +0$" <<<"$out" || fail "the drive that does not: $out"
expect_out "* differs from $STATE/rack.json: 1 value on 1 drive"

# The reference named among the drives too is one row, the reference.
run show caching WCE --reference emu:ignoring --drive emu:ignoring --drive $D
expect_status 0
checks=$((checks + 1))
[ "$(grep -Ec '^emu:[^ :]+ +[0-9-]' <<<"$out")" = 2 ] &&
    grep -Eq '^emu:ignoring +1  \(reference\)$' <<<"$out" ||
    fail "the reference named again: $out"

# --json: one document, the unreadable drive with its error.
run show caching WCE RCD --drive $D --drive emu:ignoring --drive "emu:$STATE/none.json" \
    --reference "$STATE/rack.json" --json
expect_status 1
jq -e --arg r "$STATE/rack.json" '.page == 8 and .fields == ["WCE", "RCD"]
    and .reference == $r and (.drives | length) == 4
    and .drives[0].reference and .drives[0].values == {"WCE": 1, "RCD": 0}
    and .drives[1].drive == "emu:dvd-writer" and .drives[1].differs == ["WCE"]
    and .drives[1].values.WCE == 0
    and .drives[2].differs == [] and (.drives[3].error.message | contains("none.json"))' \
    <<<"$out" >/dev/null || fail "show --json across drives: $out"
checks=$((checks + 1))

# --all-drives: every drive list finds.
run list --json
ndrives=$(jq length <<<"$out")
run show caching WCE --all-drives --json
checks=$((checks + 1))
[ "$(jq '.drives | length' <<<"$out")" = "$ndrives" ] || fail "--all-drives asked: $out"

# A field misspelt is refused before anything is printed, as get does.
run show caching WEC --drive $D --drive emu:ignoring
expect_status 2
[ -z "$out" ] || fail "a misspelt field printed: $out"
checks=$((checks + 1))
expect_err "page 0x08 (Caching) has no field 'WEC'; did you mean WCE?"
run show caching --drive $D
expect_status 2
expect_err "show: name a PAGE and the FIELDs to compare across drives"
run show caching WCE --drive $D --all-drives
expect_status 2
run show caching WCE --drive "emu:$D?fault=bogus"
expect_status 2
# In a session, the selected drive is not one of the compared.
run -c "open $D; show caching WCE --drive emu:ignoring"
expect_status 0
checks=$((checks + 1))
[ "$(grep -Ec '^emu:[^ :]+ +[0-9-]' <<<"$out")" = 1 ] || fail "the selected drive was compared: $out"

# The drives are asked at once: with each answering 500 ms late, every
# drive's INQUIRY is in the trace before any drive's MODE SENSE (asked
# one after the other, the first drive's MODE SENSE would come before the
# second drive's INQUIRY).
rm -f "$STATE/trace.jsonl"
run --trace "$STATE/trace.jsonl" show caching WCE --drive "$D?fault=latency:500" \
    --drive "emu:ignoring?fault=latency:500" --drive "emu:cd-atapi?fault=latency:500"
expect_status 0
first_sense=$(jq -r '.cdb[0:2]' "$STATE/trace.jsonl" | grep -n '^5a' | head -1 | cut -d: -f1)
last_inquiry=$(jq -r '.cdb[0:2]' "$STATE/trace.jsonl" | grep -n '^12' | tail -1 | cut -d: -f1)
checks=$((checks + 1))
[ "$(jq -r 'select(.cdb[0:2] == "12") | .drive' "$STATE/trace.jsonl" | sort -u | wc -l)" = 3 ] &&
    [ "$last_inquiry" -lt "$first_sense" ] ||
    fail "the drives were asked one after the other: $(jq -c '[.drive, .cdb[0:2]]' "$STATE/trace.jsonl")"

# Text from drives is shown as text: a drive file named with escape
# sequences is a row without them.
ESC=$'\e' BEL=$'\a'
cp "$MODECON_DATA_DIR/drives/dvd-writer.json" "$STATE/x${ESC}]0;PWNED${BEL}.json"
run show caching WCE --drive "emu:$STATE/x${ESC}]0;PWNED${BEL}.json" --drive $D
expect_status 0
expect_out "emu:$STATE/x\\x1b]0;PWNED\\x07.json"
checks=$((checks + 1))
if LC_ALL=C grep -q $'[\x1b\x07]' <<<"$out$err"; then fail "a raw control character was printed"; fi
run show caching WCE --drive "emu:$STATE/x${ESC}]0;PWNED${BEL}.json" --json
expect_status 0
expect_out "\"drive\": \"emu:$STATE/x\\u001B]0;PWNED\\u0007.json\""
checks=$((checks + 1))
if LC_ALL=C grep -q $'[\x1b\x07]' <<<"$out$err"; then fail "a raw control character was printed in JSON"; fi
done_ok
