#!/bin/bash
# The console measured through a real terminal (tmux), as a user sees it:
#   first frame: from starting modecon with 64 emulated drives to the
#     first frame on screen, and to the frame where every drive row shown
#     carries its INQUIRY identity (goal: within 100 ms);
#   keystroke to redraw: from sending a key that moves the cursor to the
#     screen showing the move, while one drive hangs (goal: 30 ms).
# The screen is polled with capture-pane, which adds its own few
# milliseconds to each figure: they are upper bounds.
#
# usage: bench/console.sh [MODECON] [RUNS]   (default build/release/src/modecon 10)
set -u
MODECON=${1:-build/release/src/modecon}
RUNS=${2:-10}
[ -x "$MODECON" ] || { echo "bench: no modecon at $MODECON" >&2; exit 2; }
MODECON=$(realpath "$MODECON")
DATA=$(cd "$(dirname "$0")/.." && pwd)
DIR=$(mktemp -d /tmp/modecon-bench-console-XXXXXX)
# A tmux server for each run: a killed server's socket may linger.
SOCK=modecon-bench$$
session=0
T="tmux -L $SOCK-0 -f /dev/null"
trap 'for i in $(seq 0 $session); do tmux -L $SOCK-$i kill-server 2>/dev/null; done; rm -rf "$DIR"' EXIT

# A new tmux server running COMMAND in a 100x30 terminal.
launch() {
    $T kill-server 2>/dev/null
    session=$((session + 1))
    T="tmux -L $SOCK-$session -f /dev/null"
    $T new-session -d -x 100 -y 30 "$1"
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# Poll (every ms or so) until the screen satisfies the test; prints when.
until_screen() {
    local deadline=$(($(now_ms) + 10000))
    while [ "$(now_ms)" -lt "$deadline" ]; do
        if $T capture-pane -p 2>/dev/null | eval "$1" >/dev/null 2>&1; then
            now_ms
            return 0
        fi
    done
    echo "bench: the screen never satisfied: $1" >&2
    $T capture-pane -p >&2
    exit 1
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

mkdir -p "$DIR/config/modecon" "$DIR/drives"
for i in $(seq -w 1 64); do
    cp "$DATA/drives/dvd-writer.json" "$DIR/drives/writer$i.json"
    echo "emu:$DIR/drives/writer$i.json" >>"$DIR/config/modecon/drives"
done
ENV="env XDG_STATE_HOME=$DIR/state XDG_CONFIG_HOME=$DIR/config MODECON_DATA_DIR=$DATA TERM=xterm"

first=() identified=()
for _ in $(seq "$RUNS"); do
    rm -rf "$DIR/state"
    launch "sleep 0.2; exec $ENV sh -c 'date +%s%N >$DIR/t0; exec $MODECON'"
    t_frame=$(until_screen 'grep -q "F1 help"')
    # Every drive row on screen carries its vendor.
    t_ident=$(until_screen "awk '/^  emu:/ { n++; if (!/MODECON/) bad = 1 } END { exit !(n > 0 && !bad) }'")
    t0=$(($(cat "$DIR/t0") / 1000000))
    first+=($((t_frame - t0)))
    identified+=($((t_ident - t0)))
done
echo "drives                     $(wc -l <"$DIR/config/modecon/drives") emulated (+ the built-in ones)"
echo "start to first frame       median $(printf '%s\n' "${first[@]}" | median) ms of $RUNS runs (goal: 100 ms)"
echo "start to drives identified median $(printf '%s\n' "${identified[@]}" | median) ms"

# One drive hangs on every command; the cursor moves between the others.
# The hung drive comes last: the cursor starts on the first drive, and
# keys typed on a drive wait for its first answer (its identity), which
# the hung one never gives.
launch "$ENV $MODECON --timeout 60 console emu:cd-atapi emu:ignoring 'emu:dvd-writer?fault=timeout'"
until_screen 'grep -q "busy"' >/dev/null
until_screen 'grep -q "^ modecon  emu:cd-atapi"' >/dev/null
lags=()
for _ in $(seq "$RUNS"); do
    t_key=$(now_ms)
    $T send-keys j
    t_seen=$(until_screen 'grep -q "^ modecon  emu:ignoring"')
    lags+=($((t_seen - t_key)))
    t_key=$(now_ms)
    $T send-keys k
    t_seen=$(until_screen 'grep -q "^ modecon  emu:cd-atapi"')
    lags+=($((t_seen - t_key)))
done
$T capture-pane -p | grep -q "busy" || { echo "bench: the hung drive was not busy" >&2; exit 1; }
echo "keystroke to redraw        median $(printf '%s\n' "${lags[@]}" | median) ms, worst $(printf '%s\n' "${lags[@]}" | sort -n | tail -1) ms of ${#lags[@]} keys, one drive hung (goal: 30 ms)"
