#!/bin/bash
# Boot Debian's kernel in QEMU (TCG: no KVM is needed) with a small
# initramfs holding modecon, its data, busybox, sdparm and sg3-utils, and
# emulated drives of one kind; run a test script in the guest and print
# what it prints on the serial console.  Nothing is left running: the
# guest powers off, and QEMU runs under a time limit.
#
#   guest.sh MODE MODECON SCRIPT [WORKDIR]
#     MODE     virtio     virtio-scsi with a scsi-cd holding a disc and an
#                         empty scsi-cd
#              ide        the same drives as ide-cd (ATAPI) on PIIX IDE
#              scsidebug  no QEMU drive: the guest kernel's scsi_debug
#                         module as an MMC device (ptype=5)
#     MODECON  the modecon binary (its libraries are copied along)
#     SCRIPT   a busybox sh script run in the guest with /dev/sg* ready
#   GUEST_PROGRAMS: more programs to copy into the guest's /usr/bin.
#   GUEST_FORWARD: "HOSTPORT:GUESTPORT ...": the guest gets a network card
#     on QEMU's user network, eth0 at 10.0.2.15/24 (the host is 10.0.2.2),
#     and each 127.0.0.1:HOSTPORT on the host is forwarded to the guest's
#     GUESTPORT.  The guest reaches nothing else (restrict=on).
#   GUEST_MODULES: more kernel modules to load, after those they depend
#     on, before the script runs (such as LIO's target_core_pscsi).
#   Exit status: the script's, 124 when the guest ran out of time, and
#   125 when the guest could not be built or booted.
#
# Needs qemu-system-x86, linux-image-amd64 (only as a source of the kernel
# and its modules), busybox-static, sdparm, sg3-utils, genisoimage, cpio,
# tmux.
set -eu
MODE=${1:?usage: guest.sh MODE MODECON SCRIPT [WORKDIR]}
MODECON=$(realpath "${2:?usage: guest.sh MODE MODECON SCRIPT}")
SCRIPT=$(realpath "${3:?usage: guest.sh MODE MODECON SCRIPT}")
W=${4:-$(mktemp -d /tmp/modecon-qemu-XXXXXX)}
DATA=$(cd "$(dirname "$0")/../.." && pwd)
# The kernel linux-image-amd64 depends on: another flavour in /boot (a
# cloud kernel) may lack the drivers the guest needs.
KVER=$(dpkg-query -W -f='${Depends}' linux-image-amd64 2>/dev/null |
    sed -n 's/.*linux-image-\([0-9][^ ,]*-amd64\).*/\1/p')
KERNEL=/boot/vmlinuz-$KVER
[ -n "$KVER" ] && [ -r "$KERNEL" ] ||
    { echo "guest: no kernel of linux-image-amd64 in /boot (install it)" >&2; exit 125; }
mkdir -p "$W"

# --- The disc in the first drive.
if [ ! -s "$W/disc.iso" ]; then
    mkdir -p "$W/isoroot"
    echo "a disc for modecon's guest tests" >"$W/isoroot/README.TXT"
    genisoimage -quiet -V MODECON -J -r -o "$W/disc.iso" "$W/isoroot"
fi

# --- The initramfs.
R=$W/root
rm -rf "$R"
mkdir -p "$R"/{bin,sbin,etc,proc,sys,dev,tmp,lib/modules,usr/bin,share/modecon}
cp /bin/busybox "$R/bin/busybox"
# Programs with the shared libraries they load, at the same paths.
copy_program() {
    cp "$1" "$R/usr/bin/"
    ldd "$1" | awk '/=>/ {print $3} /ld-linux/ {print $1}' | while read -r lib; do
        [ -f "$lib" ] || continue
        mkdir -p "$R$(dirname "$lib")"
        cp -n "$lib" "$R$lib"
    done
}
copy_program "$MODECON"
# More programs for the script, such as a benchmark (space-separated).
for program in ${GUEST_PROGRAMS:-}; do
    copy_program "$program"
done
for tool in sdparm sg_modes sg_inq sg_turs tmux; do
    copy_program "$(command -v $tool)"
done
# The terminal descriptions tmux and the console look up, and the UTF-8
# locale tmux insists on (libc-bin's).
mkdir -p "$R/lib" "$R/usr/lib/locale"
cp -r /lib/terminfo "$R/lib/"
cp -r /usr/lib/locale/C.utf8 "$R/usr/lib/locale/"
cp -r "$DATA/drives" "$DATA/pages" "$R/share/modecon/"
cp "$DATA/tests/lsan.supp" "$R/lsan.supp"
cp "$SCRIPT" "$R/test.sh"
cp "$DATA/tests/qemu/lib.sh" "$R/lib.sh"
# Kernel modules, each after those it depends on.
: >"$R/modules.order"
EXTRA_MODULES=${GUEST_MODULES:-}
[ -n "${GUEST_FORWARD:-}" ] && EXTRA_MODULES="virtio_net $EXTRA_MODULES"
for m in virtio_pci virtio_scsi ata_piix sr_mod sg isofs scsi_debug $EXTRA_MODULES; do
    modprobe -S "$KVER" --show-depends "$m" >/dev/null ||
        { echo "guest: kernel $KVER has no module $m" >&2; exit 125; }
done
for m in virtio_pci virtio_scsi ata_piix sr_mod sg isofs; do
    modprobe -S "$KVER" --show-depends "$m" | awk '$1 == "insmod" {print $2}'
done | while read -r ko; do
    b=$(basename "$ko")
    grep -qx "$b" "$R/modules.order" && continue
    cp "$ko" "$R/lib/modules/"
    echo "$b" >>"$R/modules.order"
done
: >"$R/modules.debug"
modprobe -S "$KVER" --show-depends scsi_debug | awk '$1 == "insmod" {print $2}' |
    while read -r ko; do
        b=$(basename "$ko")
        grep -qx "$b" "$R/modules.order" "$R/modules.debug" && continue
        cp "$ko" "$R/lib/modules/"
        echo "$b" >>"$R/modules.debug"
    done
# The modules only some runs need (GUEST_MODULES, the network card's).
: >"$R/modules.extra"
for m in $EXTRA_MODULES; do
    modprobe -S "$KVER" --show-depends "$m" | awk '$1 == "insmod" {print $2}'
done | while read -r ko; do
    b=$(basename "$ko")
    grep -qx "$b" "$R/modules.order" "$R/modules.extra" && continue
    cp "$ko" "$R/lib/modules/"
    echo "$b" >>"$R/modules.extra"
done
cat >"$R/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/usr/bin HOME=/tmp XDG_STATE_HOME=/tmp/state
export MODECON_DATA_DIR=/share/modecon
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export LSAN_OPTIONS=suppressions=/lsan.supp
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
mkdir -p /dev/pts
mount -t devpts devpts /dev/pts
fail() {
    echo "guest: $*"
    echo "=== GUEST-RESULT rc=125"
    poweroff -f
}
for m in $(cat /modules.order); do
    insmod /lib/modules/$m || fail "insmod $m failed"
done
MODE=$(sed -n 's/.*guest_mode=\([a-z]*\).*/\1/p' /proc/cmdline)
DRIVES=$(sed -n 's/.*guest_drives=\([0-9]*\).*/\1/p' /proc/cmdline)
if [ "$MODE" = scsidebug ]; then
    for m in $(cat /modules.debug); do
        case $m in
        scsi_debug.ko) insmod /lib/modules/$m ptype=5 removable=1 \
            sector_size=2048 dev_size_mb=4 delay=0 ;;
        *) insmod /lib/modules/$m || fail "insmod $m failed" ;;
        esac
    done
fi
for m in $(cat /modules.extra); do
    insmod /lib/modules/$m || fail "insmod $m failed"
done
if grep -q guest_net=1 /proc/cmdline; then
    for _ in $(seq 100); do
        [ -e /sys/class/net/eth0 ] && break
        sleep 0.05
    done
    # QEMU's user network: the guest is 10.0.2.15, the host 10.0.2.2.
    ip link set lo up
    ip link set eth0 up || fail "no network card"
    ip addr add 10.0.2.15/24 dev eth0
    ip route add default via 10.0.2.2
fi
# Every drive with its sr node, or the run says which are missing.
found=0
for _ in $(seq 400); do
    found=$(ls -d /sys/class/scsi_generic/sg*/device/block/sr* 2>/dev/null | wc -l)
    [ "$found" -ge "$DRIVES" ] && break
    sleep 0.05
done
[ "$found" -ge "$DRIVES" ] || fail "$found of $DRIVES drives appeared"
echo "=== GUEST-START $MODE"
sh /test.sh
echo "=== GUEST-RESULT rc=$?"
poweroff -f
INIT
chmod +x "$R/init"
(cd "$R" && find . | cpio -o -H newc --quiet | gzip -1) >"$W/initrd.gz"

DRIVES=2
case $MODE in
virtio)
    DEV=(-device virtio-scsi-pci,id=scsi0
         -drive if=none,id=cd0,media=cdrom,format=raw,readonly=on,file="$W/disc.iso"
         -device scsi-cd,bus=scsi0.0,scsi-id=0,lun=0,drive=cd0
         -drive if=none,id=cd1,media=cdrom
         -device scsi-cd,bus=scsi0.0,scsi-id=1,lun=0,drive=cd1) ;;
ide)
    DEV=(-drive if=none,id=cd0,media=cdrom,format=raw,readonly=on,file="$W/disc.iso"
         -device ide-cd,bus=ide.1,unit=0,drive=cd0
         -drive if=none,id=cd1,media=cdrom
         -device ide-cd,bus=ide.1,unit=1,drive=cd1) ;;
scsidebug)
    DRIVES=1
    DEV=() ;;
*)
    echo "guest: unknown mode $MODE" >&2
    exit 125 ;;
esac

NET=0
if [ -n "${GUEST_FORWARD:-}" ]; then
    NET=1
    netdev=user,id=net0,restrict=on
    for pair in $GUEST_FORWARD; do
        netdev=$netdev,hostfwd=tcp:127.0.0.1:${pair%%:*}-:${pair#*:}
    done
    DEV+=(-netdev "$netdev" -device virtio-net-pci,netdev=net0)
fi

# -m 1024: ASan's shadow memory is mapped lazily, but its allocator wants
# room.  The serial console is the only output, written a line at a time
# so that a test can follow the guest while it runs; QEMU's pid goes to
# WORKDIR/qemu.pid, for such a test to stop the guest it started.
set -o pipefail
status=0
timeout 600 qemu-system-x86_64 -machine pc,accel=tcg -cpu max -m 1024 -smp 1 \
    -nodefaults -display none -monitor none -serial stdio -no-reboot \
    -kernel "$KERNEL" -initrd "$W/initrd.gz" -pidfile "$W/qemu.pid" \
    -append "console=ttyS0 quiet loglevel=3 panic=-1 guest_mode=$MODE guest_drives=$DRIVES guest_net=$NET" \
    ${DEV[@]+"${DEV[@]}"} </dev/null 2>&1 | sed -u 's/\r//g' >"$W/serial.log" || status=$?
cat "$W/serial.log"
[ "$status" = 124 ] && { echo "guest: out of time" >&2; exit 124; }
rc=$(sed -n 's/^=== GUEST-RESULT rc=\([0-9]*\).*/\1/p' "$W/serial.log" | tail -1)
[ -n "$rc" ] || { echo "guest: the test script never finished" >&2; exit 125; }
exit "$rc"
