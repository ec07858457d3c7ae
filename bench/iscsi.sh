#!/bin/bash
# GetModePage on an iSCSI LUN: modecon's engine against libiscsi's own
# synchronous calls sending the same CDBs, in one run against a private
# tgt target on 127.0.0.1 (tests/tgt/tgt.sh, stopped by its pid at the end).
#
# usage: bench/iscsi.sh [BUILD_DIR] [CALLS] [PAGE]   (default build/release 2000 0x2a)
set -u
BUILD=${1:-build/release}
CALLS=${2:-2000}
PAGE=${3:-0x2a}
BENCH=$BUILD/bench/bench_iscsi_overhead
[ -x "$BENCH" ] || { echo "bench: no $BENCH (build the release preset)" >&2; exit 2; }
TGT="bash $(dirname "$0")/../tests/tgt/tgt.sh"
DIR=$(mktemp -d /tmp/modecon-bench-iscsi-XXXXXX)
trap '$TGT down "$DIR" >/dev/null 2>&1; rm -rf "$DIR"' EXIT

port=$($TGT port 30000 32000) || exit 1
IQN=$($TGT up "$DIR" "$port") || { echo "bench: tgtd did not start" >&2; exit 1; }
"$BENCH" "iscsi://127.0.0.1:$port/$IQN/1" "$CALLS" "$PAGE"
