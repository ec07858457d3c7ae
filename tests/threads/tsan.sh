#!/bin/bash
# Run a test with ThreadSanitizer's reports going to files of its own
# and fail it when there is one: a report from a modecon the test starts
# inside tmux, whose output and exit status the test never sees, counts
# as much as one from the test's own program.  tsan.supp holds what the
# libraries do on their own.  Harmless in a build without TSan, which
# reads no TSAN_OPTIONS.
set -u
logs=$(mktemp -d)
supp=$(cd "$(dirname "$0")" && pwd)/tsan.supp
trap 'rm -rf "$logs"' EXIT
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1 suppressions=$supp log_path=$logs/tsan"
# gcc 12's TSan cannot map its shadow memory on kernels that randomise
# more address bits than it knows: run without address randomisation where
# the machine allows it (a container's seccomp filter may not).
if setarch "$(uname -m)" -R true 2>/dev/null; then
    set -- setarch "$(uname -m)" -R "$@"
fi
"$@"
status=$?
if compgen -G "$logs/tsan*" >/dev/null; then
    cat "$logs"/tsan* >&2
    echo "FAIL: ThreadSanitizer reported (above)" >&2
    exit 1
fi
exit "$status"
