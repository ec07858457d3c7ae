# Shared by the tmux scripts: source it after setting E2E_NAME and T (the
# tmux command with its private socket).

checks=0

fail() {
    echo "FAIL $E2E_NAME: $*" >&2
    $T capture-pane -p >&2 2>/dev/null
    exit 1
}

# Wait (at most 10 s, polling; never a blind sleep) until the screen
# shows TEXT.
wait_for() {
    for _ in $(seq 100); do
        $T capture-pane -p 2>/dev/null | grep -qF -- "$1" && {
            checks=$((checks + 1))
            return 0
        }
        sleep 0.1
    done
    fail "the screen never showed: $1"
}
