# In the guest of tests/qemu/remote.sh: QEMU's scsi-cd drives on
# virtio-scsi (/dev/sr0 with a disc, /dev/sr1 without, see guest.sh),
# exported as they are over iSCSI on port 3260, which QEMU forwards to the
# host: first by tgt's SG passthrough, then, when the host asks, by the
# kernel's LIO target with its pscsi backstore.  Port 5000 answers the
# host's questions, one a connection, until the host says 'done'; then
# the guest checks what it alone can see and powers off.
. /lib.sh
TGT_IQN=iqn.2026-11.invalid.modecon.guest:cd
LIO_IQN=iqn.2026-11.invalid.modecon.guest:lio
# The initiator name the host's modecon gives LIO (its URIs' ?initiator=).
HOST_INITIATOR=iqn.2026-11.invalid.modecon:host

# The sg node of a drive's sr node, and its SCSI address H:C:T:L.
sg_of() {
    for d in /sys/class/scsi_generic/sg*; do
        [ -e "$d/device/block/$1" ] && basename "$d"
    done
}
SG_DISC=$(sg_of sr0)
SG_EMPTY=$(sg_of sr1)
HCTL_DISC=$(basename "$(readlink -f /sys/class/scsi_generic/$SG_DISC/device)")

# wait_file FILE: until FILE exists, at most 300 s (the host's checks, on
# a loaded machine).
wait_file() {
    for _ in $(seq 3000); do
        [ -e "$1" ] && return 0
        sleep 0.1
    done
    return 1
}

# --- The host's questions: 'byte DEV PAGE N' is byte N of the page's
# current values as sdparm reads them on /dev/srN (an exporter may hold
# the sg node, the sr node stays free); 'lio' swaps tgt for LIO and
# answers when LIO is up; 'done' ends the wait.
cat >/tmp/answer.sh <<'ANSWER'
. /lib.sh
read -r what dev page n
case $what:$dev in
byte:/dev/sr[0-9]) sdparm_byte "$dev" "$page" "$n" ;;
lio:*)
    touch /tmp/want-lio
    for _ in $(seq 600); do
        [ -e /tmp/lio-ready ] && break
        sleep 0.1
    done
    cat /tmp/lio-ready 2>/dev/null || echo "LIO did not come up in 60 s" ;;
done:*) touch /tmp/done; echo bye ;;
*) echo "unknown question" ;;
esac
ANSWER
nc -ll -p 5000 -e sh /tmp/answer.sh &
nc_pid=$!

# --- tgt: tgtd on every address of the guest, one target with the drive
# holding a disc as LUN 1 and the empty one as LUN 2, both SCSI passthrough
# of their sg nodes, for the host only (QEMU's user network shows the
# host's connections as coming from 10.0.2.2).
mkdir -p /var/run/tgtd
tgtd -f --iscsi portal=0.0.0.0:3260 >/tmp/tgtd.log 2>&1 &
tgtd_pid=$!
for _ in $(seq 100); do
    tgtadm --lld iscsi --mode target --op show >/dev/null 2>&1 && break
    sleep 0.05
done
adm() {
    if tgtadm --lld iscsi "$@" >/tmp/tgtadm.out 2>&1; then ok "tgtadm $*"; else
        last="(tgtadm $*)"; out=$(cat /tmp/tgtadm.out); err=$(cat /tmp/tgtd.log)
        not_ok "tgtadm $*"; fi
}
adm --mode target --op new --tid 1 --targetname $TGT_IQN
adm --mode logicalunit --op new --tid 1 --lun 1 --bstype sg --device-type pt \
    --backing-store /dev/$SG_DISC
adm --mode logicalunit --op new --tid 1 --lun 2 --bstype sg --device-type pt \
    --backing-store /dev/$SG_EMPTY
adm --mode target --op bind --tid 1 --initiator-address 10.0.2.2
echo "=== REMOTE-READY $TGT_IQN $LIO_IQN $HOST_INITIATOR"

wait_file /tmp/want-lio && ok "the host asked for LIO" ||
    not_ok "the host never asked for LIO (300 s)"

# --- From inside: tgtd holds the sg node open, which keeps modecon's
# exclusive use of it out (named), while the sr node of the same drive
# still takes a change.  The host left WCE as it found it (1).
run pages /dev/$SG_DISC
expect_status 0
expect_out "0x08      Caching"
run set /dev/$SG_DISC caching WCE=0
expect_status 1
expect_err "/dev/$SG_DISC is open in another program (tgtd (pid $tgtd_pid))"
expect_sdparm /dev/sr0 8 2 04 "WCE 1 as the host left it"

# --- tgt taken down as an administrator would: the target (its LUNs with
# it), then tgtd, which then ends (it ignores SIGTERM); the drive is then
# free for exclusive use again.
adm --mode target --op delete --force --tid 1
adm --mode system --op delete
for _ in $(seq 100); do
    kill -0 $tgtd_pid 2>/dev/null || break
    sleep 0.1
done
if kill -0 $tgtd_pid 2>/dev/null; then
    kill -KILL $tgtd_pid
    last="(tgtadm --mode system --op delete)"; out=; err=$(cat /tmp/tgtd.log)
    not_ok "tgtd did not end after 'tgtadm --mode system --op delete'"
else
    ok "tgtd ended after 'tgtadm --mode system --op delete'"
fi
if grep -q "sg device .* failed\|failed to start cmd" /tmp/tgtd.log; then
    last="(tgtd)"; out=$(cat /tmp/tgtd.log); err=
    not_ok "tgtd logged a failed sg command"
else
    ok "tgtd logged no failed sg command"
fi
run set /dev/$SG_DISC caching WCE=0
expect_status 0
expect_sdparm /dev/sr0 8 2 00 "WCE 0 set in the guest once tgtd let go"
run set /dev/$SG_DISC caching WCE=1
expect_status 0

# --- LIO through configfs, as targetcli would write it: a pscsi backstore
# on the drive's SCSI address, an iSCSI target with it as LUN 1 on
# 0.0.0.0:3260, and an ACL for the host's initiator name mapping it as
# LUN 1, without CHAP.
lio() {
    echo "$1" >"$2" 2>/tmp/lio.err ||
        { echo "failed: echo '$1' > $2: $(cat /tmp/lio.err)" >/tmp/lio-failed; return 1; }
}
lio_up() {
    mount -t configfs configfs /sys/kernel/config || return 1
    core=/sys/kernel/config/target/core/pscsi_0/cd0
    mkdir -p $core || return 1
    set -- $(echo "$HCTL_DISC" | tr ':' ' ')
    lio "scsi_host_id=$1,scsi_channel_id=$2,scsi_target_id=$3,scsi_lun_id=$4" $core/control || return 1
    lio /dev/$SG_DISC $core/udev_path || return 1
    lio 1 $core/enable || return 1
    tpg=/sys/kernel/config/target/iscsi/$LIO_IQN/tpgt_1
    mkdir -p $tpg/lun/lun_1 || return 1
    ln -s $core $tpg/lun/lun_1/cd0 || return 1
    mkdir $tpg/np/0.0.0.0:3260 || return 1
    mkdir -p $tpg/acls/$HOST_INITIATOR/lun_1 || return 1
    ln -s $tpg/lun/lun_1 $tpg/acls/$HOST_INITIATOR/lun_1/lun_1 || return 1
    lio 0 $tpg/attrib/authentication || return 1
    lio 1 $tpg/enable || return 1
}
if lio_up 2>/tmp/lio.err; then
    ok "LIO exports $SG_DISC ($HCTL_DISC) through pscsi"
    echo "ready" >/tmp/lio-ready
else
    last="(LIO through configfs)"; out=$(cat /tmp/lio-failed 2>/dev/null); err=$(cat /tmp/lio.err)
    not_ok "LIO did not come up"
    echo "failed: $out $err" | tr '\n' ' ' >/tmp/lio-ready
fi

wait_file /tmp/done && ok "the host said done" || not_ok "the host never said done (300 s)"
kill $nc_pid

# --- From inside, with LIO exporting the drive: LIO holds no node open,
# so nothing keeps a program here from changing the drive at the same
# time as the host (unlike tgt's passthrough).
expect_sdparm /dev/sr0 8 2 04 "WCE 1 as the host left it through LIO"
run set /dev/$SG_DISC caching WCE=0
expect_status 0
expect_sdparm /dev/sr0 8 2 00 "WCE 0 set in the guest while LIO exports the drive"
done_checks
