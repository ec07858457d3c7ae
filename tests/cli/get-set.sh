#!/bin/bash
# get and set as a technician uses them: the pipeline, a change that
# persists across processes, saving, power cycles, dry runs.
. "$(dirname "$0")/lib.sh"
D=emu:dvd-writer

# get | set writes back what it read: values the drive holds already,
# so nothing goes out.
out=$("$MODECON" get $D write-parameters | "$MODECON" set $D 5 --data - 2>&1)
status=$?
expect_status 0
expect_out "no change: $D holds these current values already; nothing was sent"

# A changeable bit of page 05, flipped, survives into the next process.
chg=$("$MODECON" get $D 5 --type changeable)
read -r at mask <<<"$(first_bit "$chg" 1)"
before=$("$MODECON" get $D 5)
after=$(flip_byte "$before" "$at" "$mask")
run set $D 5 --data "$after"
expect_status 0
expect_out "$D: page 0x05 written to current values"
expect_out "verified: the drive applied every byte"
run get $D 5
expect_status 0
[ "$(byte_of "$out" "$at")" = "$(byte_of "$after" "$at")" ] ||
    fail "byte $at did not persist: $(byte_of "$out" "$at")"

# A power cycle brings back the saved value.
saved=$("$MODECON" get $D 5 --type saved)
run power-cycle $D
expect_status 0
expect_out "power-cycled"
run get $D 5
[ "$(byte_of "$out" "$at")" = "$(byte_of "$saved" "$at")" ] ||
    fail "power cycle did not restore byte $at"

# Write parameters are not savable (PS=0): --save is refused unsent.
run set $D 5 --data "$after" --save
expect_status 1
expect_err "E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE (0xC0AA0201)"
expect_err "the drive cannot save this page (PS is 0); nothing was sent"

# --save on the caching page writes the saved values too, and they
# survive a power cycle.
cchg=$("$MODECON" get $D caching --type changeable)
read -r cat cmask <<<"$(first_bit "$cchg" 1)"
cnew=$(flip_byte "$("$MODECON" get $D caching)" "$cat" "$cmask")
run set $D caching --data "$cnew" --save
expect_status 0
expect_out "written to saved values"
"$MODECON" power-cycle $D >/dev/null
run get $D caching --type saved
[ "$(byte_of "$out" "$cat")" = "$(byte_of "$cnew" "$cat")" ] ||
    fail "saved byte $cat was not kept"
run get $D caching
[ "$(byte_of "$out" "$cat")" = "$(byte_of "$cnew" "$cat")" ] ||
    fail "current byte $cat is not the saved one after the power cycle"

# --save with --type current contradicts itself.
run set $D 5 --data "$after" --save --type current
expect_status 2
expect_err "--save means --type saved"

# A dry run prints the CDB and the parameter list and changes nothing.
cur=$("$MODECON" get $D 5)
run set $D 5 --data "$(flip_byte "$cur" "$at" "$mask")" --dry-run
expect_status 0
expect_out "MODE SELECT(10) CDB:"
expect_out "55 10 00 00 00 00 00 00 3c 00"
expect_out "parameter list (60 bytes):"
expect_out "00 00 00 00 00 00 00 00 05 32"
expect_err "dry run: nothing was sent"
run get $D 5
[ "$out" = "$cur" ] || fail "the dry run changed the drive"

# --no-verify skips the read-back.
run set $D 5 --data "$(flip_byte "$cur" "$at" "$mask")" --no-verify
expect_status 0
expect_out "not verified (--no-verify)"

# JSON from get.
run get $D caching --json
expect_status 0
expect_out '"page": 8'
expect_out '"type": "current"'

# A locked bit is refused before anything is sent, naming byte and bit.
read -r lat lmask <<<"$(first_bit "$chg" 0)"
bit=0
while [ $((1 << bit)) -ne "$lmask" ]; do bit=$((bit + 1)); done
run set $D 5 --data "$(flip_byte "$before" "$lat" "$lmask")"
expect_status 1
expect_err "E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS (0xC0AA0208)"
expect_err "byte $lat bit $bit is not changeable"
expect_err "nothing was sent"

# With --force the drive refuses it and points at the same field.
run set $D 5 --data "$(flip_byte "$before" "$lat" "$lmask")" --force
expect_status 1
expect_err "note: sent anyway (--force)"
expect_err "[sense 05/26/00 invalid field in parameter list, page byte $lat bit $bit]"

# changeable and default values cannot be written (IMAPI: E_INVALIDARG).
run set $D 5 --data "$before" --type default
expect_status 1
expect_err "E_INVALIDARG (0x80070057)"

done_ok
