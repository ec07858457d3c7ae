# In the guest: QEMU's ide-cd (ATAPI through libata), /dev/sr0 with a
# disc and /dev/sr1 without (see guest.sh).
. /lib.sh

run list
expect_status 0
expect_out "/dev/sr0               QEMU     QEMU DVD-ROM     2.5+  ready"

# Page 3F is refused (05/24/00), so the pages are asked one by one; page
# 01 is 8 bytes here, not MMC's 12.
run --trace /tmp/trace pages /dev/sr0
expect_status 0
pages=$(echo "$out" | awk '/^0x/ {print $1 "/" $(NF - 1)}' | tr '\n' ' ')
[ "$pages" = "0x01/8 0x0e/16 0x2a/22 " ] && ok "pages one by one: $pages" ||
    not_ok "pages: $pages"
expect_trace /tmp/trace '"cdb":"5a 08 3f' "page 3F was asked first"

# ATAPI sense has response code F0 (VALID set): decoded all the same.
run --trace /tmp/trace-chg get /dev/sr0 1 --type changeable
expect_status 1
expect_err "E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE"
expect_err "05/24/00"
expect_trace /tmp/trace-chg '"sense":"f0 00 05' "the sense kept raw: response code f0"

# MODE SELECT is not implemented (05/20/00): said so, nothing changed.
run set /dev/sr0 1 RRC=3 --force
expect_status 1
expect_err "the drive does not support MODE SELECT(10) [sense 05/20/00"
run get /dev/sr0 1
expect_out "01 06 00 05"

done_checks
