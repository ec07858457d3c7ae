#!/bin/bash
# The console against what terminals and shells do to it: TERM=screen with
# colours and wide characters, NO_COLOR, a job stopped with Ctrl-Z and
# brought back with fg, and a drive that vanishes while the console is
# open, told on screen and kept in the message log.
set -u
: "${MODECON:?set MODECON to the modecon binary}"
STATE=$(mktemp -d /tmp/modecon-e2e-XXXXXX)
E2E_NAME=terminal
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

# Display widths are counted in a UTF-8 locale, as the console draws.
export LC_ALL=C.UTF-8
SAN="ASAN_OPTIONS='${ASAN_OPTIONS:-}' LSAN_OPTIONS='${LSAN_OPTIONS:-}' UBSAN_OPTIONS='${UBSAN_OPTIONS:-}' TSAN_OPTIONS='${TSAN_OPTIONS:-}'"

# start "ENV..." DRIVE...: the console alone in a new terminal.
start() {
    local env=$1
    shift
    e2e_next_server
    $T new-session -d -x 100 -y 30 \
        "env LC_ALL=C.UTF-8 XDG_STATE_HOME=$STATE XDG_CONFIG_HOME=$STATE $SAN $env $MODECON console $*; echo \"EXITED \$?\"; sleep 60"
    wait_for "Drives"
}

quit() {
    $T send-keys q
    wait_for "EXITED 0"
}

# The display column at which TEXT2 starts in the screen row holding TEXT1.
column_of() {
    local row
    row=$($T capture-pane -p | grep -F -- "$1" | grep -F -- "$2" | head -1)
    [ -n "$row" ] || fail "no row shows $1 and then $2"
    local before=${row%%"$2"*}
    printf '%s' "$before" | wc -L
}

# SGR colour codes (foreground or background, 8 or 256 colours) in the
# screen as the terminal got it; 39 and 49 (the defaults) do not count.
colour_codes() {
    $T capture-pane -p -e | grep -cE $'\e\\[([0-9;]*;)?(3[0-7]|4[0-7]|38;5;[0-9]+|48;5;[0-9]+)(;[0-9;]*)?m'
}

# --- TERM=screen, and a drive whose file name is in Chinese: the wide
# characters take two columns each and the columns after them stay put.
cp "$(dirname "$0")/../../drives/dvd-writer.json" "$STATE/光驱.json"
start "TERM=screen" "emu:$STATE/光驱.json" emu:cd-atapi
wait_for "光驱"
wait_for "ATAPI CD-ROM"
wide=$(column_of "光驱" " emu ")
plain=$(column_of "emu:cd-atapi" " emu ")
[ "$wide" = "$plain" ] ||
    fail "the LINK column is at $wide after the wide name, $plain elsewhere"
checks=$((checks + 1))
[ "$(colour_codes)" -gt 0 ] || fail "TERM=screen shows no colours"
checks=$((checks + 1))
quit

# --- NO_COLOR: the same screens with no colour at all, the selection and
# the title still marked (reverse video).
start "TERM=xterm-256color NO_COLOR=1" emu:dvd-writer
wait_for "DVD-RW WRITER"
[ "$(colour_codes)" -eq 0 ] || fail "NO_COLOR still shows colours"
$T capture-pane -p -e | grep -q $'\e\\[7m' || fail "NO_COLOR shows no reverse video"
checks=$((checks + 2))
quit

# --- A drive that vanishes while the console is open: its first TEST
# UNIT READY answers, the next medium poll finds it gone.
start "TERM=xterm" "'emu:dvd-writer?fault=gone@00+1'" emu:cd-atapi
wait_for "HRESULT_ERROR_DEV_NOT_EXIST (0x80070037)"
wait_for "vanished"
# The other drive still works.
$T send-keys Down
wait_for "modecon  emu:cd-atapi"
$T send-keys Enter
wait_for "0x01 Read/Write"
# The message log keeps what happened.
$T send-keys L
wait_for "emu:dvd-writer?fault=gone@00+1: HRESULT_ERROR_DEV_NOT_EXIST"
$T send-keys Escape
wait_for "F1 help"
quit

# --- Ctrl-Z stops the console with the terminal restored; fg brings it
# back drawn whole and answering keys.  The shell keeps no history file:
# it would write one into $STATE as the server is killed, after the
# cleanup has removed it.
# valgrind (the memcheck preset) does not let a program stop itself with
# SIGTSTP, as ncurses does on Ctrl-Z, so this part runs in the other
# builds only.
if [ -n "${MODECON_MEMCHECK:-}" ]; then
    echo "terminal: Ctrl-Z is not tried under valgrind"
else
    e2e_next_server
    $T new-session -d -x 100 -y 30 \
        "env -i PATH=/usr/bin:/bin HOME=$STATE HISTFILE= LC_ALL=C.UTF-8 TERM=xterm PS1='SHELL\$ ' bash --norc --noprofile -i"
    wait_for "SHELL\$"
    $T send-keys -l "XDG_STATE_HOME=$STATE $SAN $MODECON console emu:dvd-writer emu:cd-atapi"
    $T send-keys Enter
    wait_for "Drives"
    $T send-keys C-z
    wait_for "Stopped"
    $T capture-pane -p | grep -q "Drives" && fail "the console is still on the screen after Ctrl-Z"
    $T send-keys -l "stty -a | grep -q ' icanon' && stty -a | grep -qE ' echo( |\$)' && echo TTY-SANE"
    $T send-keys Enter
    wait_for "TTY-SANE"
    $T send-keys -l "fg"
    $T send-keys Enter
    wait_for "LINK  VENDOR"
    $T send-keys Down
    wait_for "modecon  emu:cd-atapi"
    $T send-keys q
    # Keys typed before the console has gone would be read by it.
    for _ in $(seq 100); do
        pgrep -f -- "console emu:dvd-writer emu:cd-atapi" >/dev/null || break
        sleep 0.1
    done
    $T send-keys -l "echo \"EXITED \$?\""
    $T send-keys Enter
    wait_for "EXITED 0"
fi

echo "terminal: $checks checks passed"
