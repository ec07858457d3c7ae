# Shared by the tmux scripts: source it after setting E2E_NAME and STATE
# (a directory removed at the end).  $T is the tmux command of the
# script's private server; e2e_next_server replaces it with a new one.

checks=0
E2E_SOCK=modecon-e2e-$E2E_NAME$$
e2e_servers=0
T="tmux -L $E2E_SOCK-0 -f /dev/null"

# A new server for each start: a killed server's socket may linger a
# moment, and a session started on it dies with it.
e2e_next_server() {
    $T kill-server 2>/dev/null
    e2e_servers=$((e2e_servers + 1))
    T="tmux -L $E2E_SOCK-$e2e_servers -f /dev/null"
}

e2e_cleanup() {
    for i in $(seq 0 "$e2e_servers"); do
        tmux -L "$E2E_SOCK-$i" kill-server 2>/dev/null
    done
    rm -rf "$STATE"
}
trap e2e_cleanup EXIT

fail() {
    echo "FAIL $E2E_NAME: $*" >&2
    $T capture-pane -p >&2 2>/dev/null
    exit 1
}

# Wait (at most 20 s, polling; never a blind sleep) until the screen
# shows TEXT.  A loaded machine running the sanitizer build has been seen
# to need more than 10 s for a step; a hang still fails here.
wait_for() {
    for _ in $(seq 200); do
        $T capture-pane -p 2>/dev/null | grep -qF -- "$1" && {
            checks=$((checks + 1))
            return 0
        }
        sleep 0.1
    done
    fail "the screen never showed: $1"
}
