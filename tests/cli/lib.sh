# Shared by the command-line tests: a private state directory, a way to
# run modecon and keep its output and status, and assertions that say what
# they expected.
set -u
: "${MODECON:?set MODECON to the modecon binary}"
STATE=$(mktemp -d /tmp/modecon-cli-XXXXXX)
export XDG_STATE_HOME=$STATE
# Only the definitions the test names: none of the developer's own.
unset MODECON_PAGES
export XDG_CONFIG_HOME=$STATE/config
trap 'rm -rf "$STATE"' EXIT
TEST_NAME=$(basename "$0" .sh)
checks=0

fail() {
    echo "FAIL $TEST_NAME: $*" >&2
    echo "--- stdout:" >&2
    printf '%s\n' "${out-}" >&2
    echo "--- stderr:" >&2
    printf '%s\n' "${err-}" >&2
    exit 1
}

# run ARGS...: sets $out, $err and $status.
run() {
    out=$("$MODECON" "$@" 2>"$STATE/stderr")
    status=$?
    err=$(cat "$STATE/stderr")
}

# run_in INPUT ARGS...: the same with INPUT on stdin.
run_in() {
    local input=$1
    shift
    out=$(printf '%s\n' "$input" | "$MODECON" "$@" 2>"$STATE/stderr")
    status=$?
    err=$(cat "$STATE/stderr")
}

expect_status() {
    checks=$((checks + 1))
    [ "$status" -eq "$1" ] || fail "expected exit status $1, got $status"
}

expect_out() {
    checks=$((checks + 1))
    grep -qF -- "$1" <<<"$out" || fail "expected stdout to contain: $1"
}

expect_err() {
    checks=$((checks + 1))
    grep -qF -- "$1" <<<"$err" || fail "expected stderr to contain: $1"
}

expect_no_err() {
    checks=$((checks + 1))
    [ -z "$err" ] || fail "expected nothing on stderr"
}

done_ok() {
    echo "$TEST_NAME: $checks checks passed"
}

# flip_byte HEX OFFSET MASK: the hex page with byte OFFSET xor MASK.
flip_byte() {
    local -a bytes
    read -r -a bytes <<<"$(tr '\n' ' ' <<<"$1")"
    bytes[$2]=$(printf '%02x' $((0x${bytes[$2]} ^ $3)))
    echo "${bytes[*]}"
}

# byte_of HEX OFFSET: one byte of a hex page, as two hex digits.
byte_of() {
    local -a bytes
    read -r -a bytes <<<"$(tr '\n' ' ' <<<"$1")"
    echo "${bytes[$2]}"
}

# first_bit HEX_MASK WANT: "offset mask" of the first bit after the page
# header whose mask bit is WANT (1 changeable, 0 locked).
first_bit() {
    local -a bytes
    read -r -a bytes <<<"$(tr '\n' ' ' <<<"$1")"
    local i b
    for ((i = 2; i < ${#bytes[@]}; i++)); do
        for ((b = 7; b >= 0; b--)); do
            if [ $(((0x${bytes[$i]} >> b) & 1)) -eq "$2" ]; then
                echo "$i $((1 << b))"
                return
            fi
        done
    done
    fail "no bit with mask $2 in: $1"
}

# failsync_preload: the LD_PRELOAD list that loads the failing-disk shim
# (tests/shim/failsync.c) into modecon.  The sanitizer runtime must come
# first among the preloaded libraries (ASan refuses to start otherwise);
# a build without it has none.
failsync_preload() {
    local asan
    asan=$(ldd "$MODECON" 2>/dev/null | awk '/libasan/ { print $3 }')
    echo "${asan:+$asan }${MODECON_FAILSYNC:?built by tests/CMakeLists.txt}"
}
