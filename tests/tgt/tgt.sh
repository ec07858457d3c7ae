#!/bin/bash
# A private tgt (Linux SCSI target) for the tests: an iSCSI target on
# 127.0.0.1 only, with MMC LUNs backed by ISO files made here.
#
#   tgt.sh port LO HI        print a free TCP port from LO to HI (below
#                            32668: the control socket's number is
#                            PORT % 60000 + 100, and tgtadm takes < 32768)
#   tgt.sh up DIR PORT       start tgtd, write DIR/tgtd.pid; prints the IQN
#   tgt.sh eject DIR         take the disc out of LUN 1 (online=0)
#   tgt.sh insert DIR        put the disc back (path set while offline)
#   tgt.sh chap DIR USER PW  require CHAP on the second target
#   tgt.sh down DIR          stop that tgtd, by its pid only
#
# Each tgtd gets its own control socket (-C, from the port), so neither a
# system tgtd nor another test's is touched.  Needs tgt and genisoimage.
set -eu

cmd=${1:?usage: tgt.sh port|up|eject|insert|chap|down DIR ...}
if [ "$cmd" = port ]; then
    lo=${2:?usage: tgt.sh port LO HI} hi=${3:?usage: tgt.sh port LO HI}
    listening=$(ss -Htln | awk '{print $4}' | sed 's/.*://')
    for port in $(shuf -i "$lo-$hi" -n 100); do
        grep -qx "$port" <<<"$listening" || { echo "$port"; exit 0; }
    done
    echo "tgt.sh: no free port from $lo to $hi" >&2
    exit 1
fi
dir=${2:?usage: tgt.sh $cmd DIR ...}
IQN=iqn.2026-11.invalid.modecon:cd
IQN_CHAP=iqn.2026-11.invalid.modecon:chap

ctl() { cat "$dir/tgtd.ctl"; }
adm() { tgtadm -C "$(ctl)" --lld iscsi "$@"; }

case $cmd in
up)
    port=${3:?usage: tgt.sh up DIR PORT}
    mkdir -p "$dir/root"
    echo "a disc for modecon's tests" >"$dir/root/README.TXT"
    genisoimage -quiet -V MODECON -J -r -o "$dir/disc.iso" "$dir/root"
    cp "$dir/disc.iso" "$dir/disc2.iso"
    # The control socket's number: below 65536, unique per port.
    echo $((port % 60000 + 100)) >"$dir/tgtd.ctl"
    mkdir -p /var/run/tgtd
    # -f keeps tgtd in the foreground so that $! is its own pid.
    setsid tgtd -f -C "$(ctl)" --iscsi portal=127.0.0.1:"$port" \
        >"$dir/tgtd.log" 2>&1 </dev/null &
    echo $! >"$dir/tgtd.pid"
    for _ in $(seq 100); do
        adm --mode target --op show >/dev/null 2>&1 && break
        sleep 0.05
    done
    adm --mode target --op new --tid 1 --targetname "$IQN"
    adm --mode logicalunit --op new --tid 1 --lun 1 --device-type cd \
        --backing-store "$dir/disc.iso"
    adm --mode target --op bind --tid 1 --initiator-address 127.0.0.1
    adm --mode target --op new --tid 2 --targetname "$IQN_CHAP"
    adm --mode logicalunit --op new --tid 2 --lun 1 --device-type cd \
        --backing-store "$dir/disc2.iso"
    adm --mode target --op bind --tid 2 --initiator-address 127.0.0.1
    echo "$IQN"
    ;;
eject)
    adm --mode logicalunit --op update --tid 1 --lun 1 --params online=0
    ;;
insert)
    # The backing file may change only while the LUN is offline; setting it
    # brings the LUN online again.
    adm --mode logicalunit --op update --tid 1 --lun 1 --params online=0
    adm --mode logicalunit --op update --tid 1 --lun 1 \
        --params path="$dir/disc.iso"
    ;;
chap)
    adm --mode account --op new --user "${3:?}" --password "${4:?}"
    adm --mode account --op bind --tid 2 --user "$3"
    ;;
down)
    [ -f "$dir/tgtd.pid" ] || exit 0
    pid=$(cat "$dir/tgtd.pid")
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    fi
    rm -f "$dir/tgtd.pid" "/var/run/tgtd/socket.$(ctl)" \
        "/var/run/tgtd/socket.$(ctl).lock"
    ;;
*)
    echo "tgt.sh: unknown command $cmd" >&2
    exit 2
    ;;
esac
