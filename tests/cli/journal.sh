#!/bin/bash
# The journal of several processes at once: every command sits under the
# header of the process that ran it, whatever another process wrote in
# between, and no record is mixed with another.
. "$(dirname "$0")/lib.sh"
J=$STATE/modecon/journal
DRIVES=$(dirname "$0")/../../drives

# wait_records N: until the journal holds N commands (lines that are not
# comments), or fail after a long while.
wait_records() {
    local i
    for ((i = 0; i < 1200; i++)); do
        [ "$(grep -vc "^#" "$J" 2>/dev/null || true)" -ge "$1" ] 2>/dev/null && return 0
        sleep 0.05
    done
    fail "the journal never held $1 commands: $(cat "$J" 2>/dev/null)"
}

# owners: "PID COMMAND" for every command of the journal, PID being that
# of the last session header above it.
owners() {
    awk '/^# modecon .* session .* pid / {
             for (i = 1; i < NF; i++) if ($i == "pid") pid = $(i + 1)
             next }
         /^#/ { next }
         { print pid " " $0 }' "$J"
}

# A shell and single commands on one drive, alternating: the shell's
# second and third changes come after another process's header.
cp "$DRIVES/dvd-writer.json" "$STATE/shared.json"
S=emu:$STATE/shared.json
mkfifo "$STATE/shell.in"
"$MODECON" shell <"$STATE/shell.in" >"$STATE/shell.out" 2>&1 &
shell_pid=$!
exec 3>"$STATE/shell.in"
echo "set $S 5 WR_T=TAO" >&3
wait_records 1
"$MODECON" set "$S" 8 RCD=1 >/dev/null || fail "set RCD=1 failed"
cmd_pid1=$(tail -3 "$J" | sed -n 's/^# modecon .* pid \([0-9]*\)$/\1/p')
echo "set $S 5 WR_T=SAO" >&3
wait_records 3
"$MODECON" -c "set $S 8 RCD=0" >/dev/null || fail "set RCD=0 failed"
echo "set $S 5 WR_T=RAW" >&3
echo quit >&3
exec 3>&-
wait "$shell_pid" || fail "the shell failed: $(cat "$STATE/shell.out")"
out=$(owners)
for value in TAO SAO RAW; do
    grep -qx "$shell_pid set $S 5 WR_T=$value" <<<"$out" ||
        fail "the shell's WR_T=$value is not under its header"
done
grep -qx "$cmd_pid1 set $S 8 RCD=1" <<<"$out" ||
    fail "the single command's set is not under its header"
[ "$(grep -c " set $S 8 RCD=0$" <<<"$out")" = 1 ] &&
    ! grep -q "^$shell_pid .*RCD" <<<"$out" ||
    fail "a single command's set is under the shell's header"
# Each header comes with the identity of the drive its commands change,
# so that a replay of any part warns about another model.
[ "$(grep -c "^# drive $S: MODECON DVD-RW WRITER 1.00$" "$J")" -ge 5 ] ||
    fail "a resumed session does not name its drive: $(cat "$J")"
checks=$((checks + 6))

# A replay of the journal (old or new) runs every command once.
cp "$DRIVES/dvd-writer.json" "$STATE/copy.json"
run replay "$J" --drive "emu:$STATE/copy.json"
expect_status 0
run show "emu:$STATE/copy.json" 5
grep -q "^WR_T .* RAW (3)" <<<"$out" || fail "the replay did not end with RAW"
checks=$((checks + 1))

# Many processes at once, each on its own drive: every command is whole
# and under its own process's header.
: >"$J"
pids=()
for k in 1 2 3 4 5 6; do
    cp "$DRIVES/dvd-writer.json" "$STATE/d$k.json"
    line=""
    for v in TAO SAO TAO SAO TAO SAO TAO SAO; do
        line="$line set emu:$STATE/d$k.json 5 WR_T=$v;"
    done
    "$MODECON" -c "$line" >/dev/null 2>"$STATE/err$k" &
    pids[k]=$!
done
for k in 1 2 3 4 5 6; do
    wait "${pids[k]}" || fail "process $k failed: $(cat "$STATE/err$k")"
done
out=$(owners)
[ "$(wc -l <<<"$out")" = 48 ] || fail "expected 48 commands: $(cat "$J")"
for k in 1 2 3 4 5 6; do
    [ "$(grep -cx "${pids[k]} set emu:$STATE/d$k.json 5 WR_T=[TS]AO" <<<"$out")" = 8 ] ||
        fail "process $k's commands are not all under its header: $(cat "$J")"
done
# Nothing but headers, identities and whole commands.
grep -vxE "# modecon [^ ]+ session [^ ]+ pid [0-9]+|# drive emu:$STATE/d[1-6].json: MODECON DVD-RW WRITER 1.00|set emu:$STATE/d[1-6].json 5 WR_T=[TS]AO" "$J" &&
    fail "a line of the journal is mixed"
checks=$((checks + 8))

done_ok
