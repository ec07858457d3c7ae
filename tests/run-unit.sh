#!/bin/bash
# Run one Criterion suite and fail it when LeakSanitizer reports a leak:
# Criterion judges a test by its assertions, and a leak found when the
# worker exits would otherwise pass unnoticed.
set -u
log=$(mktemp)
trap 'rm -f "$log"' EXIT
"$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
if grep -q 'ERROR: LeakSanitizer' "$log"; then
    echo "FAIL: LeakSanitizer found leaks (above)"
    exit 1
fi
exit "$status"
