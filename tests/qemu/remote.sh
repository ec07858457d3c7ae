#!/bin/bash
# Drives on another machine, for real: a QEMU guest (guest.sh, its virtio
# drives: a scsi-cd with a disc and an empty one) exports them over iSCSI
# (tests/qemu/remote-guest.sh), first with tgt's SG passthrough, then with
# the kernel's LIO target and its pscsi backstore, and modecon on this
# host, through the port QEMU's user network forwards from 127.0.0.1,
# lists them, reads their pages, changes one and takes it back, replays
# a journal on them and shows them in one console beside a tgt target on
# this host (tests/tgt/tgt.sh).  The guest reads each change with sdparm
# when asked on a second forwarded port, and after 'done' checks what it
# alone can see and powers off.  Exit status: 0 when both sides passed.
. "$(dirname "$0")/../cli/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
TGT="bash $HERE/../tgt/tgt.sh"
G=$STATE/guest
TMUX_SOCK=modecon-qemu-remote$$
mkdir -p "$G" "$STATE/tgt"

cleanup() {
    tmux -L "$TMUX_SOCK" kill-server 2>/dev/null
    $TGT down "$STATE/tgt" >/dev/null 2>&1
    # The guest, when a failure here left it waiting: its QEMU, by the pid
    # QEMU wrote, and nothing else.
    if [ -s "$G/qemu.pid" ] && kill -0 "$(cat "$G/qemu.pid")" 2>/dev/null; then
        kill -TERM "$(cat "$G/qemu.pid")"
    fi
    [ -n "${guest:-}" ] && wait "$guest" 2>/dev/null
    rm -rf "$STATE"
}
trap cleanup EXIT

# fail, as lib.sh's, with the guest's serial log so far.
host_fail() {
    echo "--- guest serial log:" >&2
    cat "$G/serial.log" >&2 2>/dev/null
    fail "$@"
}

ISCSI_PORT=$($TGT port 25000 29999) || fail "no free port"
CONTROL_PORT=$($TGT port 30000 32000) || fail "no free port"
GUEST_FORWARD="$ISCSI_PORT:3260 $CONTROL_PORT:5000" \
    GUEST_MODULES="target_core_pscsi iscsi_target_mod crc32c_generic" \
    GUEST_PROGRAMS="$(command -v tgtd) $(command -v tgtadm) ${GUEST_PROGRAMS:-}" \
    bash "$HERE/guest.sh" virtio "$MODECON" "$HERE/remote-guest.sh" "$G" \
    >"$STATE/guest.out" 2>&1 &
guest=$!

# Until the guest's target is up (at most 180 s: a loaded machine boots
# the TCG guest slowly), or the guest ended without it.
for _ in $(seq 1800); do
    grep -q "^=== REMOTE-READY" "$G/serial.log" 2>/dev/null && break
    kill -0 "$guest" 2>/dev/null || break
    sleep 0.1
done
grep -q "^=== REMOTE-READY" "$G/serial.log" 2>/dev/null ||
    { cat "$STATE/guest.out" >&2; host_fail "the guest's target never came up"; }
read -r _ _ IQN LIO_IQN INITIATOR <<<"$(grep "^=== REMOTE-READY" "$G/serial.log")"
PORTAL=iscsi://127.0.0.1:$ISCSI_PORT
DISC=$PORTAL/$IQN/1
EMPTY=$PORTAL/$IQN/2

# ask QUESTION: the guest's answer (remote-guest.sh), retried while the
# forwarded port is not answering yet.
ask() {
    local answer=
    for _ in $(seq 50); do
        if exec 3<>"/dev/tcp/127.0.0.1/$CONTROL_PORT"; then
            echo "$*" >&3
            read -r -t 30 answer <&3
            exec 3>&-
            [ -n "$answer" ] && break
        fi
        sleep 0.2
    done
    echo "$answer"
}
# expect_guest_wce HEX WHAT: the guest's sdparm reads byte 2 of page 08h
# (WCE is 0x04) on the drive with the disc as HEX.
expect_guest_wce() {
    local got
    got=$(ask byte /dev/sr0 8 2)
    checks=$((checks + 1))
    [ "$got" = "$1" ] || host_fail "the guest's sdparm reads caching byte 2 as '$got', not $1 ($2)"
}

# --- The portal lists the guest's drives as they are: QEMU's identity and
# medium come through the passthrough; tgt's own controller LUN is last.
run list "$PORTAL"
expect_status 0
expect_out "$DISC QEMU     QEMU CD-ROM      2.5+  ready"
expect_out "$EMPTY QEMU     QEMU CD-ROM      2.5+  no medium"
expect_out "$PORTAL/$IQN/0 IET      Controller       0001  not MMC: array controller (type 0x0c)"

# --- Its pages are the drive's (QEMU's scsi-cd), not tgt's own MMC pages.
run pages "$DISC"
expect_status 0
pages=$(awk '/^0x/ {print $1}' <<<"$out" | tr '\n' ' ')
checks=$((checks + 1))
[ "$pages" = "0x01 0x08 0x0e 0x2a " ] || host_fail "pages: $pages"
run show "$DISC" caching
expect_status 0
expect_out "WCE        Write cache enable             1                yes"
run get "$DISC" 8
expect_status 0
expect_out "08 12 04 00"
expect_guest_wce 04 "WCE 1 before any change"
run get "$DISC" 8 --type saved
expect_status 1
expect_err "05/39/00"

# --- A change reaches the guest's drive, and undo takes it back.
run set "$DISC" caching WCE=0
expect_status 0
expect_out "WCE: applied"
expect_guest_wce 00 "WCE 0 set from the host"
run get "$DISC" 8
expect_out "08 12 00 00"
run undo "$DISC"
expect_status 0
expect_out "WCE: applied"
expect_guest_wce 04 "WCE 1 again after undo from the host"

# --- The drive's own answers come through: AWRE is accepted and ignored
# (not applied), a locked bit forced is refused with the drive's sense,
# and the drive without a disc refuses MODE SELECT with NOT READY.
run set "$DISC" 1 AWRE=0
expect_status 3
expect_out "AWRE: NOT applied: the drive has 1"
run set "$DISC" 1 PER=1 --force
expect_status 1
expect_err "E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS (0xC0AA0208)"
expect_err "05/26/00"
run set "$EMPTY" caching WCE=0
expect_status 1
expect_err "E_IMAPI_RECORDER_MEDIA_NO_MEDIA (0xC0AA0202)"
expect_err "02/3a/00"

# --- A target on this host as well, for the replay and the console.
HOST_PORT=$($TGT port 20000 24999) || fail "no free port"
HOST_IQN=$($TGT up "$STATE/tgt" "$HOST_PORT") || fail "the host's tgtd did not start"
HOST_DRIVE=iscsi://127.0.0.1:$HOST_PORT/$HOST_IQN/1

# --- A journal recorded on the guest's drive replays onto it (the change
# reaches the drive) and onto the host's target, another model, whose
# caching page (tgt's own, all zero) already has WCE 0: nothing is sent.
awk '/^# modecon/ { head = $0 } /^# drive/ { drive = $0 }
         /^set .* caching WCE=0$/ { print head; print drive; print; exit }' \
    "$STATE/modecon/journal" >"$STATE/wce.replay"
checks=$((checks + 1))
grep -q "^set $DISC caching WCE=0$" "$STATE/wce.replay" ||
    host_fail "the journal has no 'set $DISC caching WCE=0': $(cat "$STATE/modecon/journal")"
# One replay onto the guest's drive and the host's target together, in
# parallel: the table says, per drive, the guest's drive the same model,
# its one command applied, and the host's target another model, warned
# before anything is sent, its WCE already 0 so nothing applied.
run replay "$STATE/wce.replay" --drive "$DISC" --drive "$HOST_DRIVE"
expect_status 0
expect_err "$HOST_DRIVE: warning: another model than recorded: IET VIRTUAL-CDROM 0001, the file was recorded on QEMU QEMU CD-ROM 2.5+"
expect_out "$DISC: WCE: applied"
expect_out "$HOST_DRIVE: no change: WCE is already 0; nothing was sent"
checks=$((checks + 1))
grep -qE "^$DISC +QEMU QEMU CD-ROM 2.5\+ +same +done +1 +1 +0 +0 +0 +yes, undo -n 1 +-$" <<<"$out" ||
    host_fail "the fleet's row of the guest's drive: $out"
checks=$((checks + 1))
grep -qE "^$HOST_DRIVE +IET VIRTUAL-CDROM 0001 +other +done +1 +0 +0 +0 +0 +no +-$" <<<"$out" ||
    host_fail "the fleet's row of the host's target: $out"
expect_guest_wce 00 "WCE 0 replayed from the host onto the guest's drive"
run undo "$DISC"
expect_status 0
expect_guest_wce 04 "WCE 1 again after the replay's undo"

# --- One console for all of them: the guest's two drives and the host's
# target, each with its identity and medium.
tmux -L "$TMUX_SOCK" -f /dev/null new-session -d -x 140 -y 30 \
    "env XDG_STATE_HOME=$STATE XDG_CONFIG_HOME=$STATE TERM=xterm $(printf '%q ' "$MODECON") console '$DISC' '$EMPTY' '$HOST_DRIVE'; echo EXITED \$?; sleep 60"
screen_has() {
    for _ in $(seq 300); do
        tmux -L "$TMUX_SOCK" capture-pane -p 2>/dev/null | grep -qF -- "$1" && {
            checks=$((checks + 1))
            return 0
        }
        sleep 0.1
    done
    out=$(tmux -L "$TMUX_SOCK" capture-pane -p 2>&1)
    host_fail "the console never showed: $1"
}
screen_has "QEMU     QEMU CD-ROM      2.5+ ready"
screen_has "QEMU     QEMU CD-ROM      2.5+ no medium"
screen_has "IET      VIRTUAL-CDROM    0001 ready"
screen_has " 0x08 Caching"
tmux -L "$TMUX_SOCK" send-keys q
screen_has "EXITED 0"

# --- LIO instead of tgt: the guest takes tgt down and exports the drive
# with the disc through LIO's pscsi backstore, to one initiator name.
answer=$(ask lio)
checks=$((checks + 1))
[ "$answer" = ready ] || host_fail "the guest's LIO: $answer"
LIO=$PORTAL/$LIO_IQN/1?initiator=$INITIATOR
run list "$PORTAL?initiator=$INITIATOR"
expect_status 0
# The row's URI keeps the initiator name, so that it can be copied and
# used as it is: the ACL admits no other name.
checks=$((checks + 1))
grep -F "$LIO " <<<"$out" | grep -qF "QEMU     QEMU CD-ROM      2.5+  ready" ||
    host_fail "LIO's LUN is not listed, with its initiator, as QEMU's drive with a disc"
LISTED=$(grep -F "QEMU CD-ROM" <<<"$out" | awk '{print $1}' | head -1)
run pages "$LISTED"
expect_status 0
pages=$(awk '/^0x/ {print $1}' <<<"$out" | tr '\n' ' ')
checks=$((checks + 1))
[ "$pages" = "0x01 0x08 0x0e 0x2a " ] || host_fail "pages through LIO: $pages"
run set "$LIO" caching WCE=0
expect_status 0
expect_out "WCE: applied"
expect_guest_wce 00 "WCE 0 set from the host through LIO"
run undo "$LIO"
expect_status 0
expect_guest_wce 04 "WCE 1 again after undo through LIO"
# The ACL lets no other initiator name in.
run pages "$PORTAL/$LIO_IQN/1"
expect_status 1
expect_err "E_ACCESS_DENIED (0x80070005)"
expect_err "does not admit the initiator"
expect_err "Authorization failure"

# --- The guest's side: 'done', then its own checks and its exit status.
[ "$(ask done)" = bye ] || host_fail "the guest did not take 'done'"
wait "$guest"
guest_status=$?
guest=
cat "$G/serial.log"
[ "$guest_status" = 0 ] || fail "the guest's checks failed (exit $guest_status)"
done_ok
