#!/bin/bash
# Remote drives over iSCSI, against a real tgt target on 127.0.0.1 that
# this test starts and stops (tests/tgt/tgt.sh): identity, the page list,
# the four page controls, refused and forced changes, the UNIT ATTENTION
# after login, discovery, eject and insert, CHAP, wrong names, and a
# target that hangs, dies and comes back.
. "$(dirname "$0")/lib.sh"
TGT="bash $(dirname "$0")/../tgt/tgt.sh"
trap '$TGT down "$STATE/tgt" >/dev/null 2>&1; rm -rf "$STATE"' EXIT

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
# in, and the password is not shown.
$TGT chap "$STATE/tgt" technician 's3cret-pass'
CHAP=iqn.2026-11.invalid.modecon:chap/1
run pages "$PORTAL/$CHAP"
expect_status 1
expect_err "E_ACCESS_DENIED (0x80070005)"
expect_err "it may need CHAP"
run pages "iscsi://technician%wrong@127.0.0.1:$port/$CHAP"
expect_status 1
expect_err "the target refused the login with these CHAP credentials"
run list "iscsi://technician%s3cret-pass@127.0.0.1:$port/$CHAP"
expect_status 0
expect_out "iscsi://technician@127.0.0.1:$port/$CHAP"
grep -q "s3cret" <<<"$out$err" && fail "the password was shown"
checks=$((checks + 1))

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
