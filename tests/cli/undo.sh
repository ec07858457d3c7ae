#!/bin/bash
# A request that changes nothing sends nothing and leaves no record; undo
# takes back one command, several (-n N) or all of them (--all).
. "$(dirname "$0")/lib.sh"
D=emu:dvd-writer
AUDIT=$STATE/modecon/audit.jsonl
T=$STATE/trace.jsonl

# audit_lines N: N MODE SELECTs in the audit log, each an intent and an
# outcome.
audit_lines() {
    checks=$((checks + 1))
    local n=0 i=0
    [ -f "$AUDIT" ] && n=$(grep -c '"event":"outcome"' "$AUDIT") &&
        i=$(grep -c '"event":"intent"' "$AUDIT")
    [ "$n" -eq "$1" ] && [ "$i" -eq "$1" ] ||
        fail "expected $1 intents and outcomes in the audit log, found $i and $n"
}

# No MODE SELECT (opcode 55h) in the trace.
no_select_traced() {
    checks=$((checks + 1))
    ! grep -q '"cdb": *"55 ' "$T" || fail "a MODE SELECT went out: $(cat "$T")"
}

# WCE is 1 on a fresh drive: setting it to 1 changes no bit.
run --trace "$T" set $D caching WCE=1
expect_status 0
expect_out "no change: WCE is already 1; nothing was sent"
audit_lines 0
no_select_traced
run undo $D
expect_status 2
expect_err "no change of this drive is recorded"
# A mistyped count is named as such, whatever the record holds.
for bad in abc 0 -1; do
    run undo $D -n "$bad"
    expect_status 2
    expect_err "undo -n '$bad': expected a number of commands, 1 or more"
done
run undo $D -n 2 --all
expect_status 2
expect_err "undo: give -n N or --all, not both"

# The same for the whole page, for defaults and for a commit.
rm -f "$T"
run --trace "$T" set $D caching --data "$("$MODECON" get $D caching)"
expect_status 0
expect_out "no change: $D holds these current values already; nothing was sent"
run --trace "$T" defaults $D caching
expect_status 0
expect_out "no change: every changeable field holds its default already; nothing was sent"
# An edit to the values held stages nothing, so commit has nothing to send.
run --trace "$T" -c "edit $D caching WCE=1 RCD=0; commit"
expect_status 2
expect_out "RCD: already 0, as the drive has it; nothing is staged"
expect_err "commit: nothing staged"
run -c "edit $D caching WCE=1; diff"
expect_out "nothing staged ('edit FIELD=VALUE' stages changes)"
audit_lines 0
no_select_traced

# A replay counts it as run, not as a change.
printf 'set %s caching WCE=1\n' "$D" >"$STATE/same.cmd"
run replay "$STATE/same.cmd"
expect_status 0
expect_out "1 command run, 0 changes applied"
audit_lines 0

# Before a commit, diff lists what saving would also change: page 01's
# current RRC (16) differs from its saved one (32) on a fresh drive.
run -c "edit $D caching WCE=0; diff"
expect_out "commit --save (s) would also change saved values (SPC-4 6.11):"
expect_out "  page 0x08 (Caching): WCE: 1 -> 0 (saved values)"
expect_out "  page 0x01 (Read/Write Error Recovery): RRC: 32 -> 16 (saved values)"
run -c "edit $D caching WCE=0; diff --save"
expect_err "note: page 0x01 (Read/Write Error Recovery): its saved values become its current values too"
expect_out "  page 0x01 (Read/Write Error Recovery): RRC: 32 -> 16 (saved values)"
run defaults $D 1 --dry-run
expect_out "defaults --save (s) would also change saved values (SPC-4 6.11):"
audit_lines 0

# Saving the values held is a request of its own: it goes out with SP=1.
run set $D caching WCE=1 --save
expect_status 0
expect_out "no field changes; sending the page as it is with SP=1"
audit_lines 1
jq -e '.request == "saved"' "$AUDIT" >/dev/null || fail "not a saving MODE SELECT: $(cat "$AUDIT")"

# A change and the same again: one record, which undo takes back.
run set $D caching WCE=0
expect_status 0
run set $D caching WCE=0
expect_out "no change: WCE is already 0; nothing was sent"
audit_lines 2
run undo $D
expect_status 0
expect_out "WCE: 0 -> 1"
run get $D caching
expect_out "88 0a 04"

# Several commands at once, newest first, each whole.  A fresh record:
# three commands, on two pages.
rm -rf "$STATE/modecon/undo"
caching0=$("$MODECON" get $D caching)
wp0=$("$MODECON" get $D 5)
run set $D caching WCE=0
run set $D caching RCD=1
caching1=$("$MODECON" get $D caching)
run set $D 5 TST_W=1
run undo $D -n 4
expect_status 2
expect_err "undo -n 4: 3 commands of this drive are on record; nothing was sent"
run undo $D -n 2 --all
expect_status 2
expect_err "give -n N or --all, not both"
run undo $D -n 0
expect_status 2
# A dry run shows the newest in full and names the others.
run undo $D -n 2 --dry-run
expect_status 0
expect_out "-- command 1 of 2"
expect_out "TST_W: 1 -> 0"
expect_out "-- command 2 of 2: 'modecon set' at "
[ "$("$MODECON" get $D 5)" != "$wp0" ] || fail "the dry run undid write-parameters"
run undo $D -n 2
expect_status 0
expect_out "TST_W: 1 -> 0"
expect_out "RCD: 1 -> 0"
expect_out "undone: 2 commands, the newest first; 1 earlier command of this drive on record"
[ "$("$MODECON" get $D 5)" = "$wp0" ] || fail "write-parameters is not as before"
run get $D caching
expect_out "88 0a 00"
run undo $D --all
expect_status 0
[ "$("$MODECON" get $D caching)" = "$caching0" ] || fail "caching is not as before"
run undo $D
expect_status 2

# One that cannot be undone stops the rest, saying how far it got; it and
# the earlier ones stay on record.
run set $D caching WCE=0
run set $D caching RCD=1
run set $D 5 TST_W=1
run undo "$D?fault=sense:05/26/00@55+1" --all
expect_status 1
expect_out "TST_W: 1 -> 0"
expect_err "undo stopped at command 2 of 3 ('modecon set' at "
expect_err "1 undone before it; it and the earlier ones stay on record"
[ "$("$MODECON" get $D caching)" = "$caching1" ] || fail "caching changed"
run undo $D --all
expect_status 0
expect_out "undone: 2 commands"
[ "$("$MODECON" get $D caching)" = "$caching0" ] || fail "caching is not as before"

# An undo that stopped leaves what another program changed since for the
# next undo to see: that undo puts back only the bytes the stopped one's
# MODE SELECTs left, keeps a field another program changed since as it
# is, and is refused, without --force, where another program changed a
# field the change itself set ("changed again since").
UNDO_DIR=$STATE/modecon/undo
# outside ARGS...: another program's change (a 'set' kept on no record
# of this one), as another initiator would make it.
outside() {
    mv "$UNDO_DIR" "$STATE/undo.away"
    "$MODECON" set "$@" >/dev/null 2>&1 || fail "the outside change failed: $*"
    rm -rf "$UNDO_DIR"
    mv "$STATE/undo.away" "$UNDO_DIR"
}
# page1_is CURRENT SAVED: page 0x01's current and saved values.
page1_is() {
    checks=$((checks + 1))
    local cur sav
    cur=$("$MODECON" get $D 1)
    sav=$("$MODECON" get $D 1 --type saved)
    [ "$cur" = "$1" ] && [ "$sav" = "$2" ] ||
        fail "$scenario/$field: page 0x01 is $cur (saved $sav), expected $1 (saved $2)"
}
# On a fresh drive page 0x01 has RRC 16 (byte 3; saved 32) and PER 1
# (bit 2 of byte 2).
for scenario in refused pass2-refused killed; do
    for field in PER=0 RRC=7; do
        rm -rf "$STATE/modecon"
        cur0=$("$MODECON" get $D 1)
        sav0=$("$MODECON" get $D 1 --type saved)
        save=
        [ "$scenario" = pass2-refused ] && save=--save
        # shellcheck disable=SC2086
        run set $D 1 RRC=5 $save
        expect_status 0
        case $scenario in
        refused)
            # Its one MODE SELECT refused: another initiator changed the
            # page (UNIT ATTENTION, mode parameters changed).
            run undo "$D?fault=sense:06/2a/00@55"
            expect_status 1
            ;;
        pass2-refused)
            # Its first pass taken (the saved RRC before, 32, into the
            # current values), the next (saving them) refused.
            run undo "$D?fault=sense:06/2a/00@55+1"
            expect_status 1
            page1_is "${cur0/#81 0a c4 10/81 0a c4 20}" "${sav0/#81 0a c4 20/81 0a c4 05}"
            ;;
        killed)
            # Killed with its MODE SELECT out.
            steps=$(grep -c '"undo_of"' "$UNDO_DIR"/*.jsonl)
            "$MODECON" undo "$D?fault=latency:5000@55" >/dev/null 2>&1 &
            pid=$!
            for _ in $(seq 600); do
                [ "$(grep -c '"undo_of"' "$UNDO_DIR"/*.jsonl)" -gt "$steps" ] && break
                sleep 0.05
            done
            kill -9 "$pid"
            wait "$pid" 2>/dev/null
            ;;
        esac
        sav=$("$MODECON" get $D 1 --type saved)
        outside $D 1 "$field"
        cur=$("$MODECON" get $D 1)
        run undo $D
        if [ "$field" = PER=0 ]; then
            # PER stays as the other program left it; RRC goes back, in
            # the saved values too.
            expect_status 0
            page1_is "${cur0/#81 0a c4/81 0a c0}" "$sav0"
        else
            expect_status 2
            expect_err "was changed again since (current values): byte 3 is 0x07, that change left 0x05; give --force"
            expect_err "nothing was sent"
            page1_is "$cur" "$sav"
        fi
    done
done

done_ok
