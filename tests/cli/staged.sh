#!/bin/bash
# Staged edits are never dropped unsaid: 'modecon edit' as a command line
# of its own is refused before the drive is asked anything, naming the
# ways that stage and send; a shell whose input ends (or that is told to
# quit) with edits staged names them on stderr and fails.
. "$(dirname "$0")/lib.sh"
cp "$(dirname "$0")/../../drives/dvd-writer.json" "$STATE/w.json"
W=emu:$STATE/w.json

run edit "$W" 5 WR_T=TAO --trace "$STATE/edit.jsonl"
expect_status 2
expect_err "edit: staged edits last as long as the session that stages them, and a single command line ends with its command, so nothing was read or staged"
expect_err "modecon -c 'edit $W 5 WR_T=TAO; diff; commit', modecon shell, or the console (modecon console)"
checks=$((checks + 1))
[ ! -s "$STATE/edit.jsonl" ] || fail "the drive was asked: $(cat "$STATE/edit.jsonl")"
# A word that needs quotes of its own is left to the user.
run edit "$W" 5 "MCN=a b"
expect_status 2
expect_err "modecon -c 'edit DRIVE PAGE FIELD=VALUE...; diff; commit'"
# A file replayed by a single command is a session of its own.
printf '%s\n' "edit $W 5 LINK_S=5" diff commit >"$STATE/edit.cmd"
run replay "$STATE/edit.cmd"
expect_status 0
expect_out "LINK_S: applied"
# In a session the same edit stages, and a commit sends it.
run -c "edit $W 5 WR_T=TAO; commit"
expect_status 0
expect_out "WR_T: applied"

# A -c line that stages without committing (a preview) says that the
# edits end with it, and does not fail.
run -c "edit $W 5 WR_T=RAW; diff"
expect_status 0
expect_err "note: $W: 1 staged edit of page 5 not sent (WR_T=RAW): they end with the -c line (commit in the line sends them)"
run -c "edit $W 5 WR_T=RAW; discard"
grep -q "not sent" <<<"$err" && fail "a discarded edit was named"
checks=$((checks + 1))

# The shell's input ends with edits staged: named, and exit 1.
run_in "edit $W 5 WR_T=RAW LINK_S=3" shell
expect_status 1
expect_err "warning: $W: 2 staged edits of page 5 not sent (WR_T=RAW LINK_S=3): dropped as the shell ends (its input ended) before a commit"
run_in "$(printf '%s\n' "edit $W 5 WR_T=RAW" quit)" shell
expect_status 1
expect_err "warning: $W: 1 staged edit of page 5 not sent (WR_T=RAW): dropped as the shell ends ('quit') before a commit"
# Committed or discarded, nothing is left to name.
run_in "$(printf '%s\n' "edit $W 5 WR_T=RAW" discard)" shell
expect_status 0
grep -q "not sent" <<<"$err" && fail "nothing staged was named"
run_in "$(printf '%s\n' "edit $W 5 WR_T=RAW" commit quit)" shell
expect_status 0
grep -q "not sent" <<<"$err" && fail "nothing staged was named"

done_ok
