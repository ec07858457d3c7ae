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

# expect_no_trace FILE PATTERN WHAT: no line of the trace matches.
expect_no_trace() {
    if [ ! -s "$1" ]; then not_ok "trace: $3: no trace was written"
    elif grep -q "$2" "$1"; then not_ok "trace: $3: $(grep "$2" "$1")"; else ok "trace: $3"; fi
}

# wait_for FILE PATTERN [COUNT]: until COUNT lines (1) of FILE match
# (grep), at most 60 s.
wait_for() {
    for _ in $(seq 600); do
        n=$(grep -c "$2" "$1" 2>/dev/null)
        [ "${n:-0}" -ge "${3:-1}" ] && return 0
        sleep 0.1
    done
    not_ok "not ${3:-1} lines matching '$2' in $1 after 60 s"
    return 1
}

# screen_wait PATTERN: until the console in tmux session 'console' shows
# PATTERN, at most 60 s.
screen_wait() {
    last="(console) waiting for '$1'"
    for _ in $(seq 600); do
        out=$(tmux capture-pane -p -t console 2>&1)
        case $out in
        *"$1"*) ok "console shows '$1'"; return 0 ;;
        esac
        sleep 0.1
    done
    err=
    not_ok "console does not show '$1'"
    return 1
}

done_checks() {
    echo "$checks checks, $failed failed"
    exit "$failed"
}
