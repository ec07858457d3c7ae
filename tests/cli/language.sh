#!/bin/bash
# The command language on the command line: -c, ';', '#', quotes,
# --batch, and replay files.
. "$(dirname "$0")/lib.sh"
D=emu:dvd-writer

run -c "get $D 8; show $D caching # a comment; get nothing"
expect_status 0
expect_out "88 0a 04 00"
expect_out "WCE        Write cache enable"

# The same command inside -c and on its own gives the same output.
alone=$("$MODECON" show $D 5)
run -c "show $D 5"
[ "$out" = "$alone" ] || fail "show inside -c differs from show on its own"

run -c "get '$D 8"
expect_status 2
expect_err "expected a closing ' for the quote at column 5"

run -c "frobnicate; get $D 8"
expect_status 2
expect_err "unknown command 'frobnicate'"
[ -z "$out" ] || fail "a command after the failure ran"

# --batch: every command's output in %begin/%end, or %error.
run --batch -c "get $D 8; get $D 0x40; get $D 8"
expect_status 2
[ "$(printf '%s\n' "$out" | sed -n 1p)" = "%begin 1" ] || fail "no %begin 1"
expect_out "%end 1"
expect_out "%begin 2"
expect_out "page '0x40': expected a page code"
expect_out "%error 2"
grep -q "%begin 3" <<<"$out" && fail "ran on after a failure"

# A replay file whose line 7 the drive refuses: nothing after it runs.
# (A line that fails the checks runs nothing at all: replay-check.sh.)
cat >"$STATE/session.cmd" <<CMDS
# recorded session
set $D 5 WR_T=TAO
set $D caching WCE=0

show $D 5   # check
get $D 8
set $D 1 ERWS=1 --force
set $D 5 LINK_S=7
CMDS
run replay "$STATE/session.cmd"
expect_status 1
expect_err "invalid field in parameter list"
expect_err "$STATE/session.cmd:7: \"set $D 1 ERWS=1 --force\" failed"
expect_err "stopped at line 7"
expect_out "replay $STATE/session.cmd: 5 commands run, 2 changes applied, 0 not applied by the drive, 0 refused, 1 failed"
run get $D 5
grep -q "^05 32 61 05 08 10 00 00 00 00 00 00 00 10" <<<"$out" ||
    fail "line 8 ran, or line 2 did not: $out"
# Its changes are on record as the replay's: the audit log's last two.
checks=$((checks + 1))
[ "$(tail -2 "$STATE/modecon/audit.jsonl" | jq -r .command | sort -u)" = "modecon replay: set" ] ||
    fail "the replay's changes are not recorded as its own: $(tail -2 "$STATE/modecon/audit.jsonl")"

# --keep-going runs the rest; --drive sends it all to another drive.
cp "$(dirname "$0")/../../drives/dvd-writer.json" "$STATE/other.json"
run replay "$STATE/session.cmd" --keep-going --drive "emu:$STATE/other.json"
expect_status 1
expect_out "6 commands run, 3 changes applied, 0 not applied by the drive, 0 refused, 1 failed"
run show "emu:$STATE/other.json" 5
grep -q '^WR_T .* TAO (1)' <<<"$out" || fail "the other drive has no WR_T=TAO"
grep -q '^LINK_S .* 7 blocks ' <<<"$out" || fail "the other drive has no LINK_S=7"

# A change the drive does not apply stops the replay (exit 3).
run replay "$STATE/session.cmd" --drive emu:ignoring
expect_status 3
expect_err "session.cmd:2: \"set $D 5 WR_T=TAO\" was not applied by emu:ignoring"

# --dry-run sends no MODE SELECT and shows each it would send.
run replay "$STATE/session.cmd" --dry-run --keep-going --trace "$STATE/t.jsonl"
expect_out "MODE SELECT(10) CDB:"
expect_out "changes applied (dry run: nothing was sent)"
grep -q '"cdb":"55' "$STATE/t.jsonl" && fail "a dry run sent MODE SELECT"

# A replay file that replays itself stops, named.
printf 'replay %s\n' "$STATE/loop.cmd" >"$STATE/loop.cmd"
run replay "$STATE/loop.cmd"
expect_status 2
expect_err "the file replays itself: $STATE/loop.cmd:1 -> $STATE/loop.cmd"

run replay "$STATE/missing.cmd"
expect_status 2
expect_err "$STATE/missing.cmd"

# open and page select what later commands leave out.
run -c "open $D; page write-parameters; set WR_T=SAO; show; get caching; page caching; set RCD=1; get"
expect_status 0
expect_out "$D: MODECON DVD-RW WRITER 1.00"
expect_out "page 0x05 (Write Parameters) selected"
expect_out "WR_T: TAO (1) -> SAO (2)"
expect_out "page 0x05 (Write Parameters), 52 bytes"
expect_out "RCD: 0 -> 1"
# The last 'get' read the selected page 08 with RCD (byte 2 bit 0) set.
tail -1 <<<"$out" | grep -Eq '^88 0a 0[13579bdf] ' || fail "get did not show RCD set"
run -c "open; page"
expect_out "no drive selected"
expect_out "no page selected"
run -c "get 5"
expect_status 2
expect_err "get: expected DRIVE PAGE [FIELD...] (or select a drive with 'open DRIVE')"
run -c "open emu-dvd-writer"
expect_status 2
expect_err "'emu-dvd-writer' is not a drive"

# The journal: every command that changed a drive, replayable, with a
# session header and each drive's identity; failures and dry runs are not
# in it, and data read from stdin is written as its bytes.
J=$STATE/modecon/journal
: >"$J"
"$MODECON" -c "open $D; page 5; set WR_T=RAW; set WR_T=BAD" >/dev/null 2>&1
"$MODECON" set $D 8 RCD=0 --dry-run >/dev/null 2>&1
"$MODECON" get $D 8 | "$MODECON" set $D 8 --data - >/dev/null
"$MODECON" set $D 8 "2:0:1=1" >/dev/null
grep -q "^# modecon .* session .* pid " "$J" || fail "no session header"
grep -qx "# drive $D: MODECON DVD-RW WRITER 1.00" "$J" || fail "no identity"
grep -qx "set $D 5 WR_T=RAW" "$J" || fail "the set is not in the journal"
grep -q "WR_T=BAD" "$J" && fail "a failed command is in the journal"
grep -q "dry-run" "$J" && fail "a dry run is in the journal"
grep -qx "set $D 8 --data '88 0a 0[0-9a-f] 00 00 00 00 00 00 00 00 00'" "$J" ||
    fail "--data - is not journaled as its bytes: $(cat "$J")"
checks=$((checks + 6))

# Replaying the journal on another drive reproduces the change and warns
# that the drive is another model.
cp "$J" "$STATE/recorded.cmd"
run replay "$STATE/recorded.cmd" --drive emu:ignoring
expect_err "warning: recorded on $D (MODECON DVD-RW WRITER 1.00), replaying on emu:ignoring (MODECON IGNORING WRITER 1.00)"
cp "$(dirname "$0")/../../drives/dvd-writer.json" "$STATE/twin.json"
run replay "$STATE/recorded.cmd" --drive "emu:$STATE/twin.json"
expect_status 0
grep -q "warning: recorded on" <<<"$err" && fail "warned about the same model"
run show "emu:$STATE/twin.json" 5
grep -q '^WR_T .* RAW (3)' <<<"$out" || fail "the replay did not set WR_T"

# Staged edits: edit stages, diff shows what commit would send, commit
# sends one MODE SELECT (journaled as the set it ran), discard drops.
cp "$(dirname "$0")/../../drives/dvd-writer.json" "$STATE/stage.json"
S="emu:$STATE/stage.json"
: >"$J"
run -c "open $S; page 5; edit WR_T=TAO; edit LINK_S=7; diff; commit --trace $STATE/st.jsonl; diff"
expect_status 0
expect_out "WR_T: SAO (2) -> TAO (1) (staged)"
expect_out "LINK_S: 16 blocks -> 7 blocks (staged)"
expect_out "parameter list (60 bytes):"
expect_out "LINK_S: applied"
expect_out "nothing staged"
[ "$(grep -c '"cdb":"55' "$STATE/st.jsonl")" -eq 1 ] ||
    fail "commit did not send exactly one MODE SELECT"
grep -qx "set $S 5 WR_T=TAO LINK_S=7" "$J" || fail "commit is not journaled as set: $(cat "$J")"
grep -q "^commit" "$J" && fail "commit itself is in the journal"
checks=$((checks + 3))
run -c "edit $S 5 WR_T=SAO; edit $S 8 WCE=0"
expect_status 2
expect_err "edits are staged for $S page 5: commit or discard them first"
# One page however it is spelt: its edits are staged together.
run -c "edit $S 0x05 WR_T=SAO; edit $S write-parameters LINK_S=9; edit $S 5 BUFE=0; diff"
expect_status 0
expect_out "WR_T: TAO (1) -> SAO (2)"
expect_out "LINK_S: 7 blocks -> 9 blocks"
expect_out "BUFE: 1 -> 0"
run -c "edit $S 5 WR_T=SAO; discard; diff; commit"
expect_status 2
expect_out "discarded 1 staged edit of $S page 5"
expect_err "commit: nothing staged"
# An edit that brings every field back to the drive's value leaves
# nothing staged, as discard would; one that still changes a field stays.
run -c "open $S; page 5; edit BUFE=0; edit BUFE=1; diff; discard; commit"
expect_status 2
expect_out "BUFE: 1 -> 0 (staged)"
expect_out "BUFE: back to 1, as the drive has it; nothing is staged"
expect_out "nothing staged ('edit FIELD=VALUE' stages changes)"
expect_err "commit: nothing staged"
grep -q "no change: BUFE is already 1" <<<"$out" && fail "BUFE=1 stayed staged"
run -c "open $S; page 5; edit BUFE=1"
expect_out "BUFE: already 1, as the drive has it; nothing is staged"
run -c "open $S; page 5; edit BUFE=0 LINK_S=9; edit BUFE=1; diff"
expect_status 0
expect_out "BUFE: back to 1, as the drive has it"
grep -q "nothing is staged" <<<"$out" && fail "LINK_S=9 was dropped too"
expect_out "LINK_S: 7 blocks -> 9 blocks"
# The drive changed to the staged value after edit: commit sends nothing.
run -c "edit $S 5 BUFE=0; set $S 5 BUFE=0; commit; set $S 5 BUFE=1"
expect_status 0
expect_out "no change: BUFE is already 0; nothing was sent"
# Each staged word keeps its own --force: commit checks each as diff
# shows it.  BUFE=1 changes nothing when staged; after a power-cycle it
# would change a bit this drive does not let change, and only MCVAL was
# forced, so commit refuses and sends nothing.  (The power cycle changed
# the page since the words were staged: the first commit refuses for that
# and shows nothing sent; the second is checked on the values now, as
# diff would show them.)
F=$STATE/forced.json
sed 's/"05 32 7f ff 0f ff 00 3f/"05 32 3f ff 0f ff 00 3f/; s/"05 32 41 04 08 00 00 00/"05 32 01 04 08 00 00 00/' \
    "$(dirname "$0")/../../drives/dvd-writer.json" >"$F"
grep -q '"05 32 3f ff' "$F" && grep -q '"05 32 01 04' "$F" || fail "the drive file for the forced-word test was not made"
run_in "$(printf '%s\n' "open emu:$F" "page 5" "edit --force MCVAL=1" "edit BUFE=1" "power-cycle emu:$F" "commit --trace $STATE/forced.jsonl" "commit --trace $STATE/forced.jsonl")" shell
expect_err "page 0x05 changed since it was read (byte 2: 0x62, now 0x01)"
expect_err "BUFE is not changeable on this drive (its changeable value is 0); nothing was sent"
grep -q "BUFE is not changeable on this drive; sending anyway" <<<"$err" &&
    fail "commit forced BUFE, which was staged without --force"
grep -q '"cdb":"55' "$STATE/forced.jsonl" 2>/dev/null && fail "commit sent a MODE SELECT"
# The forced word alone goes out forced, and is journaled so.
run -c "open $S; page 5; edit --force LS_V=0; edit BUFE=0; commit"
expect_status 0
grep -qx "set $S 5 LS_V=0 BUFE=0 --force-field LS_V" "$J" ||
    fail "commit is not journaled with --force-field: $(tail -3 "$J")"
run set $S 5 LINK_S=8 --force-field NOSUCH --dry-run
expect_status 2
expect_err "--force-field: 'NOSUCH' names no FIELD=VALUE word of this set"
run -c "edit $S 5 NOSUCH=1"
expect_status 2
expect_err "has no field 'NOSUCH'"

# The shell on piped input: history lists the session, history save
# writes a script that replays its changes (not the set that failed),
# source runs one; no password typed in a URI reaches the history file or
# the script.
printf '%s\n' "open $S" "set 8 RCD=1" "get 8" \
    "set iscsi://bob%secret@host/iqn/1 5 WR_T=TAO" history \
    "history save $STATE/saved.cmd" "source $STATE/saved.cmd --keep-going" quit |
    XDG_STATE_HOME=$STATE "$MODECON" shell >"$STATE/shell.out" 2>&1
grep -q "   2  set 8 RCD=1" "$STATE/shell.out" || fail "history does not list the session"
grep -qx "set 8 RCD=1" "$STATE/saved.cmd" || fail "the saved script lacks the set"
grep -q "^history" "$STATE/saved.cmd" && fail "the script replays history"
grep -q "secret" "$STATE/saved.cmd" "$STATE/modecon/history" &&
    fail "a password reached a file"
grep -q "bob@host" "$STATE/modecon/history" || fail "the URI is not in the history"
grep -q "bob@host" "$STATE/saved.cmd" && fail "the failed set is in the script"
grep -q "^get" "$STATE/saved.cmd" && fail "the script replays get"
grep -q "replay $STATE/saved.cmd: 2 commands run" "$STATE/shell.out" ||
    fail "source did not run the script: $(tail -5 "$STATE/shell.out")"
checks=$((checks + 8))

# A mistyped command gets the nearest name.
run shwo $D 5
expect_status 2
expect_err "unknown command 'shwo'; did you mean 'show'?"

done_ok
