#!/bin/bash
# Scanning many drives: 256 emulated drives that each take 20 ms to answer
# every command (?fault=latency:20) against one such drive, through
# 'modecon list' and 'modecon pages'.  Each drive has its own file, as a
# rack's drives are each their own.  Goal: 256 drives in at most twice the
# time of one.
#
# usage: bench/scan.sh [MODECON] [RUNS] [DRIVES]   (default build/release/src/modecon 5 256)
set -u
MODECON=${1:-build/release/src/modecon}
RUNS=${2:-5}
DRIVES=${3:-256}
[ -x "$MODECON" ] || { echo "bench: no modecon at $MODECON" >&2; exit 2; }
DATA=$(cd "$(dirname "$0")/.." && pwd)
DIR=$(mktemp -d /tmp/modecon-bench-scan-XXXXXX)
trap 'rm -rf "$DIR"' EXIT
export XDG_STATE_HOME=$DIR/state MODECON_DATA_DIR=$DATA

uris=() quick=()
for i in $(seq -w 1 "$DRIVES"); do
    cp "$DATA/drives/dvd-writer.json" "$DIR/writer$i.json"
    uris+=("emu:$DIR/writer$i.json?fault=latency:20")
    quick+=("emu:$DIR/writer$i.json")
done

now_ms() { echo $(($(date +%s%N) / 1000000)); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# Median milliseconds of RUNS runs of: modecon ARGS...; checks that every
# drive answered.
measure() {
    local times=() t0 out
    for _ in $(seq "$RUNS"); do
        t0=$(now_ms)
        out=$("$MODECON" "$@" 2>&1) || { echo "bench: modecon $1 failed: $out" >&2; exit 1; }
        times+=($(($(now_ms) - t0)))
    done
    printf '%s\n' "${times[@]}" | median
}

for cmd in list pages; do
    one=$(measure "$cmd" "${uris[0]}")
    all=$(measure "$cmd" "${uris[@]}")
    # Every drive's answer is there: a row (list) or a table (pages).
    if [ "$cmd" = list ]; then
        n=$("$MODECON" list "${uris[@]}" | grep -c "DVD-RW WRITER")
    else
        n=$("$MODECON" pages "${uris[@]}" | grep -c "^PAGE")
    fi
    [ "$n" = "$DRIVES" ] || { echo "bench: $cmd answered for $n of $DRIVES drives" >&2; exit 1; }
    # The same drives answering at once: what the emulator itself costs
    # (loading each drive's file), which no amount of overlap hides.
    floor=$(measure "$cmd" "${quick[@]}")
    printf '%-6s 1 drive %5d ms, %d drives %5d ms: %.2fx  (median of %d runs; goal: at most 2x; %d drives without latency: %d ms)\n' \
        "$cmd" "$one" "$DRIVES" "$all" "$(awk -v a="$all" -v b="$one" 'BEGIN { print a / b }')" "$RUNS" "$DRIVES" "$floor"
done
