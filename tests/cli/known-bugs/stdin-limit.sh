#!/bin/bash
# KNOWN BUG, not registered with ctest (see tests/CMakeLists.txt): hex
# data on standard input ('set DRIVE PAGE --data -') is refused as "more
# than 1048576 bytes" already at 1048575 bytes: main_read_input stops
# when its buffer is full, before it knows whether the input has ended.
# The limit it names must hold exactly: 1 MiB is read, one byte more is
# refused (that half is in tests/cli/limits.sh).  Run by hand:
#   MODECON=build/dev/src/modecon MODECON_DATA_DIR=$PWD \
#   bash tests/cli/known-bugs/stdin-limit.sh
. "$(dirname "$0")/../lib.sh"
D=emu:dvd-writer

page=$("$MODECON" get $D caching)
page=$(flip_byte "$page" 2 0x04) # WCE: a change goes out
input=$STATE/stdin.hex
printf '%s' "$page" >"$input"
have=$(stat -c %s "$input")
yes "                                        " | head -c $(((1 << 20) - have)) >>"$input"
checks=$((checks + 1))
[ "$(stat -c %s "$input")" -eq $((1 << 20)) ] || fail "the input is not 1 MiB"
out=$("$MODECON" set $D caching --data - <"$input" 2>"$STATE/stderr")
status=$?
err=$(cat "$STATE/stderr")
expect_status 0
expect_out "verified: the drive applied every byte"

done_ok
