#!/bin/bash
# The fault matrix in the console (tests/cli/fault-matrix.sh has it on the
# command line): each failing drive, when selected, shows its HRESULT's
# name and value and the decoded sense; a failed change shows the same;
# and after all of them the console still reads a healthy drive and quits
# cleanly.
set -u
: "${MODECON:?set MODECON to the modecon binary}"
STATE=$(mktemp -d /tmp/modecon-e2e-XXXXXX)
E2E_NAME=fault-matrix
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
D=emu:dvd-writer
mkdir -p "$STATE/modecon"
cat >"$STATE/modecon/vendor-sense" <<'RULES'
02/b0/*  E_IMAPI_RECORDER_MEDIA_UPSIDE_DOWN
05/b1/00 E_IMAPI_RECORDER_MEDIA_SPEED_MISMATCH MODECON
RULES

# Reading: FAULT|what the screen shows, one drive each.
reads=(
    "sense:05/24/00@5a|E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE (0xC0AA0201)"
    "sense:02/3a/00@5a|E_IMAPI_RECORDER_MEDIA_NO_MEDIA (0xC0AA0202)"
    "sense:05/30/00@5a|E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE (0xC0AA0203)"
    "sense:02/b0/01@5a|E_IMAPI_RECORDER_MEDIA_UPSIDE_DOWN (0xC0AA0204)"
    "sense:02/04/01@5a|E_IMAPI_RECORDER_MEDIA_BECOMING_READY (0xC0AA0205)"
    "sense:02/04/04@5a|E_IMAPI_RECORDER_MEDIA_FORMAT_IN_PROGRESS (0xC0AA0206)"
    "sense:02/04/07@5a|E_IMAPI_RECORDER_MEDIA_BUSY (0xC0AA0207)"
    "sense:07/27/00@5a|E_IMAPI_RECORDER_MEDIA_WRITE_PROTECTED (0xC0AA0209)"
    "timeout@5a|E_IMAPI_RECORDER_COMMAND_TIMEOUT (0xC0AA020D)"
    "sense:05/b1/00@5a|E_IMAPI_RECORDER_MEDIA_SPEED_MISMATCH (0xC0AA020F)"
    "status:18@5a|E_IMAPI_RECORDER_LOCKED (0xC0AA0210)"
    "sense:02/30/10@5a|E_IMAPI_RECORDER_MEDIA_NOT_FORMATTED (0xC0AA0212)"
    "garbage:length|E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE (0xC0AA02FF)"
    "sense:03/0c/09@5a|E_IMAPI_LOSS_OF_STREAMING (0xC0AA0300)"
    "gone@5a|HRESULT_ERROR_DEV_NOT_EXIST (0x80070037)"
    "sense:04/44/00@5a|E_FAIL (0x80004005)"
)
# Changing: a MODE SELECT that fails, typed at the console's command line.
writes=(
    "sense:05/26/00@55|E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS (0xC0AA0208)"
    "sense:07/27/00@55|E_IMAPI_RECORDER_MEDIA_WRITE_PROTECTED (0xC0AA0209)"
    "timeout@55|E_IMAPI_RECORDER_COMMAND_TIMEOUT (0xC0AA020D)"
)
drives=""
for r in "${reads[@]}" "${writes[@]}"; do
    drives="$drives '$D?fault=${r%%|*}'"
done

e2e_next_server
$T new-session -d -x 110 -y 60 \
    "env XDG_STATE_HOME=$STATE XDG_CONFIG_HOME=$STATE ASAN_OPTIONS='${ASAN_OPTIONS:-}' LSAN_OPTIONS='${LSAN_OPTIONS:-}' UBSAN_OPTIONS='${UBSAN_OPTIONS:-}' $MODECON --timeout 0.5 --ready-wait 0.2 console $drives emu:cd-atapi; echo \"EXITED \$?\"; sleep 60"
wait_for "Drives"

# The first drive is selected at the start; each Down selects the next.
first=1
for r in "${reads[@]}"; do
    [ $first -eq 1 ] || $T send-keys Down
    first=0
    wait_for "fault=${r%%|*}  MODECON"
    wait_for "${r#*|}"
done
for r in "${writes[@]}"; do
    $T send-keys Down
    wait_for "fault=${r%%|*}  MODECON"
    wait_for "0x08 Caching"
    $T send-keys :
    $T send-keys -l "set caching WCE=0"
    $T send-keys Enter
    wait_for "${r#*|}"
done

# Still working: a healthy drive reads, and q ends the console.
$T send-keys Down
wait_for "emu:cd-atapi  MODECON ATAPI CD-ROM"
wait_for "0x2a MM Capabilities"
$T send-keys q
wait_for "EXITED 0"
echo "fault-matrix: $checks checks passed"
