#!/bin/bash
# replay onto many drives at once: --drive given again, --drives FILE,
# --all; --jobs, --json, --same-model, the exit status, plain lines
# without a terminal, and Ctrl-C leaving each drive's undo able to take
# back what reached it.
. "$(dirname "$0")/lib.sh"
DATA=${MODECON_DATA_DIR:?set by tests/CMakeLists.txt}
ESC=$(printf '\033')

# Four writers, an old CD-ROM (another model), each its own file and
# state, as a tower's drives are.
W=()
for i in 1 2 3 4; do
    cp "$DATA/drives/dvd-writer.json" "$STATE/writer$i.json"
    W+=("emu:$STATE/writer$i.json")
done
cp "$DATA/drives/cd-atapi.json" "$STATE/cdrom.json"
CD="emu:$STATE/cdrom.json"
# A writer whose MODE SELECTs meet a RESERVATION CONFLICT.
FAULTY="emu:$STATE/writer4.json?fault=status:18@55"

# A journal recorded on a writer; the identity line ends in an escape
# sequence, as a hostile file may hold.
cat >"$STATE/tower.cmd" <<CMDS
# modecon 0.1.0 session 2026-12-01T10:00:00Z pid 1
# drive emu:dvd-writer: MODECON DVD-RW WRITER 1.00
# drive emu:other: EVIL "DRIVE"${ESC}]0;owned${ESC}\\ 1.0
set emu:dvd-writer 05 TST_W=1
set emu:dvd-writer 05 WR_T=TAO
set emu:dvd-writer 05 BUFE=0
set emu:dvd-writer 08 WCE=0
CMDS
before=$("$MODECON" get "${W[0]}" 5)
before8=$("$MODECON" get "${W[0]}" 8)

# Three writers, the CD-ROM and the faulty writer: the worst outcome is
# the exit status; without a terminal, a plain line as each drive begins
# and ends, and no escape sequence anywhere.
run replay "$STATE/tower.cmd" --drive "${W[0]}" --drive "${W[1]}" \
    --drive "${W[2]}" --drive "$CD" --drive "$FAULTY"
expect_status 1
expect_out "DRIVE"
expect_out "FIRST ERROR"
for d in "${W[0]}" "${W[1]}" "${W[2]}"; do
    grep -qE "^$d +MODECON DVD-RW WRITER 1.00 +same +done +4 +4 +0 +0 +0 +yes, undo -n 4 +-$" <<<"$out" ||
        fail "no row of a writer that took all four commands: $d"
    expect_err "$d: begins: 4 commands"
    expect_err "$d: ends after"
done
# The CD-ROM has no page 05: its pre-flight refuses the file, nothing is
# sent to it.
grep -qE "^$CD +MODECON ATAPI CD-ROM 2.5\+ +other +refused +0 +0 +0 +4 +0 +no +E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE 05/24/00$" <<<"$out" ||
    fail "no row of the CD-ROM, another model, that has no page 05"
grep -qE "^$(sed 's/[?]/[?]/' <<<"$FAULTY") +MODECON DVD-RW WRITER 1.00 +same +failed +1 +0 .* +no +[A-Z_]+" <<<"$out" ||
    fail "no row of the writer whose MODE SELECT met a conflict"
expect_out "replay $STATE/tower.cmd: 5 drives: 5 ran the file, 0 could not be opened, 0 skipped, 0 stopped; 3 changed"
# Warned before anything was sent to any drive.
checks=$((checks + 1))
warned=$(grep -n "$CD: warning: another model than recorded" <<<"$err" | cut -d: -f1)
began=$(grep -n ": begins:" <<<"$err" | head -1 | cut -d: -f1)
[ -n "$warned" ] && [ "$warned" -lt "$began" ] ||
    fail "the other model was not named before the first drive began"
expect_err 'EVIL "DRIVE"\x1b]0;owned\x1b\ 1.0'
# Said once, before anything was sent: the file's identity lines do not
# say it again for each drive.
checks=$((checks + 1))
! grep -q "warning: recorded on" <<<"$err" || fail "the other model was said again per drive"
checks=$((checks + 1))
grep -q "$ESC" <<<"$out$err" && fail "an escape sequence reached the terminal"
run get "${W[1]}" 5
checks=$((checks + 1))
[ "$out" != "$before" ] || fail "the replay did not change a writer"
changed5=$out
run get "${W[3]}" 5
checks=$((checks + 1))
[ "$out" = "$before" ] || fail "the conflicting writer's page changed"

# The journal's records, written by five workers at once, are whole:
# each line a header, a drive's identity or a command; each writer's
# four commands there.
checks=$((checks + 1))
bad=$(grep -vE "^(# modecon [^ ]+ session [^ ]+ pid [0-9]+|# drive [^ ]+: .*|set '?emu:$STATE/writer[0-9].json'? 0[58] [A-Z_]+=[A-Z0-9]+)$" "$STATE/modecon/journal")
[ -z "$bad" ] || fail "journal lines cut or mixed: $bad"
for d in "${W[0]}" "${W[1]}" "${W[2]}"; do
    checks=$((checks + 1))
    [ "$(grep -c "^set $d " "$STATE/modecon/journal")" = 4 ] ||
        fail "the journal misses commands of $d"
    # Each drive's undo record takes its four commands back.
    run undo "$d" -n 4 --dry-run
    expect_status 0
done

# The audit log, appended by every worker, holds whole JSON lines: an
# intent and an outcome for each of the writers' twelve changes.
checks=$((checks + 1))
jq -e . "$STATE/modecon/audit.jsonl" >/dev/null || fail "the audit log holds a line cut or mixed"
checks=$((checks + 1))
[ "$(jq -r 'select(.event == "outcome" and (.drive.uri | test("writer[123]"))) | .select' "$STATE/modecon/audit.jsonl" | sort -u | wc -l)" = 12 ] ||
    fail "the audit log misses outcomes: $(tail -3 "$STATE/modecon/audit.jsonl")"

# --json: the same as one document, which parses; a drive's answers and
# the file's recorded identities are strings escaped.
run replay "$STATE/tower.cmd" --drive "${W[0]}" --drive "$CD" --drive "$FAULTY" --json
expect_status 1
checks=$((checks + 1))
jq -e --arg w "${W[0]}" --arg cd "$CD" --arg f "$FAULTY" --arg esc "$ESC" '
    .replay != null and .commands == 4 and .exit_status == 1 and .jobs == 3
    and (.recorded_on | index("EVIL \"DRIVE\"" + $esc + "]0;owned" + $esc + "\\ 1.0")) != null
    and (.drives | length) == 3
    and .drives[0].drive == $w and .drives[0].outcome == "done"
    and .drives[0].product == "DVD-RW WRITER" and .drives[0].model == "same"
    and .drives[0].commands_run == 4 and .drives[0].failed == 0
    and .drives[0].exit_status == 0 and .drives[0].first_error == null
    and (.drives[0].output | length) > 0
    and .drives[1].drive == $cd and .drives[1].model == "other"
    and .drives[1].outcome == "refused" and .drives[1].exit_status == 1
    and .drives[1].refused == 4 and .drives[1].commands_run == 0
    and .drives[1].first_error.hresult == "E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE"
    and .drives[1].first_error.sense == "05/24/00"
    and .drives[2].drive == $f and .drives[2].outcome == "failed"
    and .drives[2].changed == false and .drives[2].first_error.hresult != null' \
    <<<"$out" >/dev/null || fail "the JSON document is not what the drives did"
checks=$((checks + 1))
grep -q "$ESC" <<<"$out" && fail "a raw escape in the JSON"

# --same-model: the CD-ROM is skipped, named; the writers are as asked,
# so the replay succeeds.
run replay "$STATE/tower.cmd" --drive "${W[0]}" --drive "$CD" --same-model
expect_status 0
expect_err "$CD: warning: another model than recorded: MODECON ATAPI CD-ROM 2.5+"
expect_err "skipped (--same-model)"
grep -qE "^$CD +MODECON ATAPI CD-ROM 2.5\+ +other +skipped +0 .* skipped: another model$" <<<"$out" ||
    fail "the CD-ROM's row does not say it was skipped"
checks=$((checks + 1))
grep -q "$CD: begins" <<<"$err" && fail "the skipped drive ran the file"

# --drives FILE: comments and blank lines left out, every bad line named,
# nothing sent.
cp "$DATA/drives/dvd-writer.json" "$STATE/fresh.json"
cat >"$STATE/tower.drives" <<DRIVES
# the tower, top to bottom

   emu:$STATE/fresh.json
$CD
emu:$STATE/fresh.json?fault=bogus
scsi:nothing
DRIVES
run replay "$STATE/tower.cmd" --drives "$STATE/tower.drives"
expect_status 2
expect_err "--drives $STATE/tower.drives:5: fault spec 'bogus'"
expect_err "--drives $STATE/tower.drives:6: 'scsi:nothing' is not a drive"
expect_err "2 bad lines; nothing was sent to any drive"
run get "emu:$STATE/fresh.json" 5
checks=$((checks + 1))
[ "$out" = "$before" ] || fail "a drive changed though the drive list was refused"
sed -i '/bogus\|scsi:nothing/d' "$STATE/tower.drives"
run replay "$STATE/tower.cmd" --drives "$STATE/tower.drives" --json
expect_status 1
checks=$((checks + 1))
[ "$(jq -r '[.drives[].drive] | join(" ")' <<<"$out")" = "emu:$STATE/fresh.json $CD" ] ||
    fail "--drives did not give the file's drives in order"

# A CHAP password in the list goes to the login and nowhere else: not in
# a message, the table, the JSON, the journal; a bad line with one is
# named without it.
printf 'emu:%s/fresh.json\niscsi://tech%%s3cr3t;x@127.0.0.1:1/iqn.2026-01.test:t/0\n' "$STATE" >"$STATE/secret.drives"
run replay "$STATE/tower.cmd" --drives "$STATE/secret.drives" --json
expect_status 1
checks=$((checks + 1))
[ "$(jq -r '.drives[1].drive + " " + .drives[1].outcome' <<<"$out")" = "iscsi://tech@127.0.0.1:1/iqn.2026-01.test:t/0 failed" ] ||
    fail "the unreachable iSCSI drive's row is not there, or shows its password"
expect_err "iscsi://tech@127.0.0.1:1/iqn.2026-01.test:t/0: not replayed: HRESULT_ERROR_DEV_NOT_EXIST"
checks=$((checks + 1))
grep -q s3cr3t <<<"$out$err" && fail "the password was shown"
printf 'iscsi://tech%%s3cr3t@127.0.0.1:99999/iqn.2026-01.test:t/0\n' >"$STATE/bad-secret.drives"
run replay "$STATE/tower.cmd" --drives "$STATE/bad-secret.drives"
expect_status 2
expect_err "--drives $STATE/bad-secret.drives:1: 'iscsi://tech@127.0.0.1:99999/"
checks=$((checks + 1))
grep -rq s3cr3t "$STATE/modecon" && fail "the password reached a state file"
checks=$((checks + 1))
grep -q s3cr3t <<<"$out$err" && fail "the password was shown"

# --dry-run holds for every drive: each shows what it would send, every
# line led by its drive (a page's bytes too), and none changes.
for i in 1 2; do cp "$DATA/drives/dvd-writer.json" "$STATE/dry$i.json"; done
run replay "$STATE/tower.cmd" --drive "emu:$STATE/dry1.json" --drive "emu:$STATE/dry2.json" --dry-run
expect_status 0
expect_out "emu:$STATE/dry2.json: MODE SELECT(10) CDB:"
expect_out "emu:$STATE/dry1.json: 55 10 00 00 00 00 00 00 3c 00"
grep -qE "^emu:$STATE/dry1.json +MODECON DVD-RW WRITER 1.00 +same +done +4 +0 .* no \(dry run\) +-$" <<<"$out" ||
    fail "the dry run's row is not there"
checks=$((checks + 1))
[ -z "$(sed '/^DRIVE /,$d' <<<"$out" | grep -vE "^emu:$STATE/dry[12].json: ")" ] ||
    fail "a line of a drive's output is not led by its drive"
run get "emu:$STATE/dry1.json" 5
checks=$((checks + 1))
[ "$out" = "$before" ] || fail "a dry run changed a drive"

# A drive named twice is refused before anything runs.
run replay "$STATE/tower.cmd" --drive "${W[0]}" --drive "${W[0]}"
expect_status 2
expect_err "is named twice"
# Named twice under two spellings, it is replayed once.
run replay "$STATE/tower.cmd" --drive "${W[0]}" --drive "${W[0]}?fault=latency:1"
expect_status 0
expect_err "${W[0]}?fault=latency:1: the same drive as ${W[0]}: replayed once"
grep -qE "^${W[0]}[?]fault=latency:1 +MODECON DVD-RW WRITER 1.00 +same +skipped +0 .* skipped: the same drive as ${W[0]}$" <<<"$out" ||
    fail "the second spelling's row does not say it was skipped"
checks=$((checks + 1))
[ "$(grep -c ": begins:" <<<"$err")" = 1 ] || fail "the drive ran the file twice"

# --jobs 1: one drive at a time, each ending before the next begins; the
# same rows as all at once.
for i in 5 6 7; do cp "$DATA/drives/dvd-writer.json" "$STATE/j$i.json"; done
run replay "$STATE/tower.cmd" --drive "emu:$STATE/j5.json" \
    --drive "emu:$STATE/j6.json" --drive "emu:$STATE/j7.json" --jobs 1
expect_status 0
one_at_a_time=$(grep -oE "(begins|ends after)" <<<"$err" | tr '\n' ' ')
checks=$((checks + 1))
[ "$one_at_a_time" = "begins ends after begins ends after begins ends after " ] ||
    fail "--jobs 1 ran drives at once: $one_at_a_time"
rows_one=$(grep -E " MODECON DVD-RW WRITER 1.00 +same +done +4 +4 " <<<"$out")
run replay "$STATE/tower.cmd" --drive "emu:$STATE/j5.json" \
    --drive "emu:$STATE/j6.json" --drive "emu:$STATE/j7.json" --json
expect_status 0
checks=$((checks + 1))
[ "$(jq .jobs <<<"$out")" = 3 ] || fail "the default is not every drive at once"
run replay "$STATE/tower.cmd" --drive "${W[0]}" --jobs 0
expect_status 2
expect_err "--jobs takes a number of drives from 1 to 256"
checks=$((checks + 1))
[ "$(wc -l <<<"$rows_one")" = 3 ] || fail "--jobs 1 rows: $rows_one"

# A rack of drives needs more descriptors than the usual soft limit:
# modecon raises it as far as the hard limit lets it.
: >"$STATE/rack.drives"
for i in $(seq -w 1 60); do
    cp "$DATA/drives/dvd-writer.json" "$STATE/rack$i.json"
    echo "emu:$STATE/rack$i.json" >>"$STATE/rack.drives"
done
out=$(ulimit -Sn 100 && "$MODECON" replay "$STATE/tower.cmd" --drives "$STATE/rack.drives" 2>"$STATE/stderr")
status=$?
err=$(cat "$STATE/stderr")
expect_status 0
expect_out "60 drives: 60 ran the file, 0 could not be opened, 0 skipped, 0 stopped; 60 changed"

# --all: every drive 'list' finds (a dry run: the machine's own drives
# are among them).
run replay "$STATE/tower.cmd" --all --dry-run --json
checks=$((checks + 1))
jq -e '[.drives[].drive] | index("emu:dvd-writer") != null and index("emu:cd-atapi") != null and index("emu:ignoring") != null' <<<"$out" >/dev/null ||
    fail "--all did not take the drives list finds"
run replay "$STATE/tower.cmd" --all --drive "${W[0]}"
expect_status 2
expect_err "not with --drive or --drives"

# Ctrl-C while the drives answer slowly: every drive stops after the
# command it is running, the table still says which drives were changed,
# the process ends as the signal asks, and each drive's undo takes back
# what reached it.
SLOW=()
for i in 1 2 3; do
    cp "$DATA/drives/dvd-writer.json" "$STATE/slow$i.json"
    SLOW+=("emu:$STATE/slow$i.json?fault=latency:40")
done
{
    echo "# drive emu:dvd-writer: MODECON DVD-RW WRITER 1.00"
    for f in TST_W=1 WR_T=TAO BUFE=0 LINK_S=7 PACK_S=32 APL=100 TST_W=0 \
        WR_T=SAO BUFE=1 LINK_S=0 PACK_S=0 APL=150; do
        echo "set emu:dvd-writer 05 $f"
    done
} >"$STATE/slow.cmd"
# outcomes NAME: how many of the drives NAME1.json, NAME2.json... have an
# answered MODE SELECT in the audit log.
outcomes() {
    jq -r --arg name "$1" 'select(.event == "outcome" and (.drive.uri | contains("/" + $name))) | .drive.uri' \
        "$STATE/modecon/audit.jsonl" 2>/dev/null | sort -u | wc -l
}
has_outcomes() { [ "$(outcomes "$1")" = "$2" ]; }
# began NAME N: N drives have begun, as NAME.err says.
began() { [ "$(grep -c ': begins:' "$STATE/$1.err")" = "$2" ]; }
# interrupt_when PID CONDITION...: poll (at most 30 s) until CONDITION
# holds or PID has ended, then Ctrl-C PID.
interrupt_when() {
    local pid=$1
    shift
    for _ in $(seq 600); do
        "$@" && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    kill -INT "$pid"
}
# ended PID NAME: wait for PID; its status, and its output from
# NAME.out and NAME.err.
ended() {
    wait "$1"
    status=$?
    out=$(cat "$STATE/$2.out")
    err=$(cat "$STATE/$2.err")
}
"$MODECON" replay "$STATE/slow.cmd" --drive "${SLOW[0]}" --drive "${SLOW[1]}" \
    --drive "${SLOW[2]}" >"$STATE/slow.out" 2>"$STATE/slow.err" &
pid=$!
# Interrupted once every drive has applied its first change.
interrupt_when "$pid" has_outcomes slow 3
ended "$pid" slow
expect_status 130
expect_err "interrupted: each drive stops after the command it is running"
expect_out "interrupted: each drive stopped after the command it was running"
table=$out
for i in 0 1 2; do
    d=${SLOW[$i]}
    row=$(grep -F "$d " <<<"$table")
    grep -qE " stopped +[0-9]+ .* yes, undo -n [0-9]+ +interrupted$" <<<"$row" ||
        fail "the row of $d does not say it stopped, changed: $row"
    n=$(sed -E 's/.*undo -n ([0-9]+).*/\1/' <<<"$row")
    checks=$((checks + 1))
    [ "$n" -ge 1 ] && [ "$n" -lt 12 ] || fail "$d: $n commands reached it"
    run undo "emu:$STATE/slow$((i + 1)).json" -n "$n"
    expect_status 0
    run get "emu:$STATE/slow$((i + 1)).json" 5
    checks=$((checks + 1))
    [ "$out" = "$before" ] || fail "undo -n $n did not take back what reached $d"
done

# In the shell, Ctrl-C stops the drives the same way, the table is shown,
# and the shell goes on with the next line.
for i in 1 2; do cp "$DATA/drives/dvd-writer.json" "$STATE/shell$i.json"; done
mkfifo "$STATE/shell.in"
"$MODECON" shell <"$STATE/shell.in" >"$STATE/shell.out" 2>"$STATE/shell.err" &
pid=$!
exec 7>"$STATE/shell.in"
printf 'replay %s --drive "emu:%s/shell1.json?fault=latency:40" --drive "emu:%s/shell2.json?fault=latency:40"\n' \
    "$STATE/slow.cmd" "$STATE" "$STATE" >&7
interrupt_when "$pid" has_outcomes shell 2
for _ in $(seq 600); do
    grep -q "^interrupted: each drive stopped" "$STATE/shell.out" && break
    sleep 0.05
done
printf 'get emu:%s/shell1.json 8\nquit\n' "$STATE" >&7
exec 7>&-
ended "$pid" shell
expect_status 0
expect_out "2 drives: 0 ran the file, 0 could not be opened, 0 skipped, 2 stopped; 2 changed"
expect_out "88 0a 04 00"

# On a terminal (here the one 'script' makes), the progress is drawn in
# place on standard error: a line per drive, each ending at its last
# command, and the table after it.
if command -v script >/dev/null; then
    for i in 8 9; do cp "$DATA/drives/dvd-writer.json" "$STATE/t$i.json"; done
    TERM=xterm script -qec "stty cols 200 rows 40; '$MODECON' replay '$STATE/tower.cmd' --drive 'emu:$STATE/t8.json' --drive 'emu:$STATE/t9.json?fault=latency:10'" \
        "$STATE/typescript" </dev/null >/dev/null
    out=$(cat "$STATE/typescript")
    expect_out "${ESC}[2Kreplay: 2 drives:"
    expect_out "${ESC}[3A"
    grep -qE "emu:$STATE/t9.json\?fault=latency:10 +done +[0-9.]+ s  command 4 of 4  set 08" <<<"$out" ||
        fail "no progress line of a drive at its last command"
    expect_out "emu:$STATE/t8.json: WCE: applied"
    expect_out "2 drives: 2 ran the file"
fi

# A replay onto one drive is as it was.
run replay "$STATE/tower.cmd" --drive "emu:$STATE/j5.json"
expect_status 0
expect_out "replay $STATE/tower.cmd: 4 commands run"
[ -n "${changed5:-}" ] && [ -n "$before8" ] || fail "no page read"

# A line that names its drive is not led by it a second time.
for i in 1 2; do cp "$DATA/drives/dvd-writer.json" "$STATE/named$i.json"; done
run replay "$STATE/tower.cmd" --drive "emu:$STATE/named1.json" --drive "emu:$STATE/named2.json"
expect_out "emu:$STATE/named2.json: page 0x05 (Write Parameters) written to current values"
checks=$((checks + 1))
! grep -qF "emu:$STATE/named2.json: emu:" <<<"$out" || fail "a line names its drive twice"

# --check onto many drives runs each drive's pre-flight and sends nothing.
for i in 1 2; do cp "$DATA/drives/dvd-writer.json" "$STATE/chk$i.json"; done
run replay "$STATE/tower.cmd" --drive "emu:$STATE/chk1.json" --drive "$CD" --check
expect_status 1
expect_out "(checked: nothing was sent)"
checks=$((checks + 1))
grep -qE "^emu:$STATE/chk1.json +MODECON DVD-RW WRITER 1.00 +same +would pass +4 +0 " <<<"$out" &&
    grep -qE "^$CD +MODECON ATAPI CD-ROM 2.5\+ +other +would fail +" <<<"$out" ||
    fail "the rows of --check do not say what would pass and fail: $out"
checks=$((checks + 1))
[ "$("$MODECON" get "emu:$STATE/chk1.json" 5)" = "$("$MODECON" get "emu:$STATE/chk2.json" 5)" ] ||
    fail "--check onto many drives changed a drive"

# A file with faults runs on no drive, its faults said once, not once a
# drive.
printf 'set emu:dvd-writer 5 WR_T=FAST\nfrobnicate\n' >"$STATE/bad.cmd"
run replay "$STATE/bad.cmd" --drive "${W[0]}" --drive "${W[1]}"
expect_status 2
expect_err "replay $STATE/bad.cmd: 2 faults found; nothing was run"
checks=$((checks + 1))
[ "$(grep -c 'bad.cmd:1: WR_T=FAST' <<<"$err")" = 1 ] || fail "a fault said more than once: $err"

# A file whose set reads its page from standard input: read once, before
# any drive begins, and every drive given the same bytes.
for i in 1 2; do cp "$DATA/drives/dvd-writer.json" "$STATE/in$i.json"; done
printf 'set emu:dvd-writer 08 --data -\n' >"$STATE/stdin.cmd"
run_in "88 0a 00 00 00 00 00 00 00 00 00 00" replay "$STATE/stdin.cmd" \
    --drive "emu:$STATE/in1.json" --drive "emu:$STATE/in2.json"
expect_status 0
expect_out "2 drives: 2 ran the file, 0 could not be opened, 0 skipped, 0 stopped; 2 changed"
for i in 1 2; do
    run get "emu:$STATE/in$i.json" 8
    checks=$((checks + 1))
    [ "$out" = "88 0a 00 00 00 00 00 00 00 00 00 00" ] ||
        fail "drive $i did not get the page from standard input: $out"
done

# A file that writes files (a snapshot, a saved history) is refused onto
# many drives, each such line named, before anything is sent: every
# drive would write the same file, and a later restore of the snapshot
# would put one drive's values on another.  A file replaying such a file
# onto many drives is refused the same, at its own checks.
for i in 1 2; do cp "$DATA/drives/dvd-writer.json" "$STATE/wf$i.json"; done
cat >"$STATE/writes.cmd" <<CMDS
set emu:dvd-writer 05 TST_W=1
snapshot emu:dvd-writer -o $STATE/wf-snap.json
history save $STATE/wf-history.cmd
CMDS
run replay "$STATE/writes.cmd" --drive "emu:$STATE/wf1.json" --drive "emu:$STATE/wf2.json"
expect_status 2
expect_err "writes.cmd:2: snapshot writes the file \"$STATE/wf-snap.json\", which every drive would write in turn"
expect_err "writes.cmd:3: history writes the file \"$STATE/wf-history.cmd\""
expect_err "replay $STATE/writes.cmd: 2 faults found; nothing was run"
checks=$((checks + 1))
[ ! -e "$STATE/wf-snap.json" ] && [ ! -e "$STATE/wf-history.cmd" ] ||
    fail "a file was written though the replay was refused"
run get "emu:$STATE/wf1.json" 5
checks=$((checks + 1))
[ "$out" = "$before" ] || fail "a drive changed though the file was refused"
printf 'replay %s --drive emu:%s/wf1.json --drive emu:%s/wf2.json\n' \
    "$STATE/writes.cmd" "$STATE" "$STATE" >"$STATE/writes-outer.cmd"
run replay "$STATE/writes-outer.cmd"
expect_status 2
expect_err "writes.cmd:2: snapshot writes the file"
expect_err "replay $STATE/writes-outer.cmd: 2 faults found; nothing was run"
# Onto one drive it runs as before.
run replay "$STATE/writes.cmd" --drive "emu:$STATE/wf1.json"
expect_status 0
checks=$((checks + 1))
[ -e "$STATE/wf-snap.json" ] || fail "the snapshot of a replay onto one drive was not written"

# CHANGED and 'undo -n N' say what reached each drive, however the
# commands that sent it ended.  A file replayed in turn, then a set: N
# counts every change the drive's undo record gained, and undo -n N
# takes the drive back to where it was.
for i in 1 2; do cp "$DATA/drives/dvd-writer.json" "$STATE/nest$i.json"; done
printf 'replay %s\nset emu:dvd-writer 08 RCD=1\n' "$STATE/tower.cmd" >"$STATE/nest.cmd"
run replay "$STATE/nest.cmd" --drive "emu:$STATE/nest1.json" --drive "emu:$STATE/nest2.json"
expect_status 0
grep -qE "^emu:$STATE/nest1.json +MODECON DVD-RW WRITER 1.00 +- +done +2 .* yes, undo -n 5 +-$" <<<"$out" ||
    fail "the row of a nested replay does not count what reached the drive: $out"
run undo "emu:$STATE/nest1.json" -n 5
expect_status 0
run get "emu:$STATE/nest1.json" 5
checks=$((checks + 1))
[ "$out" = "$before" ] || fail "undo -n 5 did not take page 05 back"
run get "emu:$STATE/nest1.json" 8
checks=$((checks + 1))
[ "$out" = "$before8" ] || fail "undo -n 5 did not take page 08 back"

# A restore that wrote page 05, then met a conflict on page 08, failed,
# but changed the drive.
cp "$DATA/drives/dvd-writer.json" "$STATE/rs1.json"
cp "$DATA/drives/dvd-writer.json" "$STATE/rs2.json"
"$MODECON" snapshot "emu:$STATE/nest2.json" -o "$STATE/nest2-snap.json" >/dev/null ||
    fail "no snapshot"
printf 'restore emu:dvd-writer %s\n' "$STATE/nest2-snap.json" >"$STATE/restore.cmd"
run replay "$STATE/restore.cmd" --drive "emu:$STATE/rs1.json?fault=status:18@55+1" \
    --drive "emu:$STATE/rs2.json"
expect_status 1
grep -qE "^emu:$STATE/rs1.json[?]fault=status:18@55[+]1 +MODECON DVD-RW WRITER 1.00 +- +failed +1 .* yes, undo -n 1 +E_IMAPI_RECORDER_LOCKED" <<<"$out" ||
    fail "the row of a restore that failed part-way does not say it changed the drive: $out"
run get "emu:$STATE/rs1.json" 5
checks=$((checks + 1))
[ "$out" != "$before" ] || fail "the restore did not write page 05"

# Ctrl-C during a file replayed in turn: the rows say what reached each
# drive, and undo -n N takes it back.
for i in 1 2; do cp "$DATA/drives/dvd-writer.json" "$STATE/int$i.json"; done
printf 'replay %s\n' "$STATE/slow.cmd" >"$STATE/outer-slow.cmd"
"$MODECON" replay "$STATE/outer-slow.cmd" --drive "emu:$STATE/int1.json?fault=latency:40" \
    --drive "emu:$STATE/int2.json?fault=latency:40" >"$STATE/int.out" 2>"$STATE/int.err" &
pid=$!
interrupt_when "$pid" has_outcomes int 2
ended "$pid" int
expect_status 130
table=$out
for i in 1 2; do
    row=$(grep -E "^emu:$STATE/int$i.json[?]fault=latency:40 +MODECON" <<<"$table")
    grep -qE " stopped +.* yes, undo -n [0-9]+ +interrupted$" <<<"$row" ||
        fail "the row of int$i does not say the interrupted drive changed: $row"
    n=$(sed -E 's/.*undo -n ([0-9]+).*/\1/' <<<"$row")
    run undo "emu:$STATE/int$i.json" -n "$n"
    expect_status 0
    run get "emu:$STATE/int$i.json" 5
    checks=$((checks + 1))
    [ "$out" = "$before" ] || fail "undo -n $n did not take back what reached int$i"
done

# A Ctrl-C that stopped a replay onto many drives that a file runs stops
# that file too, whatever --keep-going says: neither the next replay
# onto many drives nor the set after it runs.
for i in 1 2 3 4 5; do cp "$DATA/drives/dvd-writer.json" "$STATE/ko$i.json"; done
cat >"$STATE/outer-fleet.cmd" <<CMDS
replay $STATE/slow.cmd --drive emu:$STATE/ko1.json?fault=latency:40 --drive emu:$STATE/ko2.json?fault=latency:40
replay $STATE/tower.cmd --drive emu:$STATE/ko3.json --drive emu:$STATE/ko4.json
set emu:$STATE/ko5.json 08 WCE=0
CMDS
"$MODECON" replay "$STATE/outer-fleet.cmd" --keep-going >"$STATE/ko.out" 2>"$STATE/ko.err" &
pid=$!
interrupt_when "$pid" has_outcomes ko 2
ended "$pid" ko
expect_status 130
expect_err "outer-fleet.cmd: stopped at line 1, as asked (Ctrl-C)"
checks=$((checks + 1))
[ "$(outcomes ko)" = 2 ] || fail "a drive after the interrupted line was changed"
for i in 3 4; do
    run get "emu:$STATE/ko$i.json" 5
    checks=$((checks + 1))
    [ "$out" = "$before" ] || fail "ko$i changed after the interruption"
done
run get "emu:$STATE/ko5.json" 8
checks=$((checks + 1))
[ "$out" = "$before8" ] || fail "the set after the interruption ran"

# Ctrl-C during the drives' pre-flight: nothing was sent, and the drives
# are stopped, not refused.
for i in 1 2; do cp "$DATA/drives/dvd-writer.json" "$STATE/pf$i.json"; done
"$MODECON" replay "$STATE/slow.cmd" --drive "emu:$STATE/pf1.json?fault=latency:200" \
    --drive "emu:$STATE/pf2.json?fault=latency:200" >"$STATE/pf.out" 2>"$STATE/pf.err" &
pid=$!
interrupt_when "$pid" began pf 2
ended "$pid" pf
expect_status 130
checks=$((checks + 1))
[ "$(outcomes pf)" = 0 ] || fail "a MODE SELECT was sent though the pre-flight was interrupted"
checks=$((checks + 1))
grep -q "would fail" <<<"$err" && fail "the interrupted pre-flight refused commands"
expect_err "stopped in the pre-flight, as asked (Ctrl-C); nothing was sent"
for i in 1 2; do
    grep -qE "^emu:$STATE/pf$i.json[?]fault=latency:200 +MODECON DVD-RW WRITER 1.00 +same +stopped +0 +0 +0 +0 +0 +no +interrupted$" <<<"$out" ||
        fail "the row of pf$i does not say it stopped: $out"
done
expect_out "2 drives: 0 ran the file, 0 could not be opened, 0 skipped, 2 stopped; 0 changed"

# A rack's list of thousands of drives is checked for a drive named twice
# as it is read: the second naming is refused with its line, nothing
# opened.
seq -f "emu:$STATE/rack/d%05g.json" 1 20000 >"$STATE/big.drives"
sed -n 7p "$STATE/big.drives" >>"$STATE/big.drives"
run replay "$STATE/tower.cmd" --drives "$STATE/big.drives"
expect_status 2
expect_err "--drives $STATE/big.drives:20001: emu:$STATE/rack/d00007.json is named twice"
expect_err "1 bad line; nothing was sent to any drive"

# Drives that never began, the replay interrupted before their turn,
# have the interruption's exit status in the JSON document, not 0.
for i in 1 2 3; do cp "$DATA/drives/dvd-writer.json" "$STATE/nj$i.json"; done
"$MODECON" replay "$STATE/slow.cmd" --jobs 1 --json \
    --drive "emu:$STATE/nj1.json?fault=latency:40" --drive "emu:$STATE/nj2.json" \
    --drive "emu:$STATE/nj3.json" >"$STATE/nj.out" 2>"$STATE/nj.err" &
pid=$!
interrupt_when "$pid" has_outcomes nj 1
ended "$pid" nj
expect_status 130
checks=$((checks + 1))
jq -e '.interrupted and .drives[0].outcome == "stopped" and .drives[0].exit_status == 1
    and ([.drives[1:][] | select(.outcome == "stopped" and .exit_status == 1 and .commands_run == 0)] | length) == 2' \
    <<<"$out" >/dev/null || fail "a drive that never began has not the interruption's status: $out"

# The progress names the page a command acts on, the one the file
# selected when the command leaves it out.
if command -v script >/dev/null; then
    cp "$DATA/drives/dvd-writer.json" "$STATE/sel1.json"
    cp "$DATA/drives/dvd-writer.json" "$STATE/sel2.json"
    printf 'open emu:dvd-writer\npage 08\nset WCE=0\n' >"$STATE/select.cmd"
    TERM=xterm script -qec "stty cols 200 rows 40; '$MODECON' replay '$STATE/select.cmd' --drive 'emu:$STATE/sel1.json' --drive 'emu:$STATE/sel2.json'" \
        "$STATE/typescript" </dev/null >/dev/null
    out=$(cat "$STATE/typescript")
    grep -qE "emu:$STATE/sel2.json +done +[0-9.]+ s  command 3 of 3  set 08" <<<"$out" ||
        fail "the progress does not name the page selected: $out"
fi

done_ok
