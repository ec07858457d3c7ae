#!/bin/bash
# What must stay as it is: undo puts back the fields modecon changed and
# keeps what another program changed since in other fields of the same
# page, in current and in saved values; and a modecon locked out of a
# drive sends it nothing that changes it, as its trace shows.
. "$(dirname "$0")/lib.sh"
D=emu:dvd-writer
EMU_STATE=$STATE/modecon/emu/dvd-writer.state

# other_program PAGE TYPE HEX: another program (another initiator, or a
# tool that keeps no undo record) sets page PAGE's TYPE (current or
# saved) values to HEX on the drive.
other_program() {
    local page=$1 type=$2 hex=$3
    jq --argjson page "$page" --arg type "$type" --arg hex "$hex" \
        '(.pages[] | select(.page == $page and .subpage == 0))[$type] = $hex' \
        "$EMU_STATE" >"$EMU_STATE.new" && mv "$EMU_STATE.new" "$EMU_STATE"
    checks=$((checks + 1))
    local t=$type
    [ "$("$MODECON" get $D "$page" --type "$t")" = "$(printf '%02x' $((0x${hex%% *} | 0x80)))${hex:2}" ] ||
        fail "the other program's change of page $page did not reach the drive"
}

# expect_page PAGE TYPE HEX: the drive's PAGE TYPE values (PS as the drive
# reports it) are HEX.
expect_page() {
    checks=$((checks + 1))
    local got
    got=$("$MODECON" get $D "$1" --type "$2")
    [ "$got" = "$3" ] || fail "page $1 $2 values: expected $3, the drive has $got"
}

fresh() {
    rm -rf "$STATE/modecon"
}

# --- Current values: modecon changes WCE, another program then RCD (the
# same byte); undo puts WCE back and keeps RCD.
fresh
run set $D caching WCE=0
expect_status 0
other_program 8 current "08 0a 01 00 00 00 00 00 00 00 00 00"
run undo $D
expect_status 0
expect_page 8 current "88 0a 05 00 00 00 00 00 00 00 00 00"
expect_page 8 saved "88 0a 04 00 00 00 00 00 00 00 00 00"

# --- Another byte of the page: modecon changes the read retry count
# (byte 3), another program the write retry count (byte 8).
fresh
run set $D 1 RRC=7
expect_status 0
other_program 1 current "01 0a c4 07 00 00 00 00 21 00 00 00"
run undo $D
expect_status 0
expect_page 1 current "81 0a c4 10 00 00 00 00 21 00 00 00"

# --- Saved values: a saving change of WCE; another program changes RCD
# in current and saved values; undo puts WCE back in both and keeps RCD
# in both.
fresh
run set $D caching WCE=0 --save
expect_status 0
other_program 8 current "08 0a 01 00 00 00 00 00 00 00 00 00"
other_program 8 saved "08 0a 01 00 00 00 00 00 00 00 00 00"
run undo $D
expect_status 0
expect_page 8 current "88 0a 05 00 00 00 00 00 00 00 00 00"
expect_page 8 saved "88 0a 05 00 00 00 00 00 00 00 00 00"

# ... and when the other program changed RCD in current values only, the
# saved values keep their RCD too: each as the other program left it.
fresh
run set $D caching WCE=0 --save
expect_status 0
other_program 8 current "08 0a 01 00 00 00 00 00 00 00 00 00"
run undo $D
expect_status 0
expect_page 8 current "88 0a 05 00 00 00 00 00 00 00 00 00"
expect_page 8 saved "88 0a 04 00 00 00 00 00 00 00 00 00"

# --- LOCKED, proven by the trace: while a slow modecon holds the drive
# (its MODE SELECT answers after ten minutes, so that however slowly the
# checks run, under valgrind on a busy machine, it still holds it), a
# second one sends no MODE SELECT, nor any command that changes the
# drive: at most the reads that find out what to change.  The holder is
# then killed before its MODE SELECT is answered, and the drive ends with
# none of the locked-out commands' changes.
fresh

# wait_holder PID: until modecon process PID holds a drive (its lock file
# names it), at most 30 s.
wait_holder() {
    for _ in $(seq 600); do
        grep -qs "(pid $1)" "$STATE"/modecon/locks/*.lock && return
        sleep 0.05
    done
    fail "process $1 never took the drive"
}

# changing_cdbs TRACE: the opcodes in TRACE other than reads (TEST UNIT
# READY, INQUIRY, MODE SENSE(10), GET CONFIGURATION).
changing_cdbs() {
    [ -f "$1" ] || return 0
    jq -r '.cdb[0:2]' "$1" | grep -v '^\(00\|12\|5a\|46\)$'
}

run snapshot $D -o "$STATE/snap.json"
expect_status 0
run set $D caching WCE=0
expect_status 0
page1=$("$MODECON" get $D 1)
"$MODECON" set "$D?fault=latency:600000@55" 1 RRC=9 >"$STATE/slow.out" 2>&1 &
slow=$!
wait_holder "$slow"
for cmd in "set $D caching RCD=1" "set $D caching RCD=1 --save" \
    "restore $D $STATE/snap.json" "restore $D $STATE/snap.json --save" \
    "undo $D" "undo $D --force"; do
    trace=$STATE/locked-$checks.jsonl
    # shellcheck disable=SC2086
    run $cmd --trace "$trace"
    expect_status 1
    expect_err "E_IMAPI_RECORDER_LOCKED (0xC0AA0210)"
    expect_err "(pid $slow)"
    checks=$((checks + 1))
    [ -z "$(changing_cdbs "$trace")" ] ||
        fail "'$cmd' on a locked drive sent: $(changing_cdbs "$trace" | tr '\n' ' ')"
    # restore and undo take the drive before they read anything.
    case $cmd in
    restore* | undo*)
        checks=$((checks + 1))
        [ ! -s "$trace" ] || fail "'$cmd' on a locked drive sent: $(cat "$trace")"
        ;;
    esac
done
checks=$((checks + 1))
kill -0 "$slow" 2>/dev/null ||
    fail "the slow set let go of the drive before the checks were done"
kill -9 "$slow"
wait "$slow" 2>/dev/null
expect_page 8 current "88 0a 00 00 00 00 00 00 00 00 00 00"
expect_page 8 saved "88 0a 04 00 00 00 00 00 00 00 00 00"
expect_page 1 current "$page1"

done_ok
