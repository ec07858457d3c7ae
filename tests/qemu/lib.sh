# Helpers for the scripts run inside the QEMU guest (busybox sh): each
# check prints "ok" or "not ok" with what it saw; the script's exit
# status is the number of failed checks (guest.sh passes it on).
checks=0
failed=0
last=

ok() {
    checks=$((checks + 1))
    echo "ok $checks - $1"
}

not_ok() {
    checks=$((checks + 1))
    failed=$((failed + 1))
    echo "not ok $checks - $1"
    echo "  command: modecon $last"
    echo "$out" | sed 's/^/  out: /'
    echo "$err" | sed 's/^/  err: /'
}

# run ARGS...: modecon ARGS, keeping out, err and status.
run() {
    last="$*"
    out=$(modecon "$@" 2>/tmp/guest-err)
    status=$?
    err=$(cat /tmp/guest-err)
}

expect_status() {
    if [ "$status" = "$1" ]; then ok "modecon $last: exit $1"; else not_ok "modecon $last: exit $status, expected $1"; fi
}

expect_out() {
    case $out in
    *"$1"*) ok "modecon $last: says '$1'" ;;
    *) not_ok "modecon $last: did not say '$1'" ;;
    esac
}

expect_err() {
    case $err in
    *"$1"*) ok "modecon $last: warns '$1'" ;;
    *) not_ok "modecon $last: did not warn '$1'" ;;
    esac
}

# Byte N (from 0) of a page's current values as sdparm reads it: an
# independent look at what the drive holds.
sdparm_byte() {
    sdparm --page="$2" --hex "$1" 2>/dev/null |
        awk -v n="$3" '/Current:/ { getline; print $(n + 2); exit }'
}

# expect_sdparm DEV PAGE BYTE HEX WHAT: sdparm reads HEX at byte BYTE.
expect_sdparm() {
    got=$(sdparm_byte "$1" "$2" "$3")
    if [ "$got" = "$4" ]; then ok "sdparm reads $5"; else
        not_ok "sdparm reads page $2 byte $3 of $1 as '$got', not $4 ($5)"; fi
}

# expect_trace FILE PATTERN WHAT: a line of the trace matches (grep).
expect_trace() {
    if grep -q "$2" "$1"; then ok "trace: $3"; else not_ok "trace: no $3"; fi
}

done_checks() {
    echo "$checks checks, $failed failed"
    exit "$failed"
}
