# In the guest of tests/qemu/remote.sh: QEMU's scsi-cd drives on
# virtio-scsi (/dev/sr0 with a disc, /dev/sr1 without, see guest.sh),
# exported as they are by tgt's SG passthrough over iSCSI on port 3260,
# which QEMU forwards to the host.  Port 5000 answers the host's
# questions about the drives, read here with sdparm, until the host says
# 'done'; then the guest checks what it can only see from inside, stops
# tgtd and powers off.
. /lib.sh
IQN=iqn.2026-11.invalid.modecon.guest:cd

# The sg node of a drive's sr node.
sg_of() {
    for d in /sys/class/scsi_generic/sg*; do
        [ -e "$d/device/block/$1" ] && basename "$d"
    done
}
SG_DISC=$(sg_of sr0)
SG_EMPTY=$(sg_of sr1)

# --- The export: tgtd on every address of the guest, one target with the
# drive holding a disc as LUN 1 and the empty one as LUN 2, both as SCSI
# passthrough of their sg nodes, for the host only (QEMU's user network
# shows the host's connections as coming from 10.0.2.2).
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
adm --mode target --op new --tid 1 --targetname $IQN
adm --mode logicalunit --op new --tid 1 --lun 1 --bstype sg --device-type pt \
    --backing-store /dev/$SG_DISC
adm --mode logicalunit --op new --tid 1 --lun 2 --bstype sg --device-type pt \
    --backing-store /dev/$SG_EMPTY
adm --mode target --op bind --tid 1 --initiator-address 10.0.2.2

# --- The host's questions, one a connection: 'byte DEV PAGE N' is byte N
# of the page's current values as sdparm reads them on /dev/srN (tgtd holds
# the sg node, the sr node stays free); 'done' ends the wait.
cat >/tmp/answer.sh <<'ANSWER'
. /lib.sh
read -r what dev page n
case $what:$dev in
byte:/dev/sr[0-9]) sdparm_byte "$dev" "$page" "$n" ;;
done:*) touch /tmp/done; echo bye ;;
*) echo "unknown question" ;;
esac
ANSWER
nc -ll -p 5000 -e sh /tmp/answer.sh &
nc_pid=$!
echo "=== REMOTE-READY $IQN $SG_DISC $SG_EMPTY"
for _ in $(seq 3000); do
    [ -e /tmp/done ] && break
    sleep 0.1
done
[ -e /tmp/done ] && ok "the host said done" || not_ok "the host never said done (300 s)"
kill $nc_pid

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

# --- The export taken down as an administrator would: the target (its
# LUNs with it), then tgtd, which then ends (it ignores SIGTERM); the
# drive is then free for exclusive use again.
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
run set /dev/$SG_DISC caching WCE=0
expect_status 0
expect_sdparm /dev/sr0 8 2 00 "WCE 0 set in the guest once tgtd let go"
run set /dev/$SG_DISC caching WCE=1
expect_status 0
grep -q "sg device .* failed\|failed to start cmd" /tmp/tgtd.log &&
    { last="(tgtd)"; out=$(cat /tmp/tgtd.log); err=; not_ok "tgtd logged a failed sg command"; } ||
    ok "tgtd logged no failed sg command"
done_checks
