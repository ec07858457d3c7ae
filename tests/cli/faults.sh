#!/bin/bash
# Each fault kind, as a user meets it on the command line.
. "$(dirname "$0")/lib.sh"
D=emu:dvd-writer

run get "$D?fault=timeout" 5 --timeout 0.2
expect_status 1
expect_err "E_IMAPI_RECORDER_COMMAND_TIMEOUT (0xC0AA020D)"
expect_err "no answer within 200 ms"

run get "$D?fault=gone" 5
expect_status 1
expect_err "HRESULT_ERROR_DEV_NOT_EXIST (0x80070037): the drive is no longer available"

for kind in length truncated short page bdlen; do
    run get "$D?fault=garbage:$kind" 5
    expect_status 1
    expect_err "E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE (0xC0AA02FF)"
    # The page list reads the same data, all pages at once; a renamed page
    # (garbage:page) is wrong only where one page was asked for.
    [ "$kind" = page ] && continue
    run pages "$D?fault=garbage:$kind"
    expect_status 1
    expect_err "E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE (0xC0AA02FF)"
done

# A drive file that is not a regular file is refused, not waited on.
mkfifo "$STATE/fifo.json"
out=$(timeout 10 "$MODECON" get "emu:$STATE/fifo.json" 5 2>&1)
status=$?
expect_status 2
expect_out "fifo.json"

run get "$D?fault=latency:50" 5
expect_status 0

# One UNIT ATTENTION is retried; a persistent one is an error.
run get "$D?fault=sense:06/29/00*1" 5
expect_status 0
run get "$D?fault=sense:06/29/00" 5
expect_status 1
expect_err "E_FAIL (0x80004005)"
expect_err "[sense 06/29/00 power on, reset, or bus device reset occurred]"

# A misspelt parameter is named, not taken for part of the drive's name.
run get "$D?faults=gone" 5
expect_status 2
expect_err "unknown parameter 'faults'; an emulated drive takes ?fault=SPEC"

# A time-out outside its range names the range it must be in.
for bad in 0 abc 3601; do
    run get emu:dvd-writer 5 --timeout "$bad"
    expect_status 2
    expect_err "--timeout '$bad': expected a number of seconds from 0.001 to 3600"
done

# The front ends take global options among their arguments too: they are
# applied, not taken for a drive (without a terminal the console stops
# there, after its arguments are read).
run console --timeout 4 emu:dvd-writer </dev/null
expect_status 2
expect_err "the console needs a terminal"
grep -q "not a drive" <<<"$err" && fail "console took --timeout for a drive"
run console emu:dvd-writer --trace="$STATE/c.jsonl" --ready-wait 1 </dev/null
expect_err "the console needs a terminal"
run console --timeout abc emu:dvd-writer </dev/null
expect_status 2
expect_err "--timeout 'abc': expected a number of seconds from 0.001 to 3600"
run console emu:dvd-writer --timeout </dev/null
expect_status 2
expect_err "console: --timeout needs a value (SECONDS)"
run shell --timeout 4 </dev/null
expect_status 0
run shell --timeout 4 extra </dev/null
expect_status 2
expect_err "shell takes no arguments but global options"

# BECOMING READY is retried with back-off, within --ready-wait.
run get "$D?fault=sense:02/04/01*2" 5
expect_status 0
run get "$D?fault=sense:02/04/01" 5 --ready-wait 0.3
expect_status 1
expect_err "E_IMAPI_RECORDER_MEDIA_BECOMING_READY (0xC0AA0205)"
expect_err "still not ready after 300 ms"

# A change whose MODE SELECT gets no answer says the outcome is unknown.
page=$(flip_byte "$("$MODECON" get $D 8)" 2 0x04) # WCE: a change goes out
run set "$D?fault=gone@55" 8 --data "$page"
expect_status 1
expect_err "may or may not have applied the change"

run set "$D?fault=sense:07/27/00@55" 8 --data "$page"
expect_status 1
expect_err "E_IMAPI_RECORDER_MEDIA_WRITE_PROTECTED (0xC0AA0209)"

run get "$D?fault=sense:02/04/04" 5
expect_status 1
expect_err "E_IMAPI_RECORDER_MEDIA_FORMAT_IN_PROGRESS (0xC0AA0206)"

# Statuses without sense: a reservation by another initiator, a busy drive.
run get "$D?fault=status:18" 5
expect_status 1
expect_err "E_IMAPI_RECORDER_LOCKED (0xC0AA0210)"
expect_err "reserved by another initiator (RESERVATION CONFLICT)"
run get "$D?fault=status:08" 5
expect_status 1
expect_err "E_FAIL (0x80004005): the request failed"
expect_err "the drive is busy (status 0x08)"

# The page list of a drive that refuses page 3Fh is asked page by page; a
# drive that stops answering meanwhile is an error, not a short list.
run pages "emu:cd-atapi?fault=timeout@5a+3" --timeout 0.1
expect_status 1
expect_err "E_IMAPI_RECORDER_COMMAND_TIMEOUT"

run get "$D?fault=bogus" 5
expect_status 2
expect_err "fault spec 'bogus': expected one of"

done_ok
