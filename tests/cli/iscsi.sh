#!/bin/bash
# Remote drives over iSCSI, against a real tgt target on 127.0.0.1 that
# this test starts and stops (tests/tgt/tgt.sh): identity, the page list,
# the four page controls, refused and forced changes, the UNIT ATTENTION
# after login, discovery, eject and insert, CHAP, wrong names, and a
# target that hangs, dies and comes back.
. "$(dirname "$0")/lib.sh"
TGT="bash $(dirname "$0")/../tgt/tgt.sh"
trap '$TGT down "$STATE/tgt" >/dev/null 2>&1; rm -rf "$STATE"' EXIT

# --- A bad usage never logs in, and the words it quotes hold no password:
# a word left over after -c, an unknown option, an option's bad value,
# before the command and among a front end's arguments.
BAD="iscsi://u%Pw0a;Pw0b@127.0.0.1/iqn.x:y/0"
BAD_SHOWN="iscsi://u@127.0.0.1/iqn.x:y/0"
# usage WANT ARGS...: refused as a bad usage, saying WANT, with no piece of
# the password in anything it printed.
usage() {
    local want=$1
    shift
    run "$@"
    expect_status 2
    expect_err "$want"
    grep -q Pw0 <<<"$out$err" && fail "a password was shown"
    checks=$((checks + 1))
}
usage "-c takes the whole line: '$BAD_SHOWN' is left over" -c open "$BAD"
usage "unknown option '-c=$BAD_SHOWN'" "-c=$BAD"
usage "--timeout '$BAD_SHOWN': expected a number" --timeout "$BAD" list
usage "--ready-wait '$BAD_SHOWN': expected a number" "--ready-wait=$BAD" list
usage "--timeout '$BAD_SHOWN': expected a number" shell --timeout "$BAD"
usage "--ready-wait '$BAD_SHOWN': expected a number" console "--ready-wait=$BAD"
# A word that only looks like a URI (a typo in the scheme) names no drive,
# and is shown without its password all the same.
usage "-c takes the whole line: 's$BAD_SHOWN' is left over" -c open "s$BAD"
usage "unknown option '-$BAD_SHOWN'" "-$BAD"
# An "iscsi:" inside a password: all after the '%' goes, from the output
# and from the shell's history.
printf '%s\n' "get iscsi://u%Pw0c/iscsi:Pw0d@127.0.0.1/iqn.x:y/0 5" \
    "get 'iscsi://u%Pw0e@Pw0f/iscsi:Pw0g@127.0.0.1/iqn.x:y/0' 5" quit |
    "$MODECON" shell >"$STATE/embedded.out" 2>&1
grep -qF "iscsi://u%" "$STATE/modecon/history" ||
    fail "the shell's history lost the line: $(cat "$STATE/modecon/history")"
grep -q Pw0 "$STATE/embedded.out" "$STATE/modecon/history" &&
    fail "a password was shown or kept: $(cat "$STATE"/embedded.out \
        "$STATE/modecon/history")"
checks=$((checks + 2))

port=$($TGT port 20000 24999) || fail "no free port"
mkdir -p "$STATE/tgt"
IQN=$($TGT up "$STATE/tgt" "$port") || fail "tgtd did not start"
PORTAL=iscsi://127.0.0.1:$port
U=$PORTAL/$IQN/1

# --- What the drive is and holds.  tgt lists its pages out of order, with
# subpage 0A/01 under page 3F; modecon sorts them.
run list "$U"
expect_status 0
expect_out "IET      VIRTUAL-CDROM    0001  ready"
run pages "$U"
expect_status 0
expect_out "0x0a,0x01"
pages=$(awk '/^0x/ {print $1}' <<<"$out" | tr '\n' ' ')
[ "$pages" = "0x00 0x01 0x03 0x05 0x08 0x0a 0x0a,0x01 0x1a 0x1c 0x1d 0x2a " ] ||
    fail "pages not as tgt has them, in order: $pages"

# --- The first command after login meets UNIT ATTENTION 06/29/00 (power
# on or reset), which is retried; the trace keeps the raw sense.
run --trace "$STATE/trace" get "$U" 5
expect_status 0
expect_out "05 32 62 05"
grep -q '"sense":"70 00 06 00 00 00 00 0a 00 00 00 00 29 00' "$STATE/trace" ||
    fail "the trace has no UNIT ATTENTION 06/29/00 after login"
checks=$((checks + 1))

# --- All four page controls: tgt has no saved values.
for type in current changeable default; do
    run get "$U" 5 --type $type
    expect_status 0
done
run get "$U" 5 --type saved
expect_status 1
expect_err "E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE (0xC0AA0201)"
expect_err "05/39/00"

# --- tgt reports no changeable bits: the edit is refused before anything
# is sent; forced, tgt answers GOOD and changes nothing.
run --trace "$STATE/trace-set" set "$U" 5 WR_T=TAO
expect_status 2
expect_err "WR_T is not changeable on this drive"
grep -q '"cdb":"55 ' "$STATE/trace-set" && fail "a MODE SELECT was sent"
checks=$((checks + 1))
run set "$U" 5 WR_T=TAO --force
expect_status 3
expect_out "WR_T: NOT applied: the drive has SAO (2)"
expect_err "accepted the change but did not apply all of it"

# --- Discovery: both targets, MMC LUNs before tgt's controller LUNs.
run list "$PORTAL"
expect_status 0
expect_out "$PORTAL/$IQN/1"
expect_out "$PORTAL/iqn.2026-11.invalid.modecon:chap/1"
expect_out "not MMC: array controller (type 0x0c)"
last_mmc=$(grep -n "VIRTUAL-CDROM" <<<"$out" | tail -1 | cut -d: -f1)
first_other=$(grep -n "not MMC" <<<"$out" | head -1 | cut -d: -f1)
[ "$last_mmc" -lt "$first_other" ] || fail "MMC LUNs are not listed first"
checks=$((checks + 1))

# --- Eject and insert through tgtadm: TEST UNIT READY follows.
$TGT eject "$STATE/tgt"
run list "$U"
expect_out "no medium"
$TGT insert "$STATE/tgt"
run list "$U"
expect_out "ready"

# --- Wrong names, each said plainly.
run pages "$PORTAL/iqn.2026-11.invalid.modecon:nothing/1"
expect_status 1
expect_err "has no target named iqn.2026-11.invalid.modecon:nothing"
run pages "$PORTAL/$IQN/7"
expect_status 1
expect_err "has no LUN 7 (its LUNs: 0, 1)"
closed=$((port + 1))
ss -ltn | grep -q ":$closed " || {
    run pages "iscsi://127.0.0.1:$closed/$IQN/1"
    expect_status 1
    expect_err "HRESULT_ERROR_DEV_NOT_EXIST (0x80070037)"
    expect_err "cannot connect to 127.0.0.1:$closed"
}
run pages "iscsi://127.0.0.1:$port/$IQN"
expect_status 2
expect_err "the LUN is missing after the target"
# A host that does not resolve is named as such (.invalid never does,
# RFC 6761).
run pages "iscsi://nowhere.invalid:$port/$IQN/1"
expect_status 1
expect_err "cannot find the host 'nowhere.invalid'"

# --- CHAP: no credentials and wrong ones are refused, the right ones log
# in.  The password holds what broke redaction or parsing before (';', a
# space, quotes, '@', '%40', '/', '?', '#'), each piece distinct so that a
# piece left anywhere is found.
PW='Pw1;Pw2 Pw3"Pw4'\''Pw5@Pw6%40Pw7/Pw8?Pw9#Pw10'
$TGT chap "$STATE/tgt" technician "$PW"
CHAP=iqn.2026-11.invalid.modecon:chap/1
UP="iscsi://technician%$PW@127.0.0.1:$port/$CHAP"
SHOWN="iscsi://technician@127.0.0.1:$port/$CHAP"
# A word quoted for the command language.
q() { printf "'%s'" "${1//\'/\'\\\'\'}"; }
seen=$STATE/seen # every output, searched for the password at the end
run pages "$PORTAL/$CHAP"
expect_status 1
expect_err "E_ACCESS_DENIED (0x80070005)"
expect_err "it may need CHAP"
run pages "iscsi://technician%wrong@127.0.0.1:$port/$CHAP"
expect_status 1
expect_err "the target refused the login with these CHAP credentials"
run list "$UP"
expect_status 0
expect_out "$SHOWN"
expect_err "a CHAP password was on the command line"
printf '%s\n%s\n' "$out" "$err" >>"$seen"

# --- Nowhere is the password shown or kept: the output of commands that
# read and of commands that change the drive, errors, the journal, the
# audit log, the undo record, snapshots, the shell's history and saved
# scripts.  The user name is shown.
saw() { printf '%s\n%s\n' "$out" "$err" >>"$seen"; }
run --trace "$STATE/chap.trace" -c "open $(q "$UP"); get 5"
expect_status 0
expect_out "$SHOWN: IET VIRTUAL-CDROM"
saw
run show "$UP" 5
saw
# The portal's LUNs, each logged in to as the portal's user.
run list "iscsi://technician%$PW@127.0.0.1:$port"
expect_status 0
expect_out "$SHOWN IET"
saw
run set "$UP" 5 WR_T=TAO --force
expect_status 3
saw
run set "$UP" 5 WR_T=TAO --force --save
saw
grep -q "\"uri\":\"$SHOWN\"" "$STATE/modecon/audit.jsonl" ||
    fail "the audit log does not name $SHOWN"
checks=$((checks + 1))
run diff "$UP" emu:cd-atapi
saw
expect_out "$SHOWN"
expect_out "only in emu:cd-atapi"
run diff emu:cd-atapi "$UP"
saw
expect_out "only in $SHOWN"
# (tgt's page 00h is malformed, which a snapshot of it names.)
run snapshot "$UP" -o "$STATE/chap.json"
saw
run snapshot emu:cd-atapi -o "$STATE/emu.json"
run restore "$UP" "$STATE/emu.json" --page 5
saw
run undo "$UP"
saw
grep -qF "undo $SHOWN" "$STATE/modecon/journal" ||
    fail "the journal does not name $SHOWN"
checks=$((checks + 1))
printf '# drive emu:cd-atapi: NOT THIS ONE\nshow emu:cd-atapi 5\n' \
    >"$STATE/other.replay"
run replay "$STATE/other.replay" --drive "$UP"
saw
expect_err "replaying on $SHOWN (IET VIRTUAL-CDROM 0001)"
# A replayed line that fails is quoted without the password; the file
# (which holds it) goes at once.
printf '%s\n' "get $(q "$UP") 0x3e" >"$STATE/chap.replay"
run replay "$STATE/chap.replay"
rm "$STATE/chap.replay"
expect_status 1
expect_err "chap.replay:1: "
expect_err "iscsi://technician@127.0.0.1:$port/" # maybe cut short after
saw
run get "iscsi://technician%$PW@127.0.0.1:99999/$CHAP" 5
expect_status 2
expect_err "'iscsi://technician@127.0.0.1:99999/$CHAP': the port is not 1 to 65535"
saw
# A wrong password holding '/' or '?' is a password still, refused by the
# target: no piece of it is looked up as a host or quoted.
run get "iscsi://technician%Pw11/Pw12@127.0.0.1:$port/$CHAP" 5
expect_status 1
expect_err "the target refused the login with these CHAP credentials"
saw
grep -q "cannot find the host" <<<"$err" && fail "a password was looked up"
run get "iscsi://technician%Pw13?Pw14@127.0.0.1:$port/$CHAP" 5
expect_status 1
expect_err "the target refused the login with these CHAP credentials"
saw
# The '@HOST' forgotten: a host holding '%' is refused, not looked up.
run get "iscsi://technician%Pw15/$CHAP" 5
expect_status 2
expect_err "'iscsi://technician': the host holds '%'"
saw
grep -q "cannot find the host" <<<"$err" && fail "a password was looked up"
checks=$((checks + 2))
run get "ISCSI://technician%$PW@127.0.0.1:$port/$CHAP" 5
expect_status 2
expect_err "'ISCSI://technician@127.0.0.1:$port/$CHAP' is not a drive"
saw
# The shell: its history file and a saved script.
printf '%s\n' "open $(q "$UP")" "get 5" "set WR_T=TAO --force" \
    "history save $STATE/session.script" "quit" |
    "$MODECON" shell >>"$seen" 2>&1
grep -qF "$SHOWN" "$STATE/session.script" ||
    { cat "$STATE/session.script"; fail "the saved script lost the drive"; }
grep -qF "$SHOWN" "$STATE/modecon/history" ||
    { cat "$STATE/modecon/history"; fail "the history lost the drive"; }
checks=$((checks + 2))

# --- The password without the command line: MODECON_ISCSI_PASSWORD, a
# file of mode 0600 (one others may read is refused, named), libiscsi's
# LIBISCSI_CHAP_PASSWORD; none of them, and no terminal to ask on: said.
MODECON_ISCSI_PASSWORD=$PW run list "$SHOWN"
expect_status 0
expect_out "$SHOWN IET"
expect_no_err
printf '%s\n' "$PW" >"$STATE/chap.pw"
chmod 644 "$STATE/chap.pw"
MODECON_ISCSI_PASSWORD_FILE=$STATE/chap.pw run list "$SHOWN"
expect_status 1
expect_err "MODECON_ISCSI_PASSWORD_FILE $STATE/chap.pw: other users may read"
chmod 600 "$STATE/chap.pw"
MODECON_ISCSI_PASSWORD_FILE=$STATE/chap.pw run -c "open $SHOWN; get 5"
expect_status 0
expect_out "05 32 62 05"
rm "$STATE/chap.pw"
LIBISCSI_CHAP_PASSWORD=$PW run get "$SHOWN" 5
expect_status 0
expect_out "05 32 62 05"
# setsid: no controlling terminal, so no prompt.
out=$(setsid -w "$MODECON" get "$SHOWN" 5 </dev/null 2>"$STATE/stderr")
status=$?
err=$(cat "$STATE/stderr")
expect_status 1
expect_err "no CHAP password for technician: name a file of mode 0600"
saw

# --- /proc/PID/cmdline, which every user reads, loses the password at
# once (the warning comes after), and the process holding it is not
# dumpable: the kernel then owns its /proc files, which it gives to the
# process's user otherwise (run as nobody to see the difference).
# Under valgrind the process's command line is valgrind's own, which
# modecon cannot rewrite: the sanitizer and release builds check it.
if [ -z "${MODECON_MEMCHECK-}" ]; then
    nobody_state=$(mktemp -d /tmp/modecon-cli-nobody-XXXXXX)
    chmod 755 "$nobody_state"
    chown 65534:65534 "$nobody_state"
    # hold URI: a modecon run as nobody that reads its page from a FIFO, and
    # waits there; held is its pid once it is modecon (not the shell that
    # forked it, nor setpriv or env).
    hold() {
        rm -f "$STATE/hold.fifo"
        mkfifo "$STATE/hold.fifo"
        chmod 666 "$STATE/hold.fifo"
        setpriv --reuid=65534 --regid=65534 --clear-groups \
            env XDG_STATE_HOME="$nobody_state" "$MODECON" set "$1" 5 --data - \
            <"$STATE/hold.fifo" >"$STATE/hold.out" 2>&1 &
        held=$!
        exec 8>"$STATE/hold.fifo"
        for _ in $(seq 100); do
            [ "$(tr '\0' '\n' <"/proc/$held/cmdline" | head -1)" = "$MODECON" ] &&
                break
            sleep 0.1
        done
    }
    release() {
        exec 8>&-
        wait "$held"
    }
    hold "$U"
    owner=$(stat -c %u "/proc/$held/status")
    release
    [ "$owner" = 65534 ] || fail "without a secret /proc/PID is owned by $owner"
    hold "$UP"
    for _ in $(seq 100); do
        grep -q "a CHAP password was on the command line" "$STATE/hold.out" &&
            break
        sleep 0.1
    done
    tr '\0' ' ' <"/proc/$held/cmdline" >"$STATE/cmdline"
    owner=$(stat -c %u "/proc/$held/status")
    release
    cat "$STATE/hold.out" >>"$seen"
    grep -q "technician@127.0.0.1" "$STATE/cmdline" ||
        fail "the cmdline lost the drive: $(cat "$STATE/cmdline")"
    grep -q "Pw[0-9]" "$STATE/cmdline" &&
        fail "/proc/PID/cmdline shows the password: $(cat "$STATE/cmdline")"
    [ "$owner" = 0 ] || fail "a process holding a password is dumpable"
    checks=$((checks + 4))
    cat "$nobody_state"/modecon/* >>"$seen" 2>/dev/null
    rm -rf "$nobody_state"
fi

leaks=$( (cat "$seen"; find "$STATE" -path "$STATE/tgt" -prune -o -type f \
    -print0 | xargs -0 cat) | grep -a "Pw[0-9]")
[ -z "$leaks" ] || fail "the password was shown or kept: $leaks"
grep -q "technician@127.0.0.1" "$seen" || fail "the user name was not shown"
checks=$((checks + 2))

# --- A target that stops answering: COMMAND_TIMEOUT after --timeout, no
# hang; a target killed in a session: DEV_NOT_EXIST; restarted, the same
# session's next command logs in again.
pid=$(cat "$STATE/tgt/tgtd.pid")
kill -STOP "$pid"
run --timeout 2 -c "open $U"
kill -CONT "$pid"
expect_status 1
expect_err "E_IMAPI_RECORDER_COMMAND_TIMEOUT (0xC0AA020D)"

fifo=$STATE/fifo
mkfifo "$fifo"
"$MODECON" shell <"$fifo" >"$STATE/shell.out" 2>&1 &
shell=$!
exec 7>"$fifo"
echo "open $U" >&7
echo "get 5" >&7
for _ in $(seq 50); do
    grep -q "^05 32 62 05" "$STATE/shell.out" && break
    sleep 0.1
done
kill -KILL "$pid"
echo "get 5" >&7
for _ in $(seq 50); do
    grep -q "0x80070037" "$STATE/shell.out" && break
    sleep 0.1
done
grep -q "HRESULT_ERROR_DEV_NOT_EXIST (0x80070037)" "$STATE/shell.out" ||
    { cat "$STATE/shell.out"; fail "a killed target was not DEV_NOT_EXIST"; }
$TGT down "$STATE/tgt" >/dev/null
$TGT up "$STATE/tgt" "$port" >/dev/null
echo "get 5" >&7
echo "quit" >&7
exec 7>&-
wait "$shell"
[ "$(grep -c "^05 32 62 05" "$STATE/shell.out")" -eq 2 ] ||
    { cat "$STATE/shell.out"; fail "no reconnect after the target restarted"; }
checks=$((checks + 2))

done_ok
