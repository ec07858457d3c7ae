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
expect_out "0x05      write-parameters               52  no"
expect_out "0x08      caching                        12  yes"
expect_out "0x2a      legacy-capabilities"

run pages emu:cd-atapi
expect_status 0
expect_out "0x01      read-write-error-recovery       8  no"

run pages emu:cd-atapi --type changeable
expect_status 1
expect_err "E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE (0xC0AA0201)"

run pages emu:dvd-writer --type saved
expect_status 0

# A broken drive file is named with what was expected, and list goes on.
printf '{ "modecon_drive": 1, ' >"$STATE/broken.json"
run get "emu:$STATE/broken.json" 5
expect_status 2
expect_err "$STATE/broken.json"

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
