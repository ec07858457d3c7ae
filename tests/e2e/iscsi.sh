#!/bin/bash
# The console on an iSCSI LUN of a real tgt target (tests/tgt/tgt.sh), in
# a real terminal (tmux): the MEDIUM column follows a disc taken out and
# put back through tgtadm, shows a target that is killed as vanished while
# the other drive keeps working, and shows the drive ready again once the
# target is back.
set -u
: "${MODECON:?set MODECON to the modecon binary}"
STATE=$(mktemp -d /tmp/modecon-e2e-XXXXXX)
E2E_NAME=iscsi
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
TGT="bash $(dirname "$0")/../tgt/tgt.sh"
trap '$TGT down "$STATE/tgt" >/dev/null 2>&1; e2e_cleanup' EXIT

# The LUN's row in the drive list (not the title bar, which names the
# selected drive); its MEDIUM column is the row's end.
lun_row() {
    $T capture-pane -p | grep -E -- '^  iscsi://.* iscsi +IET ' | head -1
}

# Wait (at most 10 s) until the LUN's row ends with STATE.
wait_medium() {
    for _ in $(seq 100); do
        lun_row | grep -qE -- "$1 *\|? *\$" && {
            checks=$((checks + 1))
            return 0
        }
        sleep 0.1
    done
    fail "the LUN's MEDIUM never became '$1': $(lun_row)"
}

port=$($TGT port 25000 29999) || fail "no free port"
mkdir -p "$STATE/tgt"
IQN=$($TGT up "$STATE/tgt" "$port") || fail "tgtd did not start"
U=iscsi://127.0.0.1:$port/$IQN/1

e2e_next_server
$T new-session -d -x 120 -y 30 \
    "env XDG_STATE_HOME=$STATE XDG_CONFIG_HOME=$STATE TERM=xterm ASAN_OPTIONS='${ASAN_OPTIONS:-}' LSAN_OPTIONS='${LSAN_OPTIONS:-}' UBSAN_OPTIONS='${UBSAN_OPTIONS:-}' $MODECON --timeout 3 console '$U' emu:cd-atapi; echo \"EXITED \$?\"; sleep 60"
wait_for "Drives"
wait_for "IET      VIRTUAL-CDROM"
wait_medium "ready"

# --- The disc out and back, as tgtadm does it: the next medium poll.
$TGT eject "$STATE/tgt" >/dev/null
wait_medium "no medium"
$TGT insert "$STATE/tgt" >/dev/null
wait_medium "ready"

# --- The target killed: the LUN vanishes, the other drive still answers.
kill -KILL "$(cat "$STATE/tgt/tgtd.pid")"
wait_medium "vanished"
$T send-keys j # to emu:cd-atapi
wait_for "modecon  emu:cd-atapi"
$T send-keys Enter
wait_for "0x0e CD Audio Control" # a page tgt does not have

# --- The target back on its port: the next poll logs in again.
$TGT down "$STATE/tgt" >/dev/null
$TGT up "$STATE/tgt" "$port" >/dev/null || fail "tgtd did not start again"
wait_medium "ready"
$T send-keys L
wait_for "answers again"
$T send-keys Escape q
wait_for "EXITED 0"

# --- A CHAP password, given on the command line and typed at ':open', is
# in neither the title, the Drives list, the output's title, the
# console's history nor /proc/PID/cmdline; the user names are.
PW='Pw1;Pw2 Pw3"Pw4'\''Pw5@Pw6%40Pw7'
$TGT chap "$STATE/tgt" technician "$PW" >/dev/null
CHAP=iqn.2026-11.invalid.modecon:chap/1
SHOWN=iscsi://technician@127.0.0.1:$port/$CHAP
{
    echo '#!/bin/bash'
    printf 'exec %q --timeout 5 console %q\n' "$MODECON" \
        "iscsi://technician%$PW@127.0.0.1:$port/$CHAP"
} >"$STATE/console.sh"
screens=$STATE/screens
e2e_next_server
$T new-session -d -x 160 -y 30 \
    "env XDG_STATE_HOME=$STATE XDG_CONFIG_HOME=$STATE TERM=xterm ASAN_OPTIONS='${ASAN_OPTIONS:-}' LSAN_OPTIONS='${LSAN_OPTIONS:-}' UBSAN_OPTIONS='${UBSAN_OPTIONS:-}' bash $STATE/console.sh; echo \"EXITED \$?\"; sleep 60"
wait_for "modecon  $SHOWN"
wait_for "  $SHOWN"
$T capture-pane -p >>"$screens"
pid=$(pgrep -P "$($T display -p '#{pane_pid}')")
# Under valgrind the command line is valgrind's own, which modecon
# cannot rewrite: the sanitizer and release builds check it.
if [ -z "${MODECON_MEMCHECK-}" ]; then
    tr '\0' ' ' <"/proc/$pid/cmdline" >"$STATE/cmdline"
    grep -qF "technician@127.0.0.1:$port" "$STATE/cmdline" ||
        fail "the console's cmdline lost its drive: $(cat "$STATE/cmdline")"
    grep -q "Pw[0-9]" "$STATE/cmdline" &&
        fail "/proc/PID/cmdline shows the password: $(cat "$STATE/cmdline")"
    checks=$((checks + 2))
fi
TYPED=iscsi://typist@127.0.0.1:$port/$IQN/1
$T send-keys :
$T send-keys -l "open iscsi://typist%Pw8typed@127.0.0.1:$port/$IQN/1"
$T send-keys Enter
wait_for "$TYPED: added to the Drives list"
wait_for "modecon  $TYPED"
$T capture-pane -p >>"$screens"
# Quoted, as the password holds spaces and quotes: the drive already
# listed, brought into view.
q() { printf "'%s'" "${1//\'/\'\\\'\'}"; }
$T send-keys :
$T send-keys -l "open $(q "iscsi://technician%$PW@127.0.0.1:$port/$CHAP")"
$T send-keys Enter
wait_for "$SHOWN: in view"
wait_for "modecon  $SHOWN"
$T capture-pane -p >>"$screens"
$T send-keys :
$T send-keys -l "open iscsi://typist%Pw9typed@nowhere.invalid/$IQN/1"
$T send-keys Enter
wait_for "typist@nowhere.invalid"
$T capture-pane -p >>"$screens"
$T send-keys Escape q
wait_for "EXITED 0"
leaks=$(cat "$screens" "$STATE/console-history" "$STATE"/modecon/* \
    2>/dev/null | grep -a "Pw[0-9]")
[ -z "$leaks" ] || fail "the password was shown or kept: $leaks"
grep -qF "$TYPED" "$STATE/modecon/console-history" ||
    fail "the console's history lost the drive"
checks=$((checks + 2))

# --- No password anywhere but a terminal: asked there, without echo,
# once for the session's logins, and given.
e2e_next_server
$T new-session -d -x 160 -y 30 \
    "env XDG_STATE_HOME=$STATE XDG_CONFIG_HOME=$STATE TERM=xterm ASAN_OPTIONS='${ASAN_OPTIONS:-}' LSAN_OPTIONS='${LSAN_OPTIONS:-}' UBSAN_OPTIONS='${UBSAN_OPTIONS:-}' $MODECON -c 'get $SHOWN 5; list $SHOWN'; echo \"EXITED \$?\"; sleep 60"
wait_for "CHAP password for iscsi://technician@127.0.0.1:$port:"
$T send-keys -l "$PW"
$T send-keys Enter
wait_for "EXITED 0"
wait_for "05 32 62 05"
wait_for "$SHOWN IET"
[ "$($T capture-pane -p | grep -c "CHAP password for")" = 1 ] ||
    fail "the password was asked more than once"
$T capture-pane -p | grep -q "Pw[0-9]" && fail "the password was echoed"
checks=$((checks + 2))

# The console asks before it takes the screen.
e2e_next_server
$T new-session -d -x 160 -y 30 \
    "env XDG_STATE_HOME=$STATE XDG_CONFIG_HOME=$STATE TERM=xterm ASAN_OPTIONS='${ASAN_OPTIONS:-}' LSAN_OPTIONS='${LSAN_OPTIONS:-}' UBSAN_OPTIONS='${UBSAN_OPTIONS:-}' $MODECON console $SHOWN; echo \"EXITED \$?\"; sleep 60"
wait_for "CHAP password for iscsi://technician@127.0.0.1:$port:"
$T send-keys -l "$PW"
$T send-keys Enter
wait_for "modecon  $SHOWN  IET VIRTUAL-CDROM"
$T capture-pane -p | grep -q "Pw[0-9]" && fail "the password was shown"
$T send-keys q
wait_for "EXITED 0"

echo "iscsi: $checks checks passed"
