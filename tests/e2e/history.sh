#!/bin/bash
# The console's command history in place of which another user has put
# a link or a FIFO: the console starts, says once why it keeps no history,
# and writes nothing through the link.  (The file is loaded and saved by
# the code the shell uses too, tested in tests/cli/statefiles.sh.)
set -u
: "${MODECON:?set MODECON to the modecon binary}"
STATE=$(mktemp -d /tmp/modecon-e2e-XXXXXX)
E2E_NAME=history
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

M=$STATE/modecon
H=$M/console-history
mkdir -m 700 "$M"

start() {
    e2e_next_server
    $T new-session -d -x 200 -y 30 \
        "env XDG_STATE_HOME=$STATE XDG_CONFIG_HOME=$STATE TERM=xterm ASAN_OPTIONS=${ASAN_OPTIONS:-} LSAN_OPTIONS=${LSAN_OPTIONS:-} UBSAN_OPTIONS=${UBSAN_OPTIONS:-} $MODECON console emu:dvd-writer; echo \"EXITED \$?\"; sleep 60"
    wait_for "Drives"
    wait_for "DVD-RW WRITER"
}

# A command typed at ':' is remembered, and the history saved.
type_command() {
    $T send-keys :
    $T send-keys -l "open"
    $T send-keys Enter
    wait_for "emu:dvd-writer: emu:dvd-writer"
}

quit() {
    $T send-keys q
    wait_for "EXITED 0"
}

# session WHAT: a console with WHAT at the history, which it refuses,
# saying why on its message line and in its log, once.
session() {
    start
    wait_for "$H is $1, not a regular file"
    wait_for "the console's history is not kept"
    type_command
    $T send-keys L
    wait_for "Messages, newest last"
    checks=$((checks + 1))
    [ "$($T capture-pane -p | grep -c "history is")" -eq 1 ] ||
        fail "the refusal is not said once"
    $T send-keys Escape
    wait_for "L log"
    quit
}

printf 'kept as it was\n' >"$STATE/victim"
ln -s "$STATE/victim" "$H"
session "a symbolic link"
[ "$(cat "$STATE/victim")" = "kept as it was" ] ||
    fail "the link was written through: $(head -c 100 "$STATE/victim")"
[ -L "$H" ] || fail "the link was replaced"
checks=$((checks + 2))

rm "$H"
ln -s "$STATE/absent" "$H"
session "a symbolic link"
[ ! -e "$STATE/absent" ] || fail "the dangling link's target was created"
checks=$((checks + 1))

# A FIFO does not hang the console at its start.
rm "$H"
mkfifo "$H"
session "a FIFO"
[ -p "$H" ] || fail "the FIFO was replaced"
checks=$((checks + 1))

# A regular file is kept, private.
rm "$H"
start
type_command
quit
grep -q "^open" "$H" || fail "the history does not hold the command typed: $(cat "$H")"
[ "$(stat -c %a "$H")" = 600 ] || fail "the history is mode $(stat -c %a "$H")"
checks=$((checks + 2))
echo "history: $checks checks passed"
