#!/bin/bash
# The record of changes: one audit line per MODE SELECT, whatever its
# outcome, and 'undo', which puts back only what the last change changed.
. "$(dirname "$0")/lib.sh"
D=emu:dvd-writer
AUDIT=$STATE/modecon/audit.jsonl

# outcome N: the audit log's outcome line of its Nth MODE SELECT.
outcome() {
    grep '"event":"outcome"' "$AUDIT" | sed -n "$1p"
}

# audit_is N FILTER: the outcome of MODE SELECT N (1 = first) makes the jq
# FILTER true, and its intent, before it, is of the same MODE SELECT.
audit_is() {
    checks=$((checks + 1))
    local got line
    line=$(outcome "$1")
    got=$(jq -e "$2" <<<"$line" 2>&1) ||
        fail "audit outcome $1: expected $2, the line is: $line ($got)"
    local select il ol
    select=$(jq -r .select <<<"$line")
    il=$(grep -nF "\"select\":\"$select\"" "$AUDIT" | grep -F '"event":"intent"' | cut -d: -f1)
    ol=$(grep -nF "\"select\":\"$select\"" "$AUDIT" | grep -F '"event":"outcome"' | cut -d: -f1)
    [ -n "$il" ] && [ "$il" -lt "$ol" ] || fail "MODE SELECT $1 has no intent before its outcome"
}

# outcomes: how many MODE SELECTs the audit log holds an outcome of.
outcomes() {
    local n=0
    [ -f "$AUDIT" ] && n=$(grep -c '"event":"outcome"' "$AUDIT")
    echo "$n"
}

audit_lines() {
    checks=$((checks + 1))
    [ "$(outcomes)" -eq "$1" ] || fail "expected $1 audit outcomes, found $(outcomes)"
}

# live [FILE]: the changes on record that undo can take, as a JSON array:
# the intents of changes sent, neither undone nor dropped.
live() {
    jq -s -c '[.[] | (.undone // empty), (.dropped // empty),
               (select(.verification == "not sent") | .outcome)] as $gone |
        [.[] | select(.intent != null and .undo_of == null and .undoable != false) |
         select(.intent as $i | $gone | index($i) | not)]' \
        "${1:-$(ls "$STATE"/modecon/undo/emu_dvd-writer-*.jsonl)}"
}

# caching_is HEX: the Caching page's current values.
caching_is() {
    run get $D caching
    expect_status 0
    expect_out "$1"
}

# A change: its line holds the drive, the bytes before and after, the CDB,
# the parameter list, the HRESULT and the read-back's verdict.
run set $D caching WCE=0
expect_status 0
audit_lines 1
audit_is 1 '.page == "0x08" and .subpage == "0x00" and .request == "current"'
audit_is 1 '.command == "modecon set" and .drive.uri == "emu:dvd-writer"'
audit_is 1 '.drive.vendor == "MODECON" and .drive.product == "DVD-RW WRITER"'
audit_is 1 '.before == "88 0a 04 00 00 00 00 00 00 00 00 00"'
audit_is 1 '.after == "88 0a 00 00 00 00 00 00 00 00 00 00"'
audit_is 1 '.cdb == "55 10 00 00 00 00 00 00 14 00"'
audit_is 1 '.parameter_list == "00 00 00 00 00 00 00 00 08 0a 00 00 00 00 00 00 00 00 00 00"'
audit_is 1 '.hresult == "S_OK" and .hresult_value == "0x00000000" and .message == null'
audit_is 1 '.verification == "applied" and .not_applied == [] and .sense == null'
audit_is 1 '.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}[.][0-9]{3}Z$")'

# Saving: SP set in the CDB, the request named.
run set $D caching RCD=1 --save
expect_status 0
audit_lines 2
audit_is 2 '.request == "saved" and .cdb == "55 11 00 00 00 00 00 00 14 00"'

# A dry run sends nothing, so it records nothing.
run set $D caching WCE=1 --dry-run
expect_status 0
audit_lines 2

# A refusal: the HRESULT, the sense bytes and the message are kept.
run set "$D?fault=sense:05/26/00@55" caching WCE=1
expect_status 1
audit_lines 3
audit_is 3 '.hresult == "E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS" and .hresult_value == "0xC0AA0208"'
audit_is 3 '.sense | startswith("70 00 05")'
audit_is 3 '.verification == "refused" and .after == null'
audit_is 3 '.message | contains("MODE SELECT(10) failed with ILLEGAL REQUEST")'
audit_is 3 '.sense_text | startswith("05/26/00 invalid field in parameter list")'
audit_is 3 '.drive.vendor == "MODECON"'

# No answer: the change may or may not have been made, and the line says so.
run set "$D?fault=timeout@55" caching WCE=1 --timeout 0.2
expect_status 1
audit_lines 4
audit_is 4 '.hresult == "E_IMAPI_RECORDER_COMMAND_TIMEOUT" and .verification == "unknown: no answer"'

# A drive that answers GOOD but keeps its values: the bytes it kept.
run set emu:ignoring caching WCE=0
expect_status 3
audit_lines 5
audit_is 5 '.verification == "not applied" and .not_applied[0].byte == 2'
audit_is 5 '.not_applied[0].sent == "0x00" and .not_applied[0].got == "0x04"'

# undo takes the last change first.  The timed-out and the refused
# changes left the page as it was: nothing to send, and each is dropped
# from the record.
caching_is "88 0a 01"
for n in 1 2; do
    run undo $D
    expect_status 0
    expect_out "undoing 'modecon set' of page 0x08 (Caching) (current values)"
    expect_out "is as it was before that change"
done
audit_lines 5
# Then the saved RCD=1, which also saved WCE=0 (the current value then),
# and, as SPC-4 6.11 has it, page 0x01's current RRC=16 over its saved
# RRC=32: the record holds page 0x01's values too, and the saved and the
# current values of both pages go back.
run get $D caching --type saved
expect_out "88 0a 01"
run get $D 1 --type saved
expect_out "81 0a c4 10"
checks=$((checks + 1))
live | jq -e '.[-1].also_saved == [{"current": "01 0a c4 10 00 00 00 00 10 00 00 00", "saved": "01 0a c4 20 00 00 00 00 10 00 00 00"}]' >/dev/null ||
    fail "the saving change's record lacks page 0x01's saved values"
run undo $D --dry-run
expect_status 0
expect_out "WCE: 0 -> 1"
expect_out "RCD: 1 -> 0"
expect_out "WCE: 1 -> 0"
expect_out "RRC: 16 -> 32"
expect_err "dry run: nothing was sent"
caching_is "88 0a 01"
run undo $D
expect_status 0
expect_out "(saved values)"
expect_out "verified: the drive applied every byte"
audit_lines 10
audit_is 6 '.command == "modecon undo" and .request == "current" and (.parameter_list | endswith("08 0a 04 00 00 00 00 00 00 00 00 00"))'
audit_is 7 '.request == "current" and (.parameter_list | endswith("01 0a c4 20 00 00 00 00 10 00 00 00"))'
audit_is 8 '.request == "saved" and (.parameter_list | endswith("08 0a 04 00 00 00 00 00 00 00 00 00"))'
audit_is 9 '.request == "current" and (.parameter_list | endswith("08 0a 00 00 00 00 00 00 00 00 00 00"))'
audit_is 10 '.request == "current" and (.parameter_list | endswith("01 0a c4 10 00 00 00 00 10 00 00 00"))'
caching_is "88 0a 00"
run get $D caching --type saved
expect_out "88 0a 04"
run get $D 1 --type saved
expect_out "81 0a c4 20"
run get $D 1
expect_out "81 0a c4 10"
# And the first change, WCE=0.
run undo $D
expect_status 0
expect_out "WCE: 0 -> 1"
expect_out "undone; no earlier change of this drive is on record"
caching_is "88 0a 04"

# The same bits changed since by another program (here the emulated
# drive's memory, edited): undo refuses, naming the byte, unless forced.
run set $D caching WCE=0
run set $D caching WCE=1 RCD=1
expect_status 0
state=$STATE/modecon/emu/dvd-writer.state
jq '(.pages[] | select(.page == 8) | .current) |= "08 0a 04 00 00 00 00 00 00 00 00 00"' \
    "$state" >"$state.new" && mv "$state.new" "$state"
caching_is "88 0a 04"
run undo $D
expect_status 2
expect_err "was changed again since (current values): byte 2 is 0x04, that change left 0x05; give --force to put back 0x00"
expect_err "give --force"
caching_is "88 0a 04"
run undo $D --force
expect_status 0
expect_out "WCE: 1 -> 0"
caching_is "88 0a 00"

# A number changed again since is put back whole with --force, never
# mixed bit by bit from two values (RRC 16 -> 32, then 33 elsewhere).
run set $D 1 RRC=32
expect_status 0
jq '(.pages[] | select(.page == 1) | .current) |= "01 0a c4 21 00 00 00 00 10 00 00 00"' \
    "$state" >"$state.new" && mv "$state.new" "$state"
run undo $D
expect_status 2
expect_err "was changed again since"
run undo $D --force
expect_status 0
expect_out "RRC: 33 -> 16"

# Nothing recorded for a drive: said, with where the record is kept.
run undo emu:cd-atapi
expect_status 2
expect_err "emu:cd-atapi: no change of this drive is recorded"
expect_err "$STATE/modecon/undo/"

# A damaged undo record stops a change before anything is sent, naming
# the file and the line.
undo_file=$(ls "$STATE"/modecon/undo/emu_dvd-writer-*.jsonl)
old_file=${undo_file%l}
cp "$undo_file" "$STATE/undo.saved"
sed '2s/^/garbage/' "$STATE/undo.saved" >"$undo_file"
lines=$(outcomes)
run set $D caching WCE=1
expect_status 1
expect_err "could not be recorded for undo, so nothing was sent"
expect_err "$undo_file:2:"
caching_is "88 0a 00"
audit_lines "$lines"
drive_id=$(head -1 "$STATE/undo.saved" | jq -r .drive)
# A last line cut off (a process killed while writing it), with or
# without its newline, or left as zeros by a power cut, is left out and
# cut off before the next line; a NUL before the last line is damage.
for torn in '{"intent":"x","time' '{"outcome":"y","verif}\n' '\0\0\0\0\0\0\0\0'; do
    cp "$STATE/undo.saved" "$undo_file"
    printf "$torn" >>"$undo_file"
    run undo $D --dry-run
    expect_status 0
    run set $D caching RCD=1
    expect_status 0
    checks=$((checks + 1))
    jq -e . "$undo_file" >/dev/null || fail "the torn line stayed in the record: $(tail -c 300 "$undo_file")"
    grep -qF '"intent":"x"' "$undo_file" && fail "the torn intent was kept"
    run undo $D
    expect_status 0
    caching_is "88 0a 00"
done
cp "$undo_file" "$STATE/undo.clean"
printf 'ab\0c\n' >>"$undo_file"
run set $D caching WCE=1
expect_status 1
expect_err "a NUL byte at byte"
expect_err "(the undo record is damaged); move it away to go on without it"
cp "$STATE/undo.clean" "$undo_file"
# A record of version 1 (one JSON document) is converted once, and the
# old file goes; one it cannot convert is named, and stays.
mv "$undo_file" "$STATE/undo.moved"
printf '{"version": 1, "drive": "%s", "changes": [{"time": "x", "command": "c", "uri": "u", "request": "changeable", "before": "08 0a", "sent": "08 0a"}]}' \
    "$drive_id" >"$old_file"
run undo $D
expect_status 1
expect_err "$old_file: change 1: request 'changeable': expected current or saved"
printf '{"version": 1, "drive": "%s", "changes": [{"time": "2026-01-02T03:04:05Z", "command": "modecon set", "uri": "%s", "request": "current", "before": "08 0a 04 00 00 00 00 00 00 00 00 00", "sent": "08 0a 00 00 00 00 00 00 00 00 00 00"}]}' \
    "$drive_id" "$D" >"$old_file"
run undo $D --dry-run
expect_status 0
expect_out "undoing 'modecon set' of page 0x08 (Caching) (current values) at 2026-01-02T03:04:05Z"
checks=$((checks + 1))
[ ! -e "$old_file" ] && [ "$(head -1 "$undo_file" | jq -r .version)" = 2 ] &&
    grep -q '"verification":"recorded before version 2"' "$undo_file" ||
    fail "the version 1 record was not converted: $(ls "$STATE"/modecon/undo/)"
run undo $D
expect_status 0
expect_out "WCE: 0 -> 1"
run set $D caching WCE=0
cp "$STATE/undo.moved" "$STATE/undo.saved"
# A record of another version or another drive is not used.
sed '1s/"version":2/"version":3/' "$STATE/undo.saved" >"$undo_file"
run undo $D
expect_status 1
expect_err "$undo_file: 'version' must be 2 (or 1, which is converted)"
sed "1s/\"drive\":\"[^\"]*\"/\"drive\":\"emu:cd-atapi\"/" "$STATE/undo.saved" >"$undo_file"
run undo $D
expect_status 1
expect_err "$undo_file: the record is of drive 'emu:cd-atapi', not '$drive_id'"
P01="01 0a c4 10 00 00 00 00 10 00 00 00"
for others in '[{"current": "01 0a", "saved": "08 0a"}]' \
    "[{\"current\": \"$P01\", \"saved\": \"$P01 00\"}]" \
    "[{\"current\": \"$P01\", \"saved\": \"$P01\"}, {\"current\": \"$P01\", \"saved\": \"$P01\"}]" \
    '[{"current": "08 0a 00 00 00 00 00 00 00 00 00 00", "saved": "08 0a 00 00 00 00 00 00 00 00 00 00"}]' \
    '[{"current": "01 0b c4 10 00 00 00 00 10 00 00 00", "saved": "01 0b c4 10 00 00 00 00 10 00 00 00"}]'; do
    jq -c --argjson o "$others" 'if .intent and .undo_of == null then .also_saved = $o else . end' \
        "$STATE/undo.saved" >"$undo_file"
    run undo $D
    expect_status 1
    expect_err "]: expected 'current' and 'saved', whole pages in hex of one header, each page once and not the page changed; move it away to go on without it"
done
cp "$STATE/undo.saved" "$undo_file"

# An audit log that cannot be written stops a change before it is sent.
mv "$AUDIT" "$STATE/audit.saved"
mkdir "$AUDIT"
run set $D caching WCE=1
expect_status 1
expect_err "page 0x08: nothing was sent: $AUDIT is a directory, not a regular file"
caching_is "88 0a 00"
rmdir "$AUDIT"
# Nor is one written through a link or waited for as a FIFO: refused at
# once, naming what is there.
ln -s "$STATE/audit.saved" "$AUDIT"
run set $D caching WCE=1
expect_status 1
expect_err "page 0x08: nothing was sent: $AUDIT is a symbolic link, not a regular file"
rm "$AUDIT"
mkfifo "$AUDIT"
run set $D caching WCE=1
expect_status 1
expect_err "page 0x08: nothing was sent: $AUDIT is a FIFO, not a regular file"
rm "$AUDIT"
caching_is "88 0a 00"
mv "$STATE/audit.saved" "$AUDIT"
# The audit log's intent lines, and a wait of up to 30 s for one more:
# its intent is the last thing written before a MODE SELECT is sent (the
# undo record's comes before it, so waiting for that one races the audit
# line).
audit_intents() { grep -c '"event":"intent"' "$AUDIT"; }
await_audit_intent() {
    for _ in $(seq 600); do
        [ "$(audit_intents)" -gt "$1" ] && return
        sleep 0.05
    done
}
# One that fails between the check and the line (the log made a directory
# while the MODE SELECT waits, once its intent is in the audit log): the
# command fails and says the drive took the change.
intents=$(audit_intents)
"$MODECON" set "$D?fault=latency:5000@55" caching WCE=1 >"$STATE/slow.out" 2>&1 &
slow=$!
await_audit_intent "$intents"
mv "$AUDIT" "$STATE/audit.saved"
mkdir "$AUDIT"
wait "$slow"
status=$?
err=$(cat "$STATE/slow.out")
expect_status 1
expect_err "the audit log could not be written (the change: applied)"
rmdir "$AUDIT"
mv "$STATE/audit.saved" "$AUDIT"
caching_is "88 0a 04"
# Its intent stays without an outcome in the undo record too, so that
# the next process that holds the drive reads the page back and gives
# the audit log the outcome it lacks.
lines=$(outcomes)
run undo $D --dry-run
expect_status 0
expect_err "'modecon set' (pid $slow) ended before recording the outcome of its MODE SELECT: applied (found after the process ended); now in the audit log"
audit_lines $((lines + 1))
audit_is $((lines + 1)) '.recovered and .verification == "applied (found after the process ended)" and (.after | startswith("88 0a 04"))'

# Ctrl-C while a MODE SELECT is with the drive waits for its answer, so
# that the audit log says what it did, then stops as asked; a second one
# leaves at once.  The answer takes 5 s, so that the signal
# comes while it is awaited even on a loaded machine.
for presses in 1 2; do
    lines=$(outcomes)
    intents=$(audit_intents)
    "$MODECON" set "$D?fault=latency:5000@55" caching WCE=$((presses - 1)) >"$STATE/int.out" 2>&1 &
    slow=$!
    await_audit_intent "$intents"
    # Then until it sleeps in the answer's latency: the intent is written
    # a moment before the MODE SELECT counts as with the drive.
    for _ in $(seq 60); do
        grep -qs nanosleep /proc/"$slow"/task/*/wchan && break
        sleep 0.05
    done
    for _ in $(seq "$presses"); do
        kill -INT "$slow"
        sleep 0.2
    done
    wait "$slow"
    status=$?
    err=$(cat "$STATE/int.out")
    expect_status 130
    expect_err "interrupted while a MODE SELECT is with the drive: waiting for its answer"
    if [ "$presses" -eq 1 ]; then
        expect_err "the MODE SELECT's outcome (applied) is in the audit log; stopping as asked"
        audit_lines $((lines + 1))
        audit_is $((lines + 1)) '.verification == "applied"'
    else
        # Its intent is on record without an outcome, until the next
        # process that holds the drive reads the page back: the second
        # Ctrl-C came before the drive took the change.
        audit_lines "$lines"
        run undo $D --dry-run
        expect_status 0
        expect_err "'modecon set' (pid $slow) ended before recording the outcome of its MODE SELECT: not applied (found after the process ended); now in the audit log"
        audit_lines $((lines + 1))
        audit_is $((lines + 1)) '.recovered and .verification == "not applied (found after the process ended)" and .hresult == null and (.after | startswith("88 0a 00")) and .drive.vendor == "MODECON"'
    fi
done
# Between MODE SELECTs, Ctrl-C stops at once, as ever.  It is sent once
# the process sleeps in the MODE SENSE's latency (a program under
# valgrind takes a while to get there), or after 20 s where /proc does
# not show that, still well within the 30 s latency.
"$MODECON" get "$D?fault=latency:30000@5a" caching >"$STATE/int.out" 2>&1 &
slow=$!
for _ in $(seq 400); do
    grep -qs nanosleep /proc/"$slow"/task/*/wchan && break
    sleep 0.05
done
kill -INT "$slow"
wait "$slow"
status=$?
# Under valgrind the memory of a process killed mid-run is reported too
# (lines starting ==PID==): that is valgrind's, not modecon's, word.
err=$(grep -v '^==[0-9]*==' "$STATE/int.out")
expect_status 130
checks=$((checks + 1))
[ -z "$err" ] || fail "a Ctrl-C between MODE SELECTs said: $err"

# A page forced through at another length is sent and audited, but has no
# previous bytes of its length for undo.
lines=$(outcomes)
run set $D caching --force --data "08 0a 04 00 00 00 00 00 00 00 00 00 00"
expect_err "warning: not recorded for undo: 13 bytes are sent for a 12-byte page"
audit_lines $((lines + 1))
audit_is $((lines + 1)) '.parameter_list | endswith("08 0a 04 00 00 00 00 00 00 00 00 00 00")'

# A read-back that fails: the MODE SELECT's own result is kept, and the
# read-back's error beside it.
lines=$(outcomes)
wce=$(((0x$(byte_of "$("$MODECON" get $D caching)" 2) >> 2) & 1))
run set "$D?fault=sense:04/44/00@5a+3" caching WCE=$((1 - wce))
expect_status 1
audit_lines $((lines + 1))
audit_is $((lines + 1)) '.hresult == "S_OK" and .sense == null and .verification == "unknown: read-back failed"'
audit_is $((lines + 1)) '.readback_error | contains("reading it back failed")'

# The record keeps the last 32 changes; the one that drops off is named.
dropped=
for i in $(seq 40); do
    run set $D caching WCE=$((i % 2))
    case $err in *"can no longer be undone"*) dropped=$i && break ;; esac
done
[ -n "$dropped" ] || fail "no change was said to drop off the undo record"
expect_err "note: the undo record keeps the changes of the last 32 commands on a drive: 'modecon set' of page 0x08 at "
checks=$((checks + 1))
[ "$(live | jq length)" -eq 32 ] || fail "the undo record does not hold 32 changes:"
# The limit counts commands, and a command's MODE SELECTs drop off
# together: made one command's two, the oldest two changes leave room for
# one more, then go at once; undo never finds half a command.
second=$(live | jq -r '.[1].intent')
first_run=$(live | jq -r '.[0].run')
jq -c --arg id "$second" --arg run "$first_run" 'if .intent == $id then .run = $run else . end' \
    "$undo_file" >"$undo_file.new" && mv "$undo_file.new" "$undo_file"
run set $D caching WCE=$(((dropped + 1) % 2))
case $err in *"can no longer be undone"*) fail "a change dropped off with room for 32 commands: $err" ;; esac
run set $D caching WCE=$((dropped % 2))
expect_err "'modecon set' of page 0x08 and 1 more MODE SELECT at "
checks=$((checks + 1))
[ "$(live | jq length)" -eq 32 ] || fail "a command's two MODE SELECTs did not drop off together"
# A 'run' that is not a string is refused, naming the change.
newest=$(live | jq -r '.[-1].intent')
jq -c --arg id "$newest" 'if .intent == $id then .run = 5 else . end' \
    "$undo_file" >"$undo_file.new" && mv "$undo_file.new" "$undo_file"
run undo $D --dry-run
expect_status 1
expect_err "line $(grep -n "\"intent\":\"$newest\"" "$undo_file" | cut -d: -f1): 'run' must be a string that names the command's run"
jq -c --arg id "$newest" 'if .intent == $id then .run = "x" else . end' \
    "$undo_file" >"$undo_file.new" && mv "$undo_file.new" "$undo_file"

# A failure at any point of undoing a saving change loses nothing unseen,
# and the change stays on record: page 0x1a's saved values, replaced by
# the change, come back on the retry; its current values come back or
# are named with what they were.
run set $D 0x1a IACT=6s --save
run set $D 0x1a IACT=7s
declare -A was
for page in 0x1a caching; do
    for type in current saved; do
        run get $D $page --type $type
        was[$page-$type]=$out
    done
done
run set $D caching WCE=1 RCD=1 --save
expect_err "note: page 0x1a (Power Condition): its saved values become its current values too"
current_1a=${was[0x1a-current]}
state=$STATE/modecon/emu/dvd-writer.state
cp "$state" "$STATE/before-faults.state"
cp "$undo_file" "$STATE/undo-before-faults.jsonl"
stopped=0
for fault in "sense:04/44/00@5a" "gone@55"; do
    for k in $(seq 0 30); do
        cp "$STATE/before-faults.state" "$state"
        cp "$STATE/undo-before-faults.jsonl" "$undo_file"
        run undo "$D?fault=$fault+$k*1"
        [ "$status" -eq 0 ] && continue
        undo_err=$err
        stopped=$((stopped + 1))
        checks=$((checks + 1))
        [ "$(live)" = "$(live "$STATE/undo-before-faults.jsonl")" ] ||
            fail "fault $fault+$k: the failed undo took a change off the record"
        run get $D 0x1a
        if [ "$out" != "$current_1a" ]; then
            case $undo_err in
                *"page 0x1a (Power Condition): its current values may be left changed; they were 1a 0a 00 03 00 00 00 46"*) continue ;;
                *) fail "fault $fault+$k: page 0x1a's current values changed unnamed" ;;
            esac
        fi
        # The retry puts everything back.
        run undo $D
        expect_status 0
        for page in 0x1a caching; do
            for type in current saved; do
                run get $D $page --type $type
                checks=$((checks + 1))
                [ "$out" = "${was[$page-$type]}" ] ||
                    fail "fault $fault+$k, then undo: $page $type values are $out, not ${was[$page-$type]}"
            done
        done
    done
done
[ "$stopped" -gt 15 ] || fail "only $stopped faults stopped the undo"

# Every line is one whole JSON object.
checks=$((checks + 1))
jq -e -s 'all(.[]; type == "object")' "$AUDIT" >/dev/null || fail "audit log is not JSON lines"

# undo --expect RUN undoes the command the dry run showed, or nothing: a
# command recorded after the look (another console, a script) is not
# undone unseen, and no MODE SELECT goes out.
rm -rf "$STATE/modecon"
run set $D caching WCE=0
expect_status 0
run undo $D --dry-run
expect_status 0
shown=$(sed -n 's/^this is run \([^:]*\):.*/\1/p' <<<"$out")
[ -n "$shown" ] || fail "undo --dry-run did not name the run it shows"
checks=$((checks + 1))
run set $D caching RCD=1
expect_status 0
run --trace "$STATE/expect.trace" undo $D --expect "$shown"
expect_status 2
expect_err "not run $shown: it came after the undo was shown; nothing was sent"
checks=$((checks + 1))
grep -q '"cdb":"55' "$STATE/expect.trace" && fail "undo --expect of a stale run sent a MODE SELECT"
caching_is "88 0a 01 00"
# Once RCD=1 is undone, the command shown is the newest again: it goes.
run undo $D
expect_status 0
run undo $D --expect "$shown"
expect_status 0
caching_is "88 0a 04 00"

# A record made by hand (or damaged) whose intent without an outcome lacks
# the pages to read back against is refused as damaged, never a crash.
rm -rf "$STATE/modecon"
run set $D caching WCE=0
expect_status 0
undo_file=$(ls "$STATE"/modecon/undo/emu_dvd-writer-*.jsonl)
cp "$undo_file" "$STATE/undo.saved"
for line in '{"intent":"hand-1","pid":1,"request":"current","undoable":false}' \
    '{"intent":"hand-2","pid":1,"request":"current","undo_of":"gone","before":"08 0a 04 00 00 00 00 00 00 00 00 00"}' \
    '{"intent":"hand-3","pid":1,"request":"current","undo_of":"gone","sent":"zz","before":"08 0a 04 00 00 00 00 00 00 00 00 00"}'; do
    cp "$STATE/undo.saved" "$undo_file"
    printf '%s\n' "$line" >>"$undo_file"
    run set $D caching RCD=1
    expect_status 1
    expect_err "needs 'request', 'sent' and 'before', each valid (the undo record is damaged); move it away to go on without it"
done
cp "$STATE/undo.saved" "$undo_file"
caching_is "88 0a 00 00"

# A change undone whose intent has no outcome yet keeps its 'undone' line
# when the record is rewritten without the lines no undo needs: once its
# outcome comes, it does not come back on the stack.  The audit log made
# a directory keeps the intent pending while the record is rewritten.
rm -rf "$STATE/modecon"
run set $D caching RCD=1
expect_status 0
undo_file=$(ls "$STATE"/modecon/undo/emu_dvd-writer-*.jsonl)
{
    head -n 1 "$undo_file"
    printf '%s\n' '{"intent":"hand-undone","pid":1,"time":"2026-01-01T00:00:00Z","command":"modecon set","uri":"emu:dvd-writer","request":"current","before":"08 0a 00 00 00 00 00 00 00 00 00 00","sent":"08 0a 01 00 00 00 00 00 00 00 00 00"}'
    printf '%s\n' '{"undone":"hand-undone"}'
    for i in $(seq 300); do
        printf '{"outcome":"filler-%s","verification":"applied","recovered":false}\n' "$i"
    done
} >"$STATE/undo.hand"
mv "$STATE/undo.hand" "$undo_file"
mv "$AUDIT" "$STATE/audit.saved"
mkdir "$AUDIT"
run set $D caching WCE=0
expect_status 1
checks=$((checks + 1))
[ "$(wc -l <"$undo_file")" -lt 100 ] || fail "the undo record was not rewritten: $(wc -l <"$undo_file") lines"
checks=$((checks + 1))
grep -q '"undone":"hand-undone"' "$undo_file" ||
    fail "the rewritten record lost the 'undone' line of a pending intent: $(cat "$undo_file")"
rmdir "$AUDIT"
mv "$STATE/audit.saved" "$AUDIT"
run undo $D --dry-run
expect_status 2
expect_err "no change of this drive is recorded"

done_ok
