# In the guest: QEMU's scsi-cd on virtio-scsi, /dev/sr0 with a disc and
# /dev/sr1 without (see guest.sh).
. /lib.sh

# Local drives are listed before the emulated ones, which remain.
run list
expect_status 0
expect_out "/dev/sr0               QEMU     QEMU CD-ROM      2.5+  ready"
expect_out "/dev/sr1               QEMU     QEMU CD-ROM      2.5+  no medium"
expect_out "emu:dvd-writer"
run list --json
expect_out '"transport": "sg"'

# The console in a real terminal: the local drives first, each with its
# state, then the emulated ones; the first drive's pages are shown.
tmux new-session -d -s console -x 100 -y 30 modecon
screen_wait "/dev/sr0            sg    QEMU     QEMU CD-ROM      2.5+ ready"
screen_wait "/dev/sr1            sg    QEMU     QEMU CD-ROM      2.5+ no medium"
screen_wait "emu:dvd-writer"
screen_wait " 0x08 Caching"
tmux send-keys -t console q
for _ in $(seq 100); do tmux has-session -t console 2>/dev/null || break; sleep 0.1; done
if tmux has-session -t console 2>/dev/null; then not_ok "q did not end the console"; else ok "q ended the console"; fi

# The pages QEMU's scsi-cd has.
run pages /dev/sr0
expect_status 0
pages=$(echo "$out" | awk '/^0x/ {print $1}' | tr '\n' ' ')
[ "$pages" = "0x01 0x08 0x0e 0x2a " ] && ok "pages: $pages" || not_ok "pages: $pages"

# WCE is changeable and sticks; sdparm sees what modecon wrote.
run set /dev/sr0 caching WCE=0
expect_status 0
expect_out "WCE: applied"
expect_sdparm /dev/sr0 8 2 00 "WCE 0"
run set /dev/sg0 caching WCE=1
expect_status 0
expect_sdparm /dev/sr0 8 2 04 "WCE 1 through sg0's change"

# A snapshot of the drive opens as an emulated drive that answers as the
# drive does: every page under every page control, refusals included.
run snapshot /dev/sr0 -o /tmp/sr0.json
expect_status 0
for page in 01 08 0e 2a; do
    for type in current changeable default saved; do
        a=$(modecon get /dev/sr0 $page --type $type 2>&1 | sed 's|/dev/sr0|DRIVE|g')
        b=$(modecon get emu:/tmp/sr0.json $page --type $type 2>&1 | sed 's|emu:/tmp/sr0.json|DRIVE|g')
        if [ "$a" = "$b" ]; then ok "snapshot: page $page, $type values"; else
            last="get $page --type $type"; out=$a; err=$b
            not_ok "snapshot: page $page, $type values differ (out: drive, err: snapshot)"; fi
    done
done

# AWRE is changeable, but QEMU ignores it: reported as not applied.
run set /dev/sr0 1 AWRE=0
expect_status 3
expect_out "AWRE: NOT applied: the drive has 1"

# A bit that is not changeable: refused before sending; forced, QEMU
# refuses it with 05/26/00.
run set /dev/sr0 1 PER=1
expect_status 2
expect_err "PER is not changeable on this drive"
run set /dev/sr0 1 PER=1 --force
expect_status 1
expect_err "E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS (0xC0AA0208)"
expect_err "05/26/00"

# No disc: MODE SELECT answers NOT READY 02/3A/00.
run set /dev/sr1 caching WCE=0
expect_status 1
expect_err "E_IMAPI_RECORDER_MEDIA_NO_MEDIA (0xC0AA0202)"

# Exclusive use of a local drive is the kernel's O_EXCL.  A mounted disc
# holds /dev/sr0: reading goes on, a change is refused before anything is
# sent, and the mount is named.
mkdir -p /mnt
if mount -t iso9660 -o ro /dev/sr0 /mnt; then ok "disc mounted"; else not_ok "mount /dev/sr0"; fi
run pages /dev/sr0
expect_status 0
run --trace /tmp/trace-mounted set /dev/sr0 caching WCE=0
expect_status 1
expect_err "E_IMAPI_RECORDER_LOCKED (0xC0AA0210)"
expect_err "/dev/sr0 is held exclusively elsewhere (mounted on /mnt): unmount it or close that program"
expect_no_trace /tmp/trace-mounted '"cdb":"55' "no MODE SELECT while mounted"
expect_sdparm /dev/sr0 8 2 04 "WCE still 1"
umount /mnt

# Any program with /dev/sg0 open keeps exclusive use of sg0 out, and is
# named; it does not hold the block node /dev/sr0 of the same drive.
hold-open /dev/sg0 >/tmp/hold.out &
holder=$!
wait_for /tmp/hold.out held
run set /dev/sg0 caching WCE=0
expect_status 1
expect_err "/dev/sg0 is open in another program (hold-open (pid $holder)): close it, or go through the drive's /dev/srN"
expect_sdparm /dev/sr0 8 2 04 "WCE still 1"
run set /dev/sr0 caching WCE=0
expect_status 0
kill $holder
wait $holder 2>/dev/null
run set /dev/sg0 caching WCE=1
expect_status 0
expect_sdparm /dev/sr0 8 2 04 "WCE 1 through sg0 once it was closed"

# Devices that are not drives, or are gone.
run pages /dev/null
expect_status 2
expect_err "is not a SCSI device"
run pages /dev/sg9
expect_status 2
expect_err "/dev/sg9: no such device; the local CD/DVD drives are /dev/sr0, /dev/sr1"
run pages '/dev/sr0?x=1'
expect_status 2
expect_err "unknown parameter 'x'"

# A user the device does not let in is told which group may open it.
echo "nobody:x:65534:65534:nobody:/tmp:/bin/sh" >>/etc/passwd
echo "nogroup:x:65534:" >>/etc/group
echo "cdrom:x:24:" >>/etc/group
chgrp cdrom /dev/sg0
chmod 660 /dev/sg0
# as_user USER ARGS...: modecon ARGS run as USER, with its own state.
as_user() {
    local user=$1
    shift
    last="$* (as $user)"
    out=$(su "$user" -s /bin/sh -c "XDG_STATE_HOME=/tmp/$user modecon $*" 2>/tmp/guest-err)
    status=$?
    err=$(cat /tmp/guest-err)
}
as_user nobody pages /dev/sg0
expect_status 1
expect_err "E_ACCESS_DENIED"
expect_err "/dev/sg0: permission denied: the group 'cdrom' may open it"

# A technician in the group: with read and write on /dev/sr0 a change goes
# through without root (the kernel lets MODE SELECT through a writable
# block node); with read only on /dev/sg0 the pages are read, and the
# change is refused by the kernel before anything reaches the drive.
echo "tech:x:1000:24:tech:/tmp:/bin/sh" >>/etc/passwd
chgrp cdrom /dev/sr0 /dev/sg0
chmod 660 /dev/sr0
chmod 640 /dev/sg0
as_user tech set /dev/sr0 caching WCE=0
expect_status 0
expect_sdparm /dev/sr0 8 2 00 "WCE 0, changed by a user in the group"
as_user tech pages /dev/sg0
expect_status 0
expect_out "0x08      Caching"
as_user tech set /dev/sg0 caching WCE=1
expect_status 1
expect_err "E_ACCESS_DENIED"
expect_err "the kernel refused command 0x55 before sending it: the device is open read-only"
expect_sdparm /dev/sr0 8 2 00 "WCE still 0"
run set /dev/sg0 caching WCE=1
expect_status 0

# A drive removed while a session has it open: the next command says it
# has gone (the kernel's SCSI device deleted, as an unplug does).
mkfifo /tmp/in
modecon shell </tmp/in >/tmp/shell.out 2>&1 &
exec 7>/tmp/in
echo "pages /dev/sg1" >&7
for _ in $(seq 100); do grep -q "0x2a" /tmp/shell.out && break; sleep 0.1; done
echo 1 >/sys/class/scsi_generic/sg1/device/delete
echo "pages /dev/sg1" >&7
echo "quit" >&7
exec 7>&-
wait
last="shell: pages /dev/sg1, the drive deleted, pages /dev/sg1"
out=$(cat /tmp/shell.out)
err=$out
expect_out "0x2a      MM Capabilities and Mechanical Status"
expect_err "HRESULT_ERROR_DEV_NOT_EXIST (0x80070037)"
expect_err "/dev/sg1: the device has gone away"

# Without the sg driver the drives are found by their sr nodes, which take
# SG_IO as well.
if rmmod sg; then ok "sg driver removed"; else not_ok "rmmod sg"; fi
run list
expect_status 0
expect_out "/dev/sr0               QEMU     QEMU CD-ROM      2.5+  ready"
run set /dev/sr0 caching WCE=0
expect_status 0
expect_sdparm /dev/sr0 8 2 00 "WCE 0 without the sg driver"

done_checks
