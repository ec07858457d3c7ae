#!/bin/bash
# ctest's entry for a benchmark (label bench, the release preset): runs it
# on a small input so that a benchmark that stops working fails CI, and
# keeps its figures in FIGURES/NAME.txt (also printed: ctest -V shows
# them).  No figure is judged: only that the benchmark ran, exited 0 and
# printed at least one number.  A benchmark that cannot run here (exit
# 125: no QEMU guest for bench/sg.sh) is reported skipped (exit 77, the
# test's SKIP_RETURN_CODE), saying why.  The state of the drives it
# changes lives in a directory of its own, removed at the end.
#
# usage: bench/ci.sh NAME FIGURES COMMAND [ARGS...]
set -u
NAME=${1:?usage: ci.sh NAME FIGURES COMMAND [ARGS...]}
FIGURES=${2:?usage: ci.sh NAME FIGURES COMMAND [ARGS...]}
shift 2
mkdir -p "$FIGURES"
OUT=$FIGURES/$NAME.txt
STATE=$(mktemp -d /tmp/modecon-bench-ci-XXXXXX)
trap 'rm -rf "$STATE"' EXIT
export XDG_STATE_HOME=$STATE

echo "bench.$NAME: $*" >"$OUT"
"$@" 2>&1 | tee -a "$OUT"
status=${PIPESTATUS[0]}
echo "bench.$NAME: figures in $OUT"
if [ "$status" = 125 ]; then
    echo "SKIPPED bench.$NAME: it cannot run on this machine (see above)"
    exit 77
fi
if [ "$status" != 0 ]; then
    echo "FAIL bench.$NAME: exit $status" >&2
    exit 1
fi
# The benchmark's own lines (not the command echoed first) hold a figure.
if ! tail -n +2 "$OUT" | grep -q '[0-9]'; then
    echo "FAIL bench.$NAME: it printed no figure" >&2
    exit 1
fi
