#!/bin/bash
# The console's keys as a technician types them: keys typed ahead of a
# slow drive applied in order, a value typed over the one pre-filled, a
# terminal too small to work in, page names whole when there is room, and
# a command's output read whole in a view of its own.
# E2E_PARTS (default: all) runs some of the parts only.
set -u
: "${MODECON:?set MODECON to the modecon binary}"
STATE=$(mktemp -d /tmp/modecon-e2e-XXXXXX)
E2E_NAME=input
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

export LC_ALL=C.UTF-8
SAN="ASAN_OPTIONS='${ASAN_OPTIONS:-}' LSAN_OPTIONS='${LSAN_OPTIONS:-}' UBSAN_OPTIONS='${UBSAN_OPTIONS:-}'"

# start COLS ROWS DRIVE: the console alone in a new terminal.
start() {
    e2e_next_server
    $T new-session -d -x "$1" -y "$2" \
        "env LC_ALL=C.UTF-8 XDG_STATE_HOME=$STATE XDG_CONFIG_HOME=$STATE TERM=xterm $SAN $MODECON console '$3'; echo \"EXITED \$?\"; sleep 60"
    wait_for "Drives"
}

# Wait (polling, at most 20 s) until the screen no longer shows TEXT.
wait_gone() {
    for _ in $(seq 200); do
        $T capture-pane -p | grep -qF -- "$1" || {
            checks=$((checks + 1))
            return 0
        }
        sleep 0.1
    done
    fail "the screen still shows: $1"
}

# to_page05: from the start, page 05 of the first drive shown, the cursor
# on its first field.
to_page05() {
    wait_for "DVD-RW WRITER"
    wait_for "05 Write" # the pages are listed
    $T send-keys Enter # to the pages
    $T send-keys -l "gjj"
    $T send-keys Enter # page 05
    wait_for "05 Write Parameters, 52 bytes"
}

part() {
    case " ${E2E_PARTS:-keys identify values message enum prompt small names output} " in
    *" $1 "*) return 0 ;;
    esac
    return 1
}

# --- Keys typed ahead of a drive that answers 50 ms late: the pick
# list's Enter stages a value and the c typed with it in one burst opens
# the commit dialog, each of 20 times.
# burst_commits DRIVE: on page 05's WR_T, 20 times a burst that stages a
# value and asks to commit it, then y.  On a drive without latency the
# answers race the reads of the page that the console's own commits set
# off (its audit log changes): no answer may be lost to them.
burst_commits() {
    start 100 30 "$1"
    to_page05
    for _ in 1 2 3; do $T send-keys Down; done
    wait_for "WR_T Write type: byte 2 bits 3-0"
    for i in $(seq 20); do
        if [ $((i % 2)) -eq 1 ]; then
            move=Up to="TAO (1)" # above SAO in the legend
        else
            move=Down to="SAO (2)"
        fi
        $T send-keys Enter "$move" Enter c
        wait_for "Commit these changes?"
        $T send-keys y
        wait_for "+ WR_T      $to"
    done
}

if part keys; then
    burst_commits emu:dvd-writer
    $T send-keys q q
    wait_for "EXITED 0"
    burst_commits "emu:dvd-writer?fault=latency:50"
    # A burst behind a drive that takes 3 s: the keys wait, in order,
    # and the screen says so; Esc drops them and the console answers.
    $T send-keys q q
    wait_for "EXITED 0"
    start 100 30 "emu:dvd-writer?fault=latency:3000@55"
    to_page05
    $T send-keys Enter # BUFE 1 -> 0 staged
    wait_for "staged 1 -> 0"
    $T send-keys c
    wait_for "Commit these changes?"
    $T send-keys y Down Down
    wait_for "2 keys waiting for emu:dvd-writer"
    $T send-keys Escape
    wait_for "Esc: 2 keys typed while emu:dvd-writer"
    $T send-keys x # the console answers while the commit goes on
    wait_for "00: "
    wait_for "verified"
    $T send-keys q
    wait_for "EXITED 0"
fi

# --- Keys typed at once, while a drive that answers 50 ms late is still
# being identified: they wait for its pages and reach the commit, each of
# 5 times (the value committed alternates, so that each commit changes
# it).
if part identify; then
    for i in $(seq 5); do
        if [ $((i % 2)) -eq 1 ]; then
            move=k to="TAO (1)"
        else
            move=j to="SAO (2)"
        fi
        start 100 30 "emu:dvd-writer?fault=latency:50"
        $T send-keys Enter j j Enter Down Down Down Enter "$move" Enter c y
        wait_for "+ WR_T      $to"
        $T send-keys q
        wait_for "EXITED 0"
    done
    # A drive that hangs in its first INQUIRY (for a minute here) keeps
    # nobody from moving on: the cursor leaves it at once, the next
    # drive's pages show, and keys there apply as ever.
    e2e_next_server
    $T new-session -d -x 100 -y 30 \
        "env LC_ALL=C.UTF-8 XDG_STATE_HOME=$STATE XDG_CONFIG_HOME=$STATE TERM=xterm $SAN $MODECON console --timeout 60 'emu:dvd-writer?fault=timeout' emu:cd-atapi; echo \"EXITED \$?\"; sleep 60"
    wait_for "busy"
    $T send-keys j
    wait_for "ATAPI CD-ROM"
    wait_for "0x2a"
    $T capture-pane -p | grep -q "waiting for" && fail "a key still waits for the hung drive"
    $T send-keys Enter
    wait_for "> Pages"
    $T send-keys q q
    wait_for "EXITED"
    # Cursor keys as a terminal sends them before the console asked for
    # its keypad mode (keys typed or pasted while it starts): ESC [ B is
    # Down all the same.
    start 100 30 emu:dvd-writer
    wait_for "05 Write"
    $T send-keys Enter
    $T send-keys -H 1b 5b 42
    $T send-keys -H 1b 5b 42
    $T send-keys Enter
    wait_for "0x05 Write Parameters, 52 bytes"
    $T send-keys q
    wait_for "EXITED 0"
fi

# --- Values whole at the usual widths: the value columns are as wide as
# the page's values, the pages pane giving up width for them.
if part values; then
    for size in "80 24" "100 30"; do
        # shellcheck disable=SC2086
        start $size emu:dvd-writer
        wait_for "05 Write"
        $T send-keys :
        $T send-keys -l "page 0x1a"
        $T send-keys Enter
        wait_for "0x1a Power Condition, 12 bytes"
        wait_for "SZCT"
        $T capture-pane -p | grep "SZCT" | grep -q "5 min (3000)" ||
            fail "SZCT's default is cut at $size"
        checks=$((checks + 1))
        if [ "$size" = "100 30" ]; then
            $T send-keys :
            $T send-keys -l "page 5"
            $T send-keys Enter
            wait_for "0x05 Write Parameters, 52 bytes"
            [ "$($T capture-pane -p | grep "SESS_F" | grep -o "CDDA_CDROM (0)" | wc -l)" -eq 3 ] ||
                fail "SESS_F's values are cut at $size"
            checks=$((checks + 1))
        fi
        $T send-keys q
        wait_for "EXITED 0"
    done
fi

# --- A message too long for the message line is shown whole, over the
# rows above it: the end of it says how to write the value.
if part message; then
    start 80 24 emu:dvd-writer
    wait_for "05 Write"
    $T send-keys :
    $T send-keys -l "page 0x1a"
    $T send-keys Enter
    wait_for "0x1a Power Condition, 12 bytes"
    $T send-keys Tab Tab Down Down
    wait_for "IACT Idle timer"
    $T send-keys e
    wait_for "IACT = "
    $T send-keys -l "5000"
    wait_for "IACT = 5000"
    wait_for "write IACT=5000ms or IACT=5000steps"
    $T send-keys Escape
    $T send-keys :
    $T send-keys -l "show 10"
    $T send-keys Enter
    wait_for "decimal; write 0x10 or 0x0a"
    $T send-keys q
    wait_for "EXITED 0"
fi

# --- e on an enum types its value (a name or a number, checked as it is
# typed) where Enter picks it from the legend.
if part enum; then
    start 100 30 emu:dvd-writer
    to_page05
    for _ in 1 2 3; do $T send-keys Down; done
    wait_for "WR_T Write type: byte 2 bits 3-0"
    $T send-keys e
    wait_for "WR_T = "
    $T send-keys -l "9"
    wait_for "WR_T=9: 9 is no value of Write type"
    $T send-keys BSpace
    $T send-keys -l "packet"
    wait_for "WR_T = packet"
    $T send-keys Enter
    wait_for "-> PACKET (0) (staged)"
    $T send-keys d
    wait_for "discarded"
    $T send-keys Enter
    wait_for "WR_T: pick a value" # Enter: the legend
    $T send-keys Escape
    $T send-keys q
    wait_for "EXITED 0"
fi

# --- The value prompt: the value pre-filled is selected, and what is
# typed replaces it; an arrow key keeps it for editing.
if part prompt; then
    start 100 30 emu:dvd-writer
    to_page05
    $T send-keys G # SUBHDR, the last field; APL is 7 above
    for _ in $(seq 7); do $T send-keys Up; done
    wait_for "APL Audio pause length"
    $T send-keys e
    wait_for "APL = 150"
    $T send-keys -l "1234"
    wait_for "APL = 1234"
    $T capture-pane -p | grep -q "APL = 1501234" && fail "the typed value was appended"
    $T send-keys Enter
    wait_for "APL: 150 blocks -> 1234 blocks (staged)"
    $T send-keys d
    wait_for "discarded"
    $T send-keys e
    wait_for "APL = 150"
    $T send-keys Left
    $T send-keys -l "9"
    wait_for "APL = 1590"
    $T send-keys Escape
    $T send-keys q
    wait_for "EXITED 0"
fi

# --- Too small: the console says so and keys that act on a drive do
# nothing until the terminal is big enough again.
if part small; then
    start 100 30 emu:dvd-writer
    to_page05
    wait_for "BUFE Buffer underrun free recording"
    $T resize-window -x 40 -y 10
    wait_for "terminal 40x10: modecon needs 80x24"
    $T send-keys Enter # would toggle BUFE
    $T send-keys e c
    $T send-keys -l ":edit BUFE=0"
    $T send-keys Enter
    $T resize-window -x 100 -y 30
    wait_for "F1 help"
    $T send-keys c
    wait_for "nothing is staged for this page"
    $T capture-pane -p | grep -qF "[staged]" && fail "a key staged an edit on the small terminal"
    checks=$((checks + 1))
    $T send-keys q
    wait_for "EXITED 0"
fi

# --- Names whole when there is room.
if part names; then
    start 132 40 emu:dvd-writer
    wait_for "01 Read/Write Error Recovery"
    wait_for "0x1a Power Condition"
    $T send-keys q
    wait_for "EXITED 0"
fi

# --- A command's output in a view of its own: every line, scrolled to
# the last, closed by Esc.
if part output; then
    start 80 24 emu:dvd-writer
    wait_for "DVD-RW WRITER"
    $T send-keys :
    $T send-keys -l "show 0x1a"
    $T send-keys Enter
    for f in IDLE_A STANDBY_Z IACT SZCT; do
        wait_for "$f "
    done
    wait_for "page 0x1a (Power Condition), 12 bytes"
    $T send-keys Escape
    wait_gone "Esc closes"
    wait_for "F1 help"
    # Page 05 has more fields than the screen has rows.
    $T send-keys :
    $T send-keys -l "show 5"
    $T send-keys Enter
    wait_for "BUFE "
    $T capture-pane -p | grep -q "^SUBHDR" && fail "page 05 fits on the screen: nothing to scroll"
    $T send-keys G
    wait_for "SUBHDR "
    $T send-keys Up
    $T send-keys PgUp PgUp
    wait_for "BUFE "
    $T send-keys PgDn PgDn
    wait_for "SUBHDR "
    $T send-keys Escape
    wait_gone "Esc closes"
    wait_for "F1 help"
    $T send-keys q
    wait_for "EXITED 0"
fi

echo "input: $checks checks passed"
