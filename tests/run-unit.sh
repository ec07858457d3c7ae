#!/bin/bash
# Run one Criterion suite and fail it when LeakSanitizer or valgrind
# reports a leak or an error:
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
# valgrind memcheck (the memcheck preset, tests/valgrind.sh), in a test
# worker whose exit status Criterion does not pass on.
if grep -q 'VALGRIND-ERROR' "$log"; then
    echo "FAIL: valgrind memcheck found errors or leaks (above)"
    exit 1
fi
exit "$status"
