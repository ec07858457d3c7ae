#!/bin/bash
# Page codes in the console: the pages pane shows each code as 0x1a, and
# what it shows is typeable on the console's command line and means that
# page; a bare number read two ways and a name prefix two pages share are
# refused, naming what they could mean.  The shell completes the words
# of the definitions' names.
set -u
: "${MODECON:?set MODECON to the modecon binary}"
STATE=$(mktemp -d /tmp/modecon-e2e-XXXXXX)
E2E_NAME=pages
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

# command TEXT: type TEXT on the console's command line and run it.
command() {
    $T send-keys :
    $T send-keys -l "$1"
    $T send-keys Enter
}

e2e_next_server
$T new-session -d -x 100 -y 30 \
    "env XDG_STATE_HOME=$STATE XDG_CONFIG_HOME=$STATE ASAN_OPTIONS='${ASAN_OPTIONS:-}' LSAN_OPTIONS='${LSAN_OPTIONS:-}' UBSAN_OPTIONS='${UBSAN_OPTIONS:-}' $MODECON console emu:dvd-writer; echo \"EXITED \$?\"; sleep 60"
wait_for "DVD-RW WRITER"
$T send-keys Enter # to the pages
wait_for " 0x1a Power Condi"
wait_for " 0x2a MM Capabili"

# The code as the pane shows it, and as the standard writes it.
command "page 0x1a"
wait_for "0x1a Power Condition, 12 bytes"
wait_for "page 0x1a (Power Condition) selected"
command "page 2a"
wait_for "0x2a MM Capabilities and Mechanical Status, 48 bytes"
command "page 0d"
wait_for "0x0d CD Device Parameters, 8 bytes"

# Read two ways: refused, and the page in view stays.
command "page 10"
wait_for "page '10' is ambiguous: 0x10 read as hex"
wait_for "0x0d CD Device Parameters, 8 bytes"

# Names: a unique prefix, the IMAPI name's word; a shared prefix refused.
command "page cach"
wait_for "0x08 Caching, 12 bytes"
command "page c"
wait_for "page 'c' is ambiguous: it could be caching (0x08)"
command "page informational-exceptions"
wait_for "0x1c Fault/Failure Reporting Control, 12 bytes"

$T send-keys q
wait_for "EXITED 0"

# The shell completes the words of the definitions' names.
e2e_next_server
$T new-session -d -x 100 -y 30 \
    "env XDG_STATE_HOME=$STATE XDG_CONFIG_HOME=$STATE ASAN_OPTIONS='${ASAN_OPTIONS:-}' LSAN_OPTIONS='${LSAN_OPTIONS:-}' UBSAN_OPTIONS='${UBSAN_OPTIONS:-}' $MODECON shell; echo \"EXITED \$?\"; sleep 60"
wait_for "modecon>"
$T send-keys -l "show emu:dvd-writer fault"
$T send-keys Tab
wait_for "modecon> show emu:dvd-writer fault-failure-reporting-control"
$T send-keys Enter
wait_for "page 0x1c (Fault/Failure Reporting Control), 12 bytes"
$T send-keys C-d
wait_for "EXITED 0"
echo "pages: $checks checks passed"
