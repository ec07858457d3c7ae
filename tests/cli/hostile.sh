#!/bin/bash
# Strings from outside never reach the terminal as escape sequences: iSCSI
# target names from SendTargets, drive answers, drive files' names,
# members and values, page definitions and replay lines all show their
# control characters as \xHH, on standard output and standard error, in
# text and in JSON.  And an error that quotes a huge string from outside
# quotes a bounded excerpt and keeps its reason.
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
TGT="bash $here/../tgt/tgt.sh"
trap '[ -f "$STATE/portal.pid" ] && kill "$(cat "$STATE/portal.pid")";
      $TGT down "$STATE/tgt" >/dev/null 2>&1; rm -rf "$STATE"' EXIT

ESC=$'\e' BEL=$'\a' CSI=$'\xc2\x9b'

# Neither stream holds a byte a terminal acts on: ESC, BEL, or CSI (0x9b,
# alone or as the second byte of U+009B in UTF-8).
expect_clean() {
    checks=$((checks + 1))
    if LC_ALL=C grep -q $'[\x1b\x07\x9b]' <<<"$out$err"; then
        fail "$1: a raw control character reached the terminal: $(
            LC_ALL=C grep -o $'.\{0,20\}[\x1b\x07\x9b].\{0,20\}' \
                <<<"$out$err" | head -3 | od -c | head -4)"
    fi
}

# --- Drive files' names: the drives directory and a path.
data=$STATE/data
mkdir -p "$data/drives"
cp -r "$MODECON_DATA_DIR/pages" "$data/pages"
HOSTILE_FILE="x${ESC}]0;PWNED${BEL}"
cp "$MODECON_DATA_DIR/drives/dvd-writer.json" "$data/drives/$HOSTILE_FILE.json"
# Listed, and refused as a name that is not one.
MODECON_DATA_DIR=$data run list
expect_status 1
expect_err "emu:x\x1b]0;PWNED\x07: 'x\x1b]0;PWNED\x07' is not a drive"
expect_clean "list of the drives directory"
MODECON_DATA_DIR=$data run list --json
expect_out '"drive": "emu:x\u001B]0;PWNED\u0007"'
expect_clean "list --json of the drives directory"
MODECON_DATA_DIR=$data run get emu:nothing 5
expect_status 2
expect_err '(drives there: x\x1b]0;PWNED\x07)'
expect_clean "an unknown drive's message naming those there"
run show "emu:$data/drives/$HOSTILE_FILE.json" 5
expect_status 0
run list "emu:$data/drives/$HOSTILE_FILE.json"
expect_out "emu:$data/drives/x\\x1b]0;PWNED\\x07.json"
expect_clean "a drive file's path"

# A path with CSI (U+009B) and a byte that is not UTF-8: U+FFFD, as the
# console shows it; JSON writes CSI as \u009B and keeps the member.
FFFD=$'\xef\xbf\xbd'
cp "$MODECON_DATA_DIR/drives/dvd-writer.json" "$STATE/y"$'\xff'"$CSI.json"
run list "emu:$STATE/y"$'\xff'"$CSI.json"
expect_status 0
expect_out "emu:$STATE/y$FFFD\x9b.json MODECON"
expect_clean "a path with CSI"
run list --json "emu:$STATE/y"$'\xff'"$CSI.json"
expect_out "\"drive\": \"emu:$STATE/y$FFFD\u009B.json\""
# The drive's name is in every JSON document that names it, made valid.
for cmd in "get" "show" "pages"; do
    page=5
    [ "$cmd" = pages ] && page=
    # shellcheck disable=SC2086
    run $cmd --json "emu:$STATE/y"$'\xff'"$CSI.json" $page
    expect_status 0
    expect_out "\"drive\": \"emu:$STATE/y$FFFD\u009B.json\""
done
# A change of that drive is recorded whole, and undone.
run set "emu:$STATE/y"$'\xff'"$CSI.json" caching WCE=0
expect_status 0
checks=$((checks + 1))
[ "$(jq -rs 'map(select(.event == "outcome")) | last | .drive.uri' "$STATE/modecon/audit.jsonl")" = "emu:$STATE/y$FFFD$CSI.json" ] ||
    fail "the audit line lacks the drive's name: $(tail -n 1 "$STATE/modecon/audit.jsonl")"
run undo "emu:$STATE/y"$'\xff'"$CSI.json"
expect_status 0
expect_out "undone"
expect_clean "a path with CSI in JSON"

# --- Drive files' members and values, echoed in errors.
drive_file() { # NAME JQ-FILTER: dvd-writer changed by the filter
    jq "$2" "$MODECON_DATA_DIR/drives/dvd-writer.json" >"$STATE/$1.json"
}
drive_file member '.inquiry["bogus\u001b[31m"] = 1'
run show "emu:$STATE/member.json" 5
expect_status 2
expect_err 'inquiry."bogus\x1b[31m": unknown member (expected one of:'
expect_clean "an unknown member"
drive_file top '.["x\u009b31m\u007f"] = 1'
run list "emu:$STATE/top.json"
expect_err '"x\x9b31m\x7f": unknown member'
expect_clean "an unknown member with C1 and DEL"
drive_file value '.behaviour.mode_select = "app\u001b]52;c;SGVsbG8=\u0007ly"'
run get "emu:$STATE/value.json" 5
expect_status 2
expect_err 'found "app\x1b]52;c;SGVsbG8=\x07ly"'
expect_clean "a string value"
run list --json "emu:$STATE/value.json"
expect_out 'found \"app\\x1b]52;c;SGVsbG8=\\x07ly\"'
expect_clean "a string value in JSON"

# --- A huge string value: a bounded excerpt, its length and the reason.
drive_file vendor ".inquiry.vendor = \"$(head -c 100000 /dev/zero | tr '\0' V)\""
run show "emu:$STATE/vendor.json" 5
expect_status 2
expect_err "inquiry.vendor: \"$(printf 'V%.0s' {1..60})...\" (100000 bytes) is 100000 characters long; INQUIRY has room for 8"
checks=$((checks + 1))
[ ${#err} -lt 500 ] || fail "the message is ${#err} bytes long"

# --- Page definitions: name, help, danger and field names.
mkdir -p "$STATE/pages"
cat >"$STATE/pages/caching.page" <<PAGE
page 0x08
name "Caching${ESC}]0;PAGEPWN${BEL}"
applies mmc
lengths 0x0a 0x12
help "Caching help ${ESC}[31mRED${CSI}0m"
danger "Page danger ${ESC}]52;c;SGVsbG8=${BEL}"
field WCE 2.2 flag "Write cache${ESC}[5m enable"
  help "WCE help ${ESC}[2J"
  danger when 0 "WCE danger${ESC}]0;X${BEL}"
field RCD 2.0 flag "Read cache disable"
field     2.7-3 reserved
field     2.1 reserved
PAGE
export MODECON_PAGES=$STATE/pages
run explain 8
expect_status 0
expect_out 'page 0x08: Caching\x1b]0;PAGEPWN\x07'
expect_out 'Caching help \x1b[31mRED\x9b0m'
expect_out 'Page danger \x1b]52;c;SGVsbG8=\x07'
expect_clean "explain PAGE"
run explain 8 WCE
expect_out 'WCE help \x1b[2J'
expect_out 'WCE danger\x1b]0;X\x07'
expect_clean "explain PAGE FIELD"
run show emu:dvd-writer 8
expect_out 'page 0x08 (Caching\x1b]0;PAGEPWN\x07)'
expect_out 'Write cache\x1b[5m enable'
expect_clean "show"
run show emu:dvd-writer 8 --json
expect_out '"name": "Caching\u001B]0;PAGEPWN\u0007"'
expect_clean "show --json"
run pages emu:dvd-writer
expect_out 'Caching\x1b]0;PAGEPWN\x07'
expect_clean "pages"
run set emu:dvd-writer 8 WCE=0
expect_status 0
expect_err 'warning: WCE: WCE danger\x1b]0;X\x07'
expect_clean "set's danger warning"
run pagedefs
expect_clean "pagedefs"
unset MODECON_PAGES

# --- Replay files: a line echoed with its failure, and a huge line.
printf 'get emu:dvd-writer 5x%s]0;R%s\n' "$ESC" "$BEL" >"$STATE/escape.cmd"
run replay "$STATE/escape.cmd"
expect_status 2
expect_err "escape.cmd:1: page '5x\\x1b]0': expected a page code"
expect_clean "a replay line"
huge=$(head -c 10000000 /dev/zero | tr '\0' A)
printf 'get emu:dvd-writer 5\nget emu:dvd-writer %s\n' "$huge" >"$STATE/huge.cmd"
unset huge
run replay "$STATE/huge.cmd"
expect_status 2
expect_err "page '$(printf 'A%.0s' {1..60})... (10000000 bytes)': expected a page code"
expect_err "huge.cmd:2: page '$(printf 'A%.0s' {1..60})... (10000000 bytes)': expected a page code"
checks=$((checks + 1))
[ ${#err} -lt 2000 ] || fail "replay wrote ${#err} bytes of errors"

# A journal's drive line: the identity recorded is quoted bounded.
{
    printf '# drive emu:dvd-writer: %s\n' "$(head -c 100000 /dev/zero | tr '\0' V)"
    printf '# drive emu:dvd-writer: X%s[31m\nget emu:dvd-writer 5\n' "$ESC"
} >"$STATE/identity.cmd"
run replay "$STATE/identity.cmd"
expect_status 0
expect_err "identity.cmd:1: warning: recorded on emu:dvd-writer (\"$(printf 'V%.0s' {1..60})...\" (100000 bytes)), replaying on emu:dvd-writer (MODECON DVD-RW WRITER 1.00)"
expect_err "identity.cmd:2: warning: recorded on emu:dvd-writer (X\x1b[31m)"
expect_clean "a replay file's drive identity"
checks=$((checks + 1))
[ ${#err} -lt 1000 ] || fail "replay wrote ${#err} bytes of warnings"

# --- iSCSI: SendTargets names (tgt refuses control characters in a name,
# so a portal in front of tgt gives the hostile name and passes the
# session on to tgt's target) and INQUIRY strings (tgt takes any vendor).
port=$($TGT port 20000 24999) || fail "no free port"
mkdir -p "$STATE/tgt"
IQN=$($TGT up "$STATE/tgt" "$port") || fail "tgtd did not start"
tgtadm -C "$(cat "$STATE/tgt/tgtd.ctl")" --lld iscsi --mode logicalunit \
    --op update --tid 1 --lun 1 \
    --params "vendor_id=V${ESC}[31m,product_id=P${ESC}]0;X${BEL}" ||
    fail "tgtadm did not take the INQUIRY strings"
NAME="iqn.2026-11.invalid.modecon:x${ESC}]0;TGTPWN${BEL}${ESC}[31mEVIL"
SHOWN='iqn.2026-11.invalid.modecon:x\x1b]0;TGTPWN\x07\x1b[31mEVIL'
# Names that are not iSCSI names (RFC 3720 3.2.6) beside a good one: one
# that would read as the good target's LUN 1 with the portal's choice of
# initiator, one that would decode to another, one with an escape.
GOOD=iqn.2026-11.invalid.modecon:cd
SPOOF="$GOOD/1?initiator=iqn.evil"
PCT='iqn.a:b%40x@y'
start_portal() {
    [ -f "$STATE/portal.pid" ] && kill "$(cat "$STATE/portal.pid")"
    rm -f "$STATE/portal.port"
    perl "$here/portal.pl" "$STATE/portal.port" "$@" &
    echo $! >"$STATE/portal.pid"
    for _ in $(seq 100); do
        [ -s "$STATE/portal.port" ] && break
        sleep 0.05
    done
    PORTAL=iscsi://127.0.0.1:$(cat "$STATE/portal.port")
}
start_portal "127.0.0.1:$port=$IQN" "$SPOOF" "$NAME" "$PCT" "$GOOD"
refused() { # NAME-AS-SHOWN: left out with a warning naming it
    expect_err "warning: $PORTAL: left out the target \"$1\": not an iSCSI name"
}
for json in "" --json; do
    run list $json "$PORTAL"
    expect_status 0
    if [ -z "$json" ]; then
        expect_out "$PORTAL/$GOOD/1 V?[31m   P?]0;X?"
    else
        expect_out "\"drive\": \"$PORTAL/$GOOD/1\""
    fi
    refused "$SHOWN"
    refused "$SPOOF"
    refused "$PCT"
    grep -F "$PORTAL/" <<<"$out" | grep -qvF "$PORTAL/$GOOD/" &&
        fail "list $json PORTAL listed more than its good target: $out"
    [ "$(grep -cF "$PORTAL/$GOOD/1" <<<"$out")" -eq 1 ] ||
        fail "list $json PORTAL listed its LUN 1 more than once: $out"
    grep -qE 'evil|TGTPWN|b@x|b%40' <<<"$out" &&
        fail "list $json PORTAL made a URI of a refused name: $out"
    checks=$((checks + 3))
    expect_clean "list $json PORTAL"
done
# Named by the user, a hostile name is shown safely where it is quoted.
run diff "$PORTAL/$NAME/1" emu:dvd-writer
expect_out "$PORTAL/$SHOWN/1 | emu:dvd-writer"
expect_clean "diff"
run get "$PORTAL/$NAME/7" 5
expect_status 1
expect_err "$PORTAL/$SHOWN/7: target $SHOWN has no LUN 7"
expect_clean "a drive's error naming its target"
# A portal with only such names: none is logged in to (that would fail,
# there being no real target behind this portal), each is named.
start_portal "$NAME" "$SPOOF"
run list "$PORTAL"
expect_status 0
refused "$SHOWN"
refused "$SPOOF"
grep -q "has no target named" <<<"$err" && fail "a refused name was logged in to"
checks=$((checks + 1))
expect_clean "a portal's refused names"
# A huge name is quoted bounded.
start_portal "iqn.x:$(head -c 100000 /dev/zero | tr '\0' 'a')/"
run list "$PORTAL"
expect_status 0
expect_err "left out the target \"iqn.x:$(printf 'a%.0s' {1..54})...\" (100007 bytes): not an iSCSI name"
checks=$((checks + 1))
[ ${#err} -lt 1000 ] || fail "list wrote ${#err} bytes of warnings"

done_ok
