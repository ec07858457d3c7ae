#!/bin/sh
# Install the Debian 12 packages modecon needs to build and test, if any
# are missing.  Runs apt-get as root, or through sudo otherwise.
set -eu
packages="build-essential cmake pkg-config git clang-format
libjansson-dev libsgutils2-dev libcriterion-dev libedit-dev libncurses-dev
libiscsi-dev procps jq tmux tgt genisoimage iproute2
qemu-system-x86 linux-image-amd64 clang-14 libclang-rt-14-dev valgrind busybox-static sdparm sg3-utils cpio kmod strace perl-base"
missing=
for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
        missing="$missing $p"
done
[ -z "$missing" ] && exit 0
as_root=
[ "$(id -u)" -eq 0 ] || as_root=sudo
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
$as_root apt-get update -q
# shellcheck disable=SC2086
$as_root apt-get install -y -q --no-install-recommends $missing
