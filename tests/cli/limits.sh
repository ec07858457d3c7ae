#!/bin/bash
# Each bound at its limit and one past it: the retries of UNIT ATTENTION,
# BECOMING READY and BUSY counted in the trace, the nesting of replay
# files, the words of a command and the size of each file modecon reads.
# (The fault grammar's numbers: tests/unit/test_fault.c; the undo
# record's 32 commands: tests/cli/changes.sh.)
. "$(dirname "$0")/lib.sh"
D=emu:dvd-writer

# tries TRACE OPCODE: how many commands with that opcode the trace holds.
tries() {
    jq -s --arg op "$2" '[.[] | select(.cdb | startswith($op + " "))] | length' "$1"
}

# expect_tries TRACE OPCODE N
expect_tries() {
    checks=$((checks + 1))
    local got
    got=$(tries "$1" "$2")
    [ "$got" -eq "$3" ] || fail "expected $3 tries of opcode $2, the trace has $got: $(cat "$1")"
}

# pad_to FILE SIZE LINE: FILE grown to exactly SIZE bytes with copies of
# LINE (a comment, or blanks), the last one cut short.
pad_to() {
    local file=$1 size=$2 line=$3 have
    have=$(stat -c %s "$file")
    yes "$line" | head -c $((size - have - 1)) >>"$file"
    printf '\n' >>"$file"
    checks=$((checks + 1))
    [ "$(stat -c %s "$file")" -eq "$size" ] || fail "$file is not $size bytes"
}

# --- UNIT ATTENTION: up to three different ones are retried (SAM-5),
# each try in the trace; a fourth is the error.
ua3="sense:06/29/00*1,sense:06/28/00*1,sense:06/29/01*1"
T=$STATE/ua3.jsonl
run get "$D?fault=$ua3" 5 --trace "$T"
expect_status 0
expect_tries "$T" 5a 4
T=$STATE/ua4.jsonl
run get "$D?fault=$ua3,sense:06/29/02*1" 5 --trace "$T"
expect_status 1
expect_err "[sense 06/29/02 "
expect_tries "$T" 5a 4
# The same one again is not retried: once is, twice is the error.
T=$STATE/ua-same1.jsonl
run get "$D?fault=sense:06/29/00*1" 5 --trace "$T"
expect_status 0
expect_tries "$T" 5a 2
T=$STATE/ua-same2.jsonl
run get "$D?fault=sense:06/29/00*2" 5 --trace "$T"
expect_status 1
expect_err "[sense 06/29/00 "
expect_tries "$T" 5a 2

# --- BECOMING READY: retried after 100, then 200 ms, ... while the wait
# stays within --ready-wait: with 0.3 s, three tries.
T=$STATE/ready2.jsonl
run get "$D?fault=sense:02/04/01*2" 5 --ready-wait 0.3 --trace "$T"
expect_status 0
expect_tries "$T" 5a 3
T=$STATE/ready3.jsonl
run get "$D?fault=sense:02/04/01*3" 5 --ready-wait 0.3 --trace "$T"
expect_status 1
expect_err "still not ready after 300 ms"
expect_tries "$T" 5a 3

# --ready-wait 0: no wait, one try.
T=$STATE/ready0.jsonl
run get "$D?fault=sense:02/04/01*1" 5 --ready-wait 0 --trace "$T"
expect_status 1
expect_err "E_IMAPI_RECORDER_MEDIA_BECOMING_READY"
expect_tries "$T" 5a 1

# --- The waits' own bounds: --timeout from 0.001 s, --ready-wait from 0,
# both to an hour.
for ok in "--timeout 0.001" "--timeout 3600" "--ready-wait 0" "--ready-wait 3600"; do
    # shellcheck disable=SC2086
    run get $D 5 $ok
    expect_status 0
done
for bad in "--timeout 0.0009" "--timeout 3600.001" "--ready-wait -0.001" \
    "--ready-wait 3600.001"; do
    # shellcheck disable=SC2086
    run get $D 5 $bad
    expect_status 2
    expect_err "expected a number of seconds from "
done

# --- BUSY is not retried: one try, and the error says so.
T=$STATE/busy.jsonl
run get "$D?fault=status:08*1" 5 --trace "$T"
expect_status 1
expect_err "the drive is busy (status 0x08)"
expect_tries "$T" 5a 1
# TASK SET FULL neither.
T=$STATE/full.jsonl
run get "$D?fault=status:28*1" 5 --trace "$T"
expect_status 1
expect_err "the drive is busy (status 0x28)"
expect_tries "$T" 5a 1
# ... nor is a MODE SELECT that meets BUSY: nothing more goes out.
T=$STATE/busy-select.jsonl
run set "$D?fault=status:08@55*1" caching WCE=0 --trace "$T"
expect_status 1
expect_tries "$T" 55 1

# --- A UNIT ATTENTION on MODE SELECT for changed mode parameters is not
# retried: the page was read before the change (see docs/errors.md).
T=$STATE/ua-select.jsonl
run set "$D?fault=sense:06/2a/01@55*1" caching WCE=0 --trace "$T"
expect_status 1
expect_err "nothing was applied"
expect_tries "$T" 55 1

# --- Replay files replaying files: eight deep run, the ninth is refused.
for i in $(seq 1 8); do
    echo "replay $STATE/r$((i + 1))" >"$STATE/r$i"
done
echo "get $D 5" >"$STATE/r8"
run replay "$STATE/r1"
expect_status 0
checks=$((checks + 1))
grep -q "more than 8 files" <<<"$err" && fail "eight nested replay files were refused"
expect_out "replay $STATE/r8: 1 command run, 0 changes applied, 0 not applied by the drive, 0 refused, 0 failed"
echo "replay $STATE/r9" >"$STATE/r8"
echo "get $D 5" >"$STATE/r9"
run replay "$STATE/r1"
expect_err "replay $STATE/r9: more than 8 files replaying files"

# --- 256 words in a command; the 257th is refused, on -c and in a file.
words=$(printf ' x%.0s' $(seq 254)) # "help a" and 254 more: 256
run -c "help a$words"
expect_err "help: expected [COMMAND], got more"
run -c "help a$words x"
expect_status 2
expect_err "more than 256 words in one command"
printf 'help a%s\n' "$words" >"$STATE/words"
run replay "$STATE/words"
checks=$((checks + 1))
grep -q "more than 256 words" <<<"$err" && fail "256 words in a replay file were refused"
printf 'help a%s x\n' "$words" >"$STATE/words"
run replay "$STATE/words"
expect_err "$STATE/words:1: more than 256 words in one command"

# --- Files: each is read up to its size limit, and refused one byte past.
# A replay file: 16 MiB.
f=$STATE/big.replay
echo "get $D 5" >"$f"
pad_to "$f" $((16 << 20)) "# $(printf 'x%.0s' $(seq 200))"
run replay "$f"
expect_status 0
expect_out "1 command run, 0 changes applied, 0 not applied by the drive, 0 refused, 0 failed"
printf '#' >>"$f"
run replay "$f"
expect_err "is too large ($(((16 << 20) + 1)) bytes, at most $((16 << 20)))"

# A drive file: 4 MiB.
f=$STATE/big.json
cp "${MODECON_DATA_DIR:-$(dirname "$0")/../..}/drives/dvd-writer.json" "$f"
pad_to "$f" $((4 << 20)) "                                        "
run get "emu:$f" 5
expect_status 0
printf ' ' >>"$f"
run get "emu:$f" 5
expect_err "is too large ($(((4 << 20) + 1)) bytes, at most $((4 << 20)))"

# A page definition file: 1 MiB.
mkdir -p "$STATE/pagedefs"
f=$STATE/pagedefs/08-caching.page
cp "${MODECON_DATA_DIR:-$(dirname "$0")/../..}/pages/mmc/08-caching.page" "$f"
pad_to "$f" $((1 << 20)) "# $(printf 'x%.0s' $(seq 200))"
run pagedefs check "$STATE/pagedefs"
expect_status 0
expect_out "0 problems"
printf '#' >>"$f"
run pagedefs check "$STATE/pagedefs"
expect_status 2
expect_err "is too large ($(((1 << 20) + 1)) bytes, at most $((1 << 20)))"

# The vendor sense rules: 1 MiB.
mkdir -p "$XDG_CONFIG_HOME/modecon"
f=$XDG_CONFIG_HOME/modecon/vendor-sense
echo "05/b1/00   E_IMAPI_RECORDER_MEDIA_SPEED_MISMATCH" >"$f"
pad_to "$f" $((1 << 20)) "# $(printf 'x%.0s' $(seq 200))"
run get "$D?fault=sense:05/b1/00" 5
expect_status 1
expect_err "E_IMAPI_RECORDER_MEDIA_SPEED_MISMATCH"
printf '#' >>"$f"
run get "$D?fault=sense:05/b1/00" 5
expect_err "warning: vendor sense rules not used: "
expect_err "is too large ($(((1 << 20) + 1)) bytes, at most $((1 << 20)))"
checks=$((checks + 1))
grep -q "E_IMAPI_RECORDER_MEDIA_SPEED_MISMATCH" <<<"$err" &&
    fail "the rules of a file past its limit were used"
rm "$f"

# --- Hex data on standard input: 1 MiB is read whole, one byte more is
# refused.
page=$("$MODECON" get $D caching)
input=$STATE/stdin.hex
printf '%s' "$(flip_byte "$page" 2 0x04)" >"$input" # WCE: a change goes out
pad_to "$input" $((1 << 20)) "                                        "
out=$("$MODECON" set $D caching --data - <"$input" 2>"$STATE/stderr")
status=$?
err=$(cat "$STATE/stderr")
expect_status 0
expect_out "verified: the drive applied every byte"
printf '%s' "$page" >"$input"
pad_to "$input" $(((1 << 20) + 1)) "                                        "
out=$("$MODECON" set $D caching --data - <"$input" 2>"$STATE/stderr")
status=$?
err=$(cat "$STATE/stderr")
expect_status 2
expect_err "standard input: more than $((1 << 20)) bytes"

done_ok
