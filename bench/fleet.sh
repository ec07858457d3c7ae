#!/bin/bash
# One replay onto many drives: a file of COMMANDS changes (set, each a
# change) replayed onto 1, 16, 64 and 256 emulated drives that each take
# 20 ms to answer every command (?fault=latency:20), all at once (--jobs
# as many as there are drives), in one run.  Each drive has its own
# file, and so its own state, as a tower's drives are.  Prints the time
# per count, the ratio of the largest count to one drive (goal: at most
# 2x), and the peak resident memory per drive (/usr/bin/time's maximum
# resident set size, less one drive's, over the drives beyond the first).
#
# usage: bench/fleet.sh [MODECON] [COUNTS] [COMMANDS]
#        (default build/release/src/modecon "1 16 64 256" 20)
set -u
MODECON=${1:-build/release/src/modecon}
COUNTS=${2:-1 16 64 256}
COMMANDS=${3:-20}
[ -x "$MODECON" ] || { echo "bench: no modecon at $MODECON" >&2; exit 2; }
# Exit 125: bench/ci.sh reports the benchmark skipped, not failed.
[ -x /usr/bin/time ] || { echo "bench: needs /usr/bin/time (GNU time) for the memory" >&2; exit 125; }
DATA=$(cd "$(dirname "$0")/.." && pwd)
DIR=$(mktemp -d /tmp/modecon-bench-fleet-XXXXXX)
trap 'rm -rf "$DIR"' EXIT
export MODECON_DATA_DIR=$DATA

# Changes that each send a MODE SELECT: page 05's fields, each set and
# then put back, so that every command changes the drive.
fields=(TST_W=1 WR_T=TAO BUFE=0 LINK_S=7 PACK_S=32 APL=100 TST_W=0 WR_T=SAO
    BUFE=1 LINK_S=16 PACK_S=16 APL=150)
{
    echo "# drive emu:dvd-writer: MODECON DVD-RW WRITER 1.00"
    for ((i = 0; i < COMMANDS; i++)); do
        echo "set emu:dvd-writer 05 ${fields[i % ${#fields[@]}]}"
    done
} >"$DIR/replay.cmd"

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# replay N LATENCY: the file replayed onto N fresh drives (each as one out
# of the box, no record of an earlier count weighing) answering LATENCY
# ms late; sets $ms and $kb (peak RSS), and checks every drive took every
# command.
replay() {
    local n=$1 latency=$2 t0 i ran
    rm -rf "$DIR/drives" "$DIR/state"
    mkdir -p "$DIR/drives"
    : >"$DIR/drives.txt"
    for i in $(seq -w 1 "$n"); do
        cp "$DATA/drives/dvd-writer.json" "$DIR/drives/writer$i.json"
        echo "emu:$DIR/drives/writer$i.json?fault=latency:$latency" >>"$DIR/drives.txt"
    done
    t0=$(now_ms)
    XDG_STATE_HOME=$DIR/state /usr/bin/time -f '%M' -o "$DIR/rss" \
        "$MODECON" replay "$DIR/replay.cmd" --drives "$DIR/drives.txt" \
        --jobs "$n" >"$DIR/out" 2>"$DIR/err" ||
        { echo "bench: the replay onto $n drives failed:" >&2; tail -5 "$DIR/err" >&2; tail -5 "$DIR/out" >&2; exit 1; }
    ms=$(($(now_ms) - t0))
    kb=$(tail -1 "$DIR/rss")
    # Every drive took every command.
    grep -q "^replay $DIR/replay.cmd: $n drives\?: $n ran the file, 0 could not be opened, 0 skipped, 0 stopped; $n changed$" "$DIR/out" ||
        { echo "bench: not every drive of $n took the file:" >&2; tail -3 "$DIR/out" >&2; exit 1; }
    ran=$(grep -cE " done +$COMMANDS +$COMMANDS +0 +0 +0 +yes" "$DIR/out")
    [ "$ran" = "$n" ] || { echo "bench: $ran of $n drives applied all $COMMANDS commands" >&2; exit 1; }
}

largest=0 one_ms=0 one_kb=0 largest_ms=0 largest_kb=0
for n in $COUNTS; do
    replay "$n" 20
    printf '%4d drives: %6d ms, peak RSS %6d KiB\n' "$n" "$ms" "$kb"
    if [ "$n" = 1 ]; then
        one_ms=$ms one_kb=$kb
    fi
    if [ "$n" -gt "$largest" ]; then
        largest=$n largest_ms=$ms largest_kb=$kb
    fi
done
if [ "$one_ms" -gt 0 ] && [ "$largest" -gt 1 ]; then
    # The same drives answering at once: what the work of each command
    # costs (the emulator, the undo record, the audit log, flushes),
    # which no amount of overlap hides.
    replay "$largest" 0
    printf '%d drives against 1: %.2fx (goal: at most 2x); %d commands, each CDB answered 20 ms late; %d drives answering at once: %d ms\n' \
        "$largest" "$(awk -v a="$largest_ms" -v b="$one_ms" 'BEGIN { print a / b }')" \
        "$COMMANDS" "$largest" "$ms"
    printf 'memory at %d drives: %d KiB, %.1f KiB per drive beyond the first (%.1f KiB per drive all told)\n' \
        "$largest" "$largest_kb" \
        "$(awk -v a="$largest_kb" -v b="$one_kb" -v n="$largest" 'BEGIN { print (a - b) / (n - 1) }')" \
        "$(awk -v a="$largest_kb" -v n="$largest" 'BEGIN { print a / n }')"
fi
