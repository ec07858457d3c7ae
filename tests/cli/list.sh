#!/bin/bash
# list and pages: what the drives are and what they hold.
. "$(dirname "$0")/lib.sh"

run list
expect_status 0
expect_out "DRIVE"
expect_out "emu:cd-atapi"
expect_out "emu:dvd-writer"
expect_out "emu:ignoring"
expect_out "ready"

run list --json
expect_status 0
expect_out '"drive": "emu:dvd-writer"'
expect_out '"vendor": "MODECON"'
expect_out '"medium": "ready"'

run pages emu:dvd-writer
expect_status 0
expect_out "0x05      Write Parameters                          52  no"
expect_out "0x08      Caching                                   12  yes"
expect_out "0x2a      MM Capabilities and Mechanical Status     48  no"

run pages emu:cd-atapi
expect_status 0
expect_out "0x01      Read/Write Error Recovery                  8  no"

run pages emu:cd-atapi --type changeable
expect_status 1
expect_err "E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE (0xC0AA0201)"

run pages emu:dvd-writer --type saved
expect_status 0

# Several drives at once: each under its name, in the order given, a
# drive named twice shown once.
run pages emu:cd-atapi emu:dvd-writer emu:cd-atapi
expect_status 0
[ "$(grep -c '^PAGE' <<<"$out")" = 2 ] || fail "expected two tables: $out"
[ "$(grep -E '^emu:' <<<"$out" | tr '\n' ' ')" = "emu:cd-atapi: emu:dvd-writer: " ] ||
    fail "drives not in the order given: $out"
run pages emu:cd-atapi emu:dvd-writer --json
expect_status 0
[ "$(grep -o '"drive": "[^"]*"' <<<"$out" | tr '\n' ' ')" = \
  '"drive": "emu:cd-atapi" "drive": "emu:dvd-writer" ' ] ||
    fail "JSON for two drives is not a list of both, in order: $out"
[ "${out:0:1}" = "[" ] || fail "JSON for two drives is not a list: $out"

# One drive that fails does not hide the others.
run pages emu:dvd-writer 'emu:cd-atapi?fault=gone'
expect_status 1
expect_out "emu:dvd-writer:"
expect_out "0x08      Caching"
expect_err "HRESULT_ERROR_DEV_NOT_EXIST"

# A drive named wrongly is a usage error: list reports it alone, with no
# table, before it would print anything else.
run list emu:dvd-writer 'iscsi://127.0.0.1:99999/iqn.2026-11.invalid.modecon:cd/1'
expect_status 2
expect_err "the port is not 1 to 65535"
[ -z "$out" ] || fail "list printed a table beside a usage error: $out"
run list 'emu:dvd-writer?fault=nonsense'
expect_status 2
expect_err "fault spec 'nonsense'"

run pages emu:cd-atapi 'emu:dvd-writer?fault=nonsense'
expect_status 2
[ -z "$out" ] || fail "pages printed tables beside a usage error: $out"

# A drive that fails is in the JSON with its error, and a password in its
# URI is not; a drive named twice is listed once.
closed=iscsi://technician%secret@127.0.0.1:9/iqn.2026-11.invalid.modecon:cd/1
run list emu:cd-atapi "$closed" emu:cd-atapi --json
expect_status 1
expect_out '"hresult": "HRESULT_ERROR_DEV_NOT_EXIST"'
expect_out '"drive": "iscsi://technician@127.0.0.1:9/'
[ "$(grep -c '"drive": "emu:cd-atapi"' <<<"$out")" = 1 ] ||
    fail "a drive named twice was listed twice: $out"
grep -q secret <<<"$out$err" && fail "the password was shown: $out $err"
run pages "$closed" emu:cd-atapi --json
expect_status 1
expect_out '"hresult_value": "0x80070037"'
grep -q secret <<<"$out$err" && fail "the password was shown: $out $err"
# The first drive failing leaves no gap before the next one's table.
run pages 'emu:dvd-writer?fault=gone' emu:cd-atapi
expect_status 1
[ "${out%%$'\n'*}" = "emu:cd-atapi:" ] || fail "pages began with a gap: $out"

# Order: MMC drives first, then as given.
run list emu:ignoring emu:dvd-writer emu:cd-atapi
expect_status 0
[ "$(awk 'NR > 1 {print $1}' <<<"$out" | tr '\n' ' ')" = "emu:ignoring emu:dvd-writer emu:cd-atapi " ] ||
    fail "list did not keep the order given: $out"

# A broken drive file is named with what was expected, and list goes on.
printf '{ "modecon_drive": 1, ' >"$STATE/broken.json"
run get "emu:$STATE/broken.json" 5
expect_status 2
expect_err "$STATE/broken.json"

# A drive named on the command line whose file is missing or broken is
# one failing drive: named, the others listed, exit 1 (a drive's failure;
# a misspelt name above stays a usage error, reported alone).
run list emu:dvd-writer emu:no-such-file.json emu:cd-atapi
expect_status 1
expect_out "emu:dvd-writer"
expect_out "emu:cd-atapi"
expect_err "emu:no-such-file.json: cannot open drive file no-such-file.json"
run list emu:dvd-writer "emu:$STATE/broken.json"
expect_status 1
expect_out "emu:dvd-writer         MODECON  DVD-RW WRITER"
expect_err "emu:$STATE/broken.json: $STATE/broken.json: line"
run list "emu:$STATE/broken.json" emu:dvd-writer --json
expect_status 1
expect_out '"drive": "emu:dvd-writer"'
expect_out "\"drive\": \"emu:$STATE/broken.json\""
# Named alone, the same drive keeps its own status, as get's: bad input
# is a usage error, and there is no table to show.
run list emu:no-such-drive
expect_status 2
expect_err "emu:no-such-drive: unknown drive 'no-such-drive'"
[ -z "$out" ] || fail "list printed a table for a drive named alone that failed: $out"
run pages emu:no-such-drive
expect_status 2
run pages emu:no-such-drive emu:dvd-writer
expect_status 1
expect_out "0x08      Caching"
expect_err "emu:no-such-drive: unknown drive 'no-such-drive'"

# One broken drive file among good ones: list names it and shows the rest.
mkdir -p "$STATE/data/drives" "$STATE/data/pages"
cp "$(dirname "$0")/../../drives/dvd-writer.json" "$STATE/data/drives/good.json"
printf '{ "modecon_drive": 1, "inquiry": 5 }' >"$STATE/data/drives/bad.json"
out=$(MODECON_DATA_DIR=$STATE/data "$MODECON" list 2>"$STATE/stderr")
status=$?
err=$(cat "$STATE/stderr")
expect_status 1
expect_out "emu:good"
expect_err "bad.json"
expect_err "inquiry"

done_ok
