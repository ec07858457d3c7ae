#!/bin/bash
# A short libFuzzer run, as a test: FUZZER SECONDS WORKDIR SEED...
# The seeds are copied into a fresh corpus; an input that crashes, leaks
# or hangs is kept in WORKDIR/crashes and fails the test, and belongs in
# tests/fuzz/TARGET/ once fixed, as a regression input.
set -u
fuzzer=$1 seconds=$2 work=$3
shift 3
rm -rf "$work"
mkdir -p "$work/corpus" "$work/crashes"
i=0
for seed in "$@"; do
    i=$((i + 1))
    cp -- "$seed" "$work/corpus/$i-$(basename "$seed")"
done
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$work/crashes/" -print_final_stats=1 \
    "$work/corpus" >"$work/log" 2>&1
status=$?
grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|Done|#[0-9]+ +DONE)" "$work/log"
if [ "$status" -ne 0 ] || [ -n "$(ls -A "$work/crashes")" ]; then
    tail -60 "$work/log"
    echo "FAIL $(basename "$fuzzer"): inputs kept in $work/crashes"
    exit 1
fi
echo "$(basename "$fuzzer"): $i seeds, no crash in $seconds s"
