#!/bin/bash
# GetModePage on a local drive through SG_IO: modecon's engine against the
# ioctl sending the same CDBs, in one run inside a QEMU guest (TCG) on
# QEMU's scsi-cd (tests/qemu/guest.sh).
#
# usage: bench/sg.sh [BUILD_DIR] [CALLS] [PAGE] [MODE]
#   (default build/release 2000 0x2a virtio; MODE ide for an ATAPI drive)
# Exit 125 when no guest can be booted here.
set -u
BUILD=${1:-build/release}
CALLS=${2:-2000}
PAGE=${3:-0x2a}
MODE=${4:-virtio}
BENCH=$BUILD/bench/bench_sg_overhead
[ -x "$BENCH" ] || { echo "bench: no $BENCH (build the release preset)" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
# No guest, no drive to measure: 125, as tests/qemu/guest.sh says when it
# cannot boot one (bench/ci.sh reports the benchmark skipped).
command -v qemu-system-x86_64 >/dev/null ||
    { echo "bench: no qemu-system-x86_64 to boot the guest and its SCSI drive" >&2; exit 125; }
W=$(mktemp -d /tmp/modecon-bench-sg-XXXXXX)
trap 'rm -rf "$W"' EXIT
cat >"$W/bench.sh" <<SCRIPT
bench_sg_overhead /dev/sr0 $CALLS $PAGE
SCRIPT
GUEST_PROGRAMS=$(realpath "$BENCH") bash "$HERE/../tests/qemu/guest.sh" "$MODE" \
    "$BUILD/src/modecon" "$W/bench.sh" "$W/guest" >"$W/log"
status=$?
sed -n '/^=== GUEST-START/,/^=== GUEST-RESULT/p' "$W/log" | grep -v '^==='
[ "$status" = 0 ] || { echo "bench: the guest run failed ($status)" >&2; tail -20 "$W/log" >&2; }
exit "$status"
