#!/bin/bash
# history save writes the commands of a session that change or select,
# and leaves out those that only look and those that failed; the script
# replayed onto a fresh drive leaves it as the session left its drive.
. "$(dirname "$0")/lib.sh"
DRIVES=$(dirname "$0")/../../drives
for d in first fresh untouched; do
    cp "$DRIVES/dvd-writer.json" "$STATE/$d.json"
done
A=emu:$STATE/first.json
B=emu:$STATE/fresh.json

printf '%s\n' "open $A" "page 5" show "set WR_T=BAD" "set WR_T=TAO" get \
    "edit NOSUCH=1" \
    "edit TST_W=1" diff "discard" "edit LINK_S=7 PACK_S=32" diff commit \
    "list; pages" "help set" "set 8 RCD=1; show 8" "explain 5 WR_T" \
    history "history save $STATE/saved.cmd" quit |
    "$MODECON" shell >"$STATE/shell.out" 2>&1 || {
    out=$(cat "$STATE/shell.out")
    fail "the session failed"
}
out=$(cat "$STATE/shell.out")
expect_out "saved to $STATE/saved.cmd: 8 lines of the commands that change or select; 12 commands that only looked or failed left out"
out=$(cat "$STATE/saved.cmd")
for want in "open $A" "page 5" "set WR_T=TAO" "edit TST_W=1" discard \
    "edit LINK_S=7 PACK_S=32" commit "set 8 RCD=1"; do
    checks=$((checks + 1))
    grep -qx -- "$want" <<<"$out" || fail "the script lacks '$want'"
done
# A command that failed in the session would stop the script there.
for failed in WR_T=BAD NOSUCH; do
    checks=$((checks + 1))
    grep -q "$failed" <<<"$out" && fail "the script runs the failed $failed"
done
for looks in show get diff list pages help explain history; do
    checks=$((checks + 1))
    grep -qE "(^|; )$looks( |$)" <<<"$out" && fail "the script runs '$looks'"
done

# Replayed onto a fresh drive of the same model: the same pages as the
# session left.
run replay "$STATE/saved.cmd" --drive "$B"
expect_status 0
for page in 5 8; do
    run get "$A" "$page"
    want=$out
    run get "$B" "$page"
    checks=$((checks + 1))
    [ "$out" = "$want" ] || fail "page $page differs after the replay: $out / $want"
    run get "emu:$STATE/untouched.json" "$page"
    checks=$((checks + 1))
    [ "$out" != "$want" ] || fail "page $page was as the session left it before"
done
run show "$B" 5
expect_out "TST_W      Test write                     0"
grep -q "^LINK_S .* 7 blocks" <<<"$out" || fail "LINK_S was not committed"

done_ok
