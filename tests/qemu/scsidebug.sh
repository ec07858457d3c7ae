# In the guest: the kernel's scsi_debug as an MMC device (ptype=5),
# /dev/sr0: SPC pages only, with a real MODE SELECT (see guest.sh).
. /lib.sh

run pages /dev/sr0
expect_status 0
expect_out "0x0a      Control"
expect_out "0x1c      Fault/Failure Reporting Control"

# A change sticks; the drive then raises UNIT ATTENTION 06/2A/01 (mode
# parameters changed), which the read-back meets and retries.
run --trace /tmp/trace set /dev/sr0 control GLTSD=0
expect_status 0
expect_out "verified: the drive applied every byte"
expect_trace /tmp/trace '"sense":"70 00 06 .* 2a 01' "06/2A/01 met and retried"
expect_sdparm /dev/sr0 0x0a 2 00 "GLTSD 0"

# Descriptor-format sense (D_SENSE=1): a refused request is decoded.
run set /dev/sr0 control D_SENSE=1
expect_status 0
expect_sdparm /dev/sr0 0x0a 2 04 "D_SENSE 1"
run --trace /tmp/trace-d get /dev/sr0 0x3e
expect_status 1
expect_err "05/24/00"
expect_trace /tmp/trace-d '"sense":"72 05 24 00' "the drive answered in descriptor format"

# Page 01 cannot be selected here: forced, 05/26/00 with a field pointer
# (SPC-4 sense-key specific bytes) at the page's header, which is named.
# (scsi_debug takes bits its changeable mask does not show on 0A and 1C.)
run set /dev/sr0 1 PER=1 --force
expect_status 1
expect_err "E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS"
expect_err "sense 05/26/00 invalid field in parameter list, page byte 0 bit 5"
expect_err "the drive pointed at page byte 0, the page's header"

run set /dev/sr0 control D_SENSE=0 GLTSD=1
expect_status 0
expect_sdparm /dev/sr0 0x0a 2 02 "the page restored"

# While modecon changes a page it holds the drive, and the kernel keeps
# others out: on /dev/sr0 other exclusive openers, on /dev/sg0 everyone.
# Each command takes half a second.  `set` reads the current and
# changeable values to check the edit, claims the drive and reads the
# current values again (MODE SENSE, PC 00: "5a 08 0a"; the changeable ones
# the engine keeps): after that second read the drive is held.
D=/sys/bus/pseudo/drivers/scsi_debug
echo 500000000 >$D/ndelay
# while_held NODE GLTSD OTHER...: OTHER runs while `set NODE control
# GLTSD=...` holds the drive, and must be refused; the change succeeds.
while_held() {
    node=$1 value=$2
    shift 2
    rm -f /tmp/trace-slow
    modecon --trace /tmp/trace-slow set "$node" control GLTSD="$value" >/tmp/slow.out 2>&1 &
    slow=$!
    wait_for /tmp/trace-slow '"cdb":"5a 08 0a' 2
    last="$*, during a change through $node"
    out=$(timeout 2 "$@" 2>&1)
    status=$?
    err=$out
    expect_err "busy"
    wait $slow
    status=$?
    last="set $node control GLTSD=$value, slowed"
    out=$(cat /tmp/slow.out)
    expect_status 0
}
while_held /dev/sr0 0 hold-open /dev/sr0 excl
while_held /dev/sg0 1 sg_turs /dev/sg0
echo 0 >$D/ndelay
expect_sdparm /dev/sr0 0x0a 2 02 "GLTSD back to 1"

# A command the drive never answers: COMMAND_TIMEOUT after --timeout.
# scsi_debug ignores every command (opts bit 4, every_nth 1), the kernel's error handler
# then takes its time (about a minute under TCG) before SG_IO returns.
echo 1 >$D/statistics
echo 1 >$D/every_nth
echo 4 >$D/opts
run --timeout 1 get /dev/sr0 0x0a
echo 0 >$D/opts
echo 0 >$D/every_nth
expect_status 1
expect_err "E_IMAPI_RECORDER_COMMAND_TIMEOUT (0xC0AA020D)"
expect_err "/dev/sr0: no answer within 1000 ms"
run get /dev/sr0 0x0a
expect_status 0

done_checks
