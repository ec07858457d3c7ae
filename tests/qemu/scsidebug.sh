# In the guest: the kernel's scsi_debug as an MMC device (ptype=5),
# /dev/sr0: SPC pages only, with a real MODE SELECT (see guest.sh).
. /lib.sh

run pages /dev/sr0
expect_status 0
expect_out "0x0a      control"
expect_out "0x1c      informational-exceptions"

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

# A command the drive never answers: COMMAND_TIMEOUT after --timeout.
# scsi_debug ignores every command (opts bit 4, every_nth 1), the kernel's error handler
# then takes its time (about a minute under TCG) before SG_IO returns.
D=/sys/bus/pseudo/drivers/scsi_debug
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
