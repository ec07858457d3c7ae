#!/bin/bash
# Every row of the seed's return-code table that a drive or a transport
# can cause, produced through the emulated drive's fault injection, as the
# command line reports it: the HRESULT's name and value, the message, the
# exit status.  MEDIA_UPSIDE_DOWN and MEDIA_SPEED_MISMATCH have no
# standard sense code: they come from the user's vendor sense rules.
# tests/e2e/fault-matrix.sh shows the same rows in the console.
. "$(dirname "$0")/lib.sh"
D=emu:dvd-writer
mkdir -p "$XDG_CONFIG_HOME/modecon"
RULES=$XDG_CONFIG_HOME/modecon/vendor-sense
cat >"$RULES" <<'EOF'
# Vendor sense rules: KK/AA/QQ HRESULT [VENDOR]
02/b0/*  E_IMAPI_RECORDER_MEDIA_UPSIDE_DOWN           # any vendor
05/b1/00 E_IMAPI_RECORDER_MEDIA_SPEED_MISMATCH  MODECON
05/b2/00 E_IMAPI_RECORDER_MEDIA_SPEED_MISMATCH  OTHERCO
EOF

# row HRESULT VALUE EXIT "MESSAGE" modecon ARGS...
row() {
    local name=$1 value=$2 code=$3 message=$4
    shift 4
    run "$@"
    expect_status "$code"
    expect_err "$name ($value)"
    expect_err "$message"
}

# Reading a page (MODE SENSE, 5Ah).
row E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE 0xC0AA0201 1 "[sense 05/24/00 invalid field in cdb" \
    get "$D?fault=sense:05/24/00@5a" caching
row E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE 0xC0AA0201 1 "[sense 05/39/00 saving parameters not supported" \
    get "$D?fault=sense:05/39/00@5a" caching --type saved
row E_IMAPI_RECORDER_MEDIA_NO_MEDIA 0xC0AA0202 1 "[sense 02/3a/00 medium not present" \
    get "$D?fault=sense:02/3a/00@5a" caching
row E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE 0xC0AA0203 1 "[sense 05/30/00 incompatible medium installed" \
    get "$D?fault=sense:05/30/00@5a" caching
row E_IMAPI_RECORDER_MEDIA_UPSIDE_DOWN 0xC0AA0204 1 "(as $RULES:2 says)" \
    get "$D?fault=sense:02/b0/01@5a" caching
row E_IMAPI_RECORDER_MEDIA_BECOMING_READY 0xC0AA0205 1 "[sense 02/04/01" \
    get "$D?fault=sense:02/04/01@5a" caching --ready-wait 0.2
row E_IMAPI_RECORDER_MEDIA_FORMAT_IN_PROGRESS 0xC0AA0206 1 "[sense 02/04/04" \
    get "$D?fault=sense:02/04/04@5a" caching
row E_IMAPI_RECORDER_MEDIA_BUSY 0xC0AA0207 1 "[sense 02/04/07" \
    get "$D?fault=sense:02/04/07@5a" caching
row E_IMAPI_RECORDER_MEDIA_BUSY 0xC0AA0207 1 "[sense 02/04/08" \
    get "$D?fault=sense:02/04/08@5a" caching
row E_IMAPI_RECORDER_MEDIA_WRITE_PROTECTED 0xC0AA0209 1 "[sense 07/27/00 write protected" \
    get "$D?fault=sense:07/27/00@5a" caching
row E_IMAPI_RECORDER_COMMAND_TIMEOUT 0xC0AA020D 1 "no answer within 200 ms" \
    get "$D?fault=timeout@5a" caching --timeout 0.2
row E_IMAPI_RECORDER_MEDIA_SPEED_MISMATCH 0xC0AA020F 1 "(as $RULES:3 says)" \
    get "$D?fault=sense:05/b1/00@5a" caching
row E_IMAPI_RECORDER_LOCKED 0xC0AA0210 1 "RESERVATION CONFLICT" \
    get "$D?fault=status:18@5a" caching
row E_IMAPI_RECORDER_MEDIA_NOT_FORMATTED 0xC0AA0212 1 "[sense 02/30/10 medium not formatted" \
    get "$D?fault=sense:02/30/10@5a" caching
row E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE 0xC0AA02FF 1 "" \
    get "$D?fault=garbage:length" caching
row E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE 0xC0AA02FF 1 "unexpected SCSI status 0x40" \
    get "$D?fault=status:40@5a" caching
row E_FAIL 0x80004005 1 "the drive is busy (status 0x08)" \
    get "$D?fault=status:08@5a" caching
row E_IMAPI_LOSS_OF_STREAMING 0xC0AA0300 1 "[sense 03/0c/09" \
    get "$D?fault=sense:03/0c/09@5a" caching
row HRESULT_ERROR_DEV_NOT_EXIST 0x80070037 1 "the drive is no longer available" \
    get "$D?fault=gone@5a" caching
row E_FAIL 0x80004005 1 "[sense 04/44/00 internal target failure" \
    get "$D?fault=sense:04/44/00@5a" caching
# The rules hold for every command, those that open drives themselves too.
row E_IMAPI_RECORDER_MEDIA_UPSIDE_DOWN 0xC0AA0204 1 "(as $RULES:2 says)" \
    pages "$D?fault=sense:02/b0/00@5a"
# A rule for another vendor does not apply: the built-in mapping does.
row E_FAIL 0x80004005 1 "MODE SENSE(10) failed with ILLEGAL REQUEST" \
    get "$D?fault=sense:05/b2/00@5a" caching

# Changing a page (MODE SELECT, 55h): each failure says whether the drive
# may have the change.
row E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS 0xC0AA0208 1 "[sense 05/26/00 invalid field in parameter list" \
    set "$D?fault=sense:05/26/00@55" caching WCE=0
row E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS 0xC0AA0208 1 "[sense 05/1a/00 parameter list length error" \
    set "$D?fault=sense:05/1a/00@55" caching WCE=0
row E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE 0xC0AA0201 1 "[sense 05/24/00" \
    set "$D?fault=sense:05/24/00@55" caching WCE=0 --save
row E_IMAPI_RECORDER_MEDIA_WRITE_PROTECTED 0xC0AA0209 1 "[sense 07/27/00" \
    set "$D?fault=sense:07/27/00@55" caching WCE=0
row E_IMAPI_RECORDER_COMMAND_TIMEOUT 0xC0AA020D 1 "may or may not have applied the change" \
    set "$D?fault=timeout@55" caching WCE=0 --timeout 0.2
row HRESULT_ERROR_DEV_NOT_EXIST 0x80070037 1 "may or may not have applied the change" \
    set "$D?fault=gone@55" caching WCE=0
row E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE 0xC0AA02FF 1 "reading it back failed" \
    set "$D?fault=garbage:length@5a+3" caching WCE=0
# That one was sent and answered GOOD: the drive has it.
run get $D caching
expect_out "88 0a 00"
# A mode parameter change by another initiator between reading and
# writing: nothing applied, and said.
row E_FAIL 0x80004005 1 "the drive's mode parameters changed after they were read, so nothing was applied" \
    set "$D?fault=sense:06/2a/01@55" caching WCE=1
# The engine's own refusals before anything is sent.
row E_INVALIDARG 0x80070057 1 "the drive's changeable values cannot be set" \
    set $D caching --data "08 0a 00 00 00 00 00 00 00 00 00 00" --type changeable
row E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS 0xC0AA0208 1 "nothing was sent" \
    set $D caching --data "08 0a 02 00 00 00 00 00 00 00 00 00"
run get $D caching
expect_out "88 0a 00"

# LOCKED from another modecon holding the drive: tests/cli/persistence.sh;
# from another program holding a local drive: the QEMU guest's suites.

# A rules file with a bad line is not used, and the line is named.
printf '02/b0/* E_IMAPI_RECORDER_MEDIA_UPSIDE_DOWN\n2/b0 E_FAIL\n' >"$RULES"
run get "$D?fault=sense:02/b0/01@5a" caching
expect_status 1
expect_err "warning: vendor sense rules not used: $RULES:2: '2/b0': expected KK/AA/QQ HRESULT [VENDOR]"
expect_err "E_FAIL (0x80004005)"
for bad in "02/b0/00 S_OK" "02/b0/00 E_NO_SUCH_THING" "1f/b0/00 E_FAIL" "02/b0/00 E_FAIL TOOLONGVENDOR"; do
    printf '%s\n' "$bad" >"$RULES"
    run get $D caching
    expect_status 0
    expect_err "warning: vendor sense rules not used: $RULES:1:"
done

done_ok
