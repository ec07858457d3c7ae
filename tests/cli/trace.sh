#!/bin/bash
# --trace writes one JSON object a line for every command, from any place
# on the command line.
. "$(dirname "$0")/lib.sh"
T=$STATE/trace.jsonl

run --trace "$T" get emu:dvd-writer 8
expect_status 0
[ "$(wc -l <"$T")" -eq 1 ] || fail "expected one trace line"
grep -q '^{"drive": *"emu:dvd-writer", *"cdb": *"5a 08 08 00 00 00 00 02 00 00"' "$T" ||
    fail "unexpected trace line: $(cat "$T")"
grep -q '"status": *0' "$T" || fail "no status in $(cat "$T")"

page=$(flip_byte "$out" 2 0x04) # WCE, so that the page goes out
run set emu:dvd-writer 8 --data "$page" --trace "$T"
expect_status 0
grep -q '"cdb": *"55 10 ' "$T" || fail "no MODE SELECT in the trace"
grep -q '"data_out": *"00 00 00 00 00 00 00 00 08 0a' "$T" ||
    fail "the parameter list is not traced"

run get "emu:dvd-writer?fault=timeout" 8 --timeout 0.1 --trace "$T"
expect_status 1
grep -q '"error": *"emu:dvd-writer: no answer within 100 ms"' "$T" ||
    fail "the time-out is not traced: $(tail -1 "$T")"

# A trace that cannot be written (a full disk; /dev/full is one) fails
# the command, saying so, after the command has run.
run get emu:dvd-writer 8 --trace /dev/full
expect_status 1
expect_err "--trace: 1 command not traced: cannot write /dev/full: No space left on device"
expect_out "88 0a"
# A change is made and recorded all the same: only its trace is lost.
back=$(flip_byte "$page" 2 0x04)
run set emu:dvd-writer 8 --data "$back" --trace /dev/full
expect_status 1
expect_err "commands not traced: cannot write /dev/full"
[ "$("$MODECON" get emu:dvd-writer 8)" = "$back" ] || fail "the change was not made"

run get emu:dvd-writer 8 --trace /nonexistent/dir/trace
expect_status 2
expect_err "--trace /nonexistent/dir/trace"

done_ok
