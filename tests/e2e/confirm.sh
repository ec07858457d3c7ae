#!/bin/bash
# The console's confirmation dialogs show what their key will send, before
# it is pressed: a commit names the other pages whose saved values 's'
# would change, a forced edit is sent as the dialog says, an edit back to
# the drive's values leaves nothing to commit, and 'u' (undo) and 'D'
# (defaults) go through the same dialog.
set -u
: "${MODECON:?set MODECON to the modecon binary}"
STATE=$(mktemp -d /tmp/modecon-e2e-XXXXXX)
E2E_NAME=confirm
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
D=emu:dvd-writer
AUDIT=$STATE/modecon/audit.jsonl

cli() {
    XDG_STATE_HOME=$STATE XDG_CONFIG_HOME=$STATE "$MODECON" "$@"
}

# audit_lines: the MODE SELECTs the audit log holds the outcome of.
audit_lines() {
    local n=0
    [ -f "$AUDIT" ] && n=$(grep -c '"event":"outcome"' "$AUDIT")
    echo "$n"
}

expect_audit_lines() {
    checks=$((checks + 1))
    [ "$(audit_lines)" -eq "$1" ] ||
        fail "expected $1 audit lines, found $(audit_lines): $(cat "$AUDIT" 2>/dev/null)"
}

# wait_audit_lines N: poll (at most 20 s) until the audit log has N lines.
wait_audit_lines() {
    for _ in $(seq 200); do
        [ "$(audit_lines)" -eq "$1" ] && {
            checks=$((checks + 1))
            return 0
        }
        sleep 0.1
    done
    fail "expected $1 audit lines, found $(audit_lines)"
}

# wait_caching HEX: poll (at most 20 s) until the drive's Caching page
# holds HEX.
wait_caching() {
    for _ in $(seq 200); do
        [ "$(cli get $D caching)" = "$1" ] && {
            checks=$((checks + 1))
            return 0
        }
        sleep 0.1
    done
    fail "the Caching page never became $1: $(cli get $D caching)"
}

# wait_gone TEXT: poll (at most 20 s) until the screen no longer shows
# TEXT.
wait_gone() {
    for _ in $(seq 200); do
        $T capture-pane -p 2>/dev/null | grep -qF -- "$1" || {
            checks=$((checks + 1))
            return 0
        }
        sleep 0.1
    done
    fail "the screen still shows: $1"
}

# command LINE: type LINE at the console's command line.
command() {
    $T send-keys :
    $T send-keys -l "$1"
    $T send-keys Enter
}

e2e_next_server
$T new-session -d -x 100 -y 30 \
    "env XDG_STATE_HOME=$STATE XDG_CONFIG_HOME=$STATE TERM=xterm ASAN_OPTIONS=${ASAN_OPTIONS:-} LSAN_OPTIONS=${LSAN_OPTIONS:-} UBSAN_OPTIONS=${UBSAN_OPTIONS:-} $MODECON console $D; echo \"EXITED \$?\"; sleep 60"
wait_for "DVD-RW WRITER"

# --- c on a savable page: the dialog lists, before s is pressed, what
# saving would also change: the page's own saved values and those of
# page 01, whose current RRC (16) differs from its saved one (32).
command "page caching"
wait_for "08 Caching, 12 bytes, savable"
command "edit WCE=0"
wait_for "WCE: 1 -> 0 (staged)"
$T send-keys c
wait_for "Commit these changes?"
wait_for "commit --save (s) would also change saved values"
wait_for "page 0x08 (Caching): WCE: 1 -> 0 (saved values)"
wait_for "page 0x01 (Read/Write Error Recovery): RRC: 32 -> 16 (saved"
wait_for "s commit and save"
expect_audit_lines 0
$T send-keys s
wait_for "the drive applied the last commit"
cli get $D 1 --type saved | grep -q "^81 0a c4 10" ||
    fail "page 01's saved RRC is not 16 after s: $(cli get $D 1 --type saved)"
checks=$((checks + 1))
saved_lines=$(audit_lines)

# --- u: the undo's dry run, its MODE SELECTs included, then y undoes it,
# saved values of page 01 too.
$T send-keys u
wait_for "Undo the drive's last command?"
wait_for "undoing 'modecon console: set' of page 0x08 (Caching) (saved values)"
wait_for "55 11 00 00 00 00 00 00 14 00"
wait_for "y undo it   n cancel"
expect_audit_lines "$saved_lines"
$T send-keys n
wait_for "undo cancelled: nothing was sent"
expect_audit_lines "$saved_lines"
# A command recorded while the dialog is open is not undone unseen: y
# undoes what the dialog showed or nothing.
$T send-keys u
wait_for "Undo the drive's last command?"
cli set $D 1 RRC=8 >/dev/null 2>&1 || fail "set RRC=8 from the command line failed"
$T send-keys y
wait_for "it came after the undo was"
cli get $D 1 | grep -q "^81 0a c4 08" ||
    fail "page 01's RRC set meanwhile was undone: $(cli get $D 1)"
checks=$((checks + 1))
cli undo $D >/dev/null 2>&1 || fail "undo of RRC=8 from the command line failed"
saved_lines=$(audit_lines)
$T send-keys Escape
$T send-keys u
wait_for "Undo the drive's last command?"
$T send-keys y
wait_for "undone; no earlier change of this drive is on record"
[ "$(cli get $D caching --type saved)" = "88 0a 04 00 00 00 00 00 00 00 00 00" ] ||
    fail "the saved caching page is not back: $(cli get $D caching --type saved)"
cli get $D 1 --type saved | grep -q "^81 0a c4 20" ||
    fail "page 01's saved RRC is not back to 32: $(cli get $D 1 --type saved)"
checks=$((checks + 2))

# --- An edit back to the drive's value leaves nothing staged: the title
# loses [staged], c has nothing to commit, and nothing is sent: no audit
# line, nothing for u to undo.
lines=$(audit_lines)
command "edit WCE=0"
wait_for "[staged]"
command "edit WCE=1"
wait_for "WCE: back to 1, as the drive has it; nothing is staged"
wait_gone "[staged]"
$T send-keys c
wait_for "nothing is staged for this page"
expect_audit_lines "$lines"
$T send-keys u
wait_for "no change of this drive is recorded"

# --- D: the defaults' dry run, then y writes them.
command "set WCE=0"
wait_audit_lines $((lines + 1))
wait_caching "88 0a 00 00 00 00 00 00 00 00 00 00"
# set's answer has several lines: it opens in the output view.
wait_for "Esc closes"
$T send-keys Escape
lines=$(audit_lines)
$T send-keys D
wait_for "Write the drive's defaults into this page?"
wait_for "WCE: 0 -> 1"
wait_for "55 10 00 00 00 00 00 00 14 00"
wait_for "s write and save"
$T send-keys n
wait_for "defaults cancelled: nothing was sent"
expect_audit_lines "$lines"
$T send-keys D
wait_for "Write the drive's defaults into this page?"
$T send-keys y
wait_audit_lines $((lines + 1))
wait_caching "88 0a 04 00 00 00 00 00 00 00 00 00"

# --- A forced edit of a field the drive does not let change: the dialog
# says it is sent anyway, and y sends it (the drive refuses it).
command "page 5"
wait_for "05 Write Parameters, 52 bytes"
command "edit --force MCVAL=1"
wait_for "MCVAL: 0 -> 1 (staged)"
# The warning and the staged line: the answer opens in the output view.
wait_for "Esc closes"
$T send-keys Escape
lines=$(audit_lines)
$T send-keys c
wait_for "Commit these changes?"
wait_for "MCVAL is not changeable on this drive; sending anyway (--force)"
wait_for "y commit to current values (not savable)"
$T send-keys y
wait_for "ILLEGAL REQUEST"
$T capture-pane -p | grep -q "nothing was sent" &&
    fail "the forced commit was not sent, as its dialog said it would be"
expect_audit_lines $((lines + 1))
checks=$((checks + 1))
tail -1 "$AUDIT" | grep -q '"page":"0x05".*"verification":"refused"' ||
    fail "the forced MODE SELECT is not in the audit log: $(tail -1 "$AUDIT")"

# --- F1 lists the new keys.
$T send-keys F1
wait_for "confirm-undo"
wait_for "confirm-defaults"
$T send-keys Escape
$T send-keys q
$T send-keys q
wait_for "EXITED 0"

echo "confirm: $checks checks passed"
