#!/bin/bash
# Every exit status: 0 success, 1 drive or engine error, 2 bad usage or
# input, 3 accepted but not applied.
. "$(dirname "$0")/lib.sh"

run get emu:dvd-writer caching
expect_status 0
expect_no_err

run get emu:dvd-writer?fault=sense:02/3a/00 5
expect_status 1
expect_err "E_IMAPI_RECORDER_MEDIA_NO_MEDIA (0xC0AA0202): there is no medium in the drive"
expect_err "[sense 02/3a/00 medium not present]"
expect_err "try: insert a disc and try again"

run frobnicate
expect_status 2
expect_err "unknown command 'frobnicate'"

run get emu:dvd-writer 0x40
expect_status 2
expect_err "page '0x40': expected a page code from 0x00 to 0x3e or a page name"

run get emu:no-such-drive 5
expect_status 2
expect_err "no-such-drive"

run get emu:dvd-writer 5 --type sideways
expect_status 2
expect_err "type 'sideways': expected current, changeable, default or saved"

run set emu:dvd-writer 8 --data "08 0a zz"
expect_status 2
expect_err "--data: hex data, line 1 column 7: 'z' is not a hex digit"

run set emu:dvd-writer 8
expect_status 2
expect_err "set: give FIELD=VALUE... or --data HEX"

run
expect_status 2
expect_out "usage: modecon"

# A state directory that cannot be made names the place.
out=$(XDG_STATE_HOME=/dev/null/state "$MODECON" get emu:dvd-writer 5 2>&1)
status=$?
expect_status 1
expect_out "cannot create directory /dev/null/state: Not a directory"
out=$(env -u XDG_STATE_HOME HOME= "$MODECON" get emu:dvd-writer 5 2>&1)
status=$?
expect_status 1
expect_out "no state directory: set XDG_STATE_HOME or HOME"

# The drive that accepts everything and changes nothing.
chg=$("$MODECON" get emu:ignoring 8 --type changeable)
read -r at mask <<<"$(first_bit "$chg" 1)"
page=$("$MODECON" get emu:ignoring 8)
run set emu:ignoring 8 --data "$(flip_byte "$page" "$at" "$mask")"
expect_status 3
expect_out "not applied: byte $at:"
expect_err "accepted the change but did not apply 1 byte"

done_ok
