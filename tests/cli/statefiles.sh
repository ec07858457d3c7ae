#!/bin/bash
# modecon's own files under a failing disk, and with something else put in
# their place by another user: records are whole or absent and a failure
# says so; links are not followed, FIFOs and a state directory others can
# write in are refused at once.  And a page definition directory linking
# to itself is read once.
. "$(dirname "$0")/lib.sh"
D=emu:dvd-writer
M=$STATE/modecon
J=$M/journal

# run_env VAR=VALUE... -- ARGS...: run, with those variables set for
# modecon only.
run_env() {
    local -a vars=()
    while [ "$1" != -- ]; do
        vars+=("$1")
        shift
    done
    shift
    out=$(env "${vars[@]}" "$MODECON" "$@" 2>"$STATE/stderr")
    status=$?
    err=$(cat "$STATE/stderr")
}

# run_limited ARGS...: run, failing (not hanging) when modecon waits on a
# FIFO; timeout's 124 says so.
run_limited() {
    out=$(timeout 20 "$MODECON" "$@" 2>"$STATE/stderr")
    status=$?
    err=$(cat "$STATE/stderr")
    [ "$status" -ne 124 ] || fail "modecon $* hung"
}

page5() { "$MODECON" get $D 5; }

# wce_change: the FIELD=VALUE that changes the drive's WCE, so that a
# command using it always sends a MODE SELECT and records it.
wce_change() {
    local byte
    byte=$(byte_of "$("$MODECON" get $D 8)" 2)
    echo "WCE=$(((0x$byte & 4) ? 0 : 1))"
}

# The state directories and files, as a first change makes them.
"$MODECON" set $D 5 WR_T=TAO LINK_S=0 >/dev/null 2>&1 || fail "first set failed"
page5 >"$STATE/page.want"
UNDO=$(echo "$M"/undo/*.jsonl)
EMU=$M/emu/dvd-writer.state
LOCK=$(echo "$M"/locks/*.lock)
[ -f "$UNDO" ] && [ -f "$EMU" ] && [ -f "$LOCK" ] || fail "no state files in $M"

# ---- The journal on a full disk ---------------------------------------

# full_journal_checks BEFORE: the command failed for the journal, naming
# its real cause, the journal is as it was, and the drive has the change.
full_journal_checks() {
    expect_status 1
    expect_err "the journal was not written: cannot write $J: No space left on device"
    expect_err "the drive has the change; only the journal misses it"
    checks=$((checks + 1))
    ! grep -q "File exists" <<<"$err" || fail "a stale errno is reported"
    checks=$((checks + 1))
    cmp -s "$1" "$J" || fail "the journal was not cut back: $(tail -c 200 "$J")"
    checks=$((checks + 1))
    [ "$(page5)" = "$(cat "$STATE/page.want")" ] || fail "the drive lacks the change"
}

# A write that fills the disk half-way (tests/shim/shortwrite.c): the
# record is cut back, not left as "set ... WR_T=TAO " that replays as
# another command.  Not under valgrind, which cannot take the shim.
"$MODECON" set $D 5 WR_T=SAO LINK_S=16 >/dev/null 2>&1
if [ -z "${MODECON_MEMCHECK-}" ]; then
    cp "$J" "$STATE/journal.before"
    run_env SHORTWRITE_FILE="$(realpath "$J")" \
        LD_PRELOAD="${MODECON_SHIM_SHORTWRITE:?built by tests/CMakeLists.txt}" \
        ASAN_OPTIONS="${ASAN_OPTIONS-}:verify_asan_link_order=0" \
        -- set $D 5 WR_T=TAO LINK_S=0
    full_journal_checks "$STATE/journal.before"
    # The same again: the drive has those values, nothing is sent, and
    # nothing is said of a change the drive would have.
    run_env SHORTWRITE_FILE="$(realpath "$J")" \
        LD_PRELOAD="${MODECON_SHIM_SHORTWRITE:?built by tests/CMakeLists.txt}" \
        ASAN_OPTIONS="${ASAN_OPTIONS-}:verify_asan_link_order=0" \
        -- set $D 5 WR_T=TAO LINK_S=0
    expect_status 1
    expect_out "nothing was sent"
    expect_err "the journal was not written: cannot write $J: No space left on device"
    checks=$((checks + 1))
    [[ $err != *"the drive has the change"* ]] ||
        fail "a change that was not sent is said to be on the drive: $err"
fi

# A real full disk: a 64 kB tmpfs mounted over the journal (a bind mount,
# so it stays a regular file) in a mount namespace of its own, where there
# is one (as root, or through a user namespace).  The journal ends 8 bytes
# before its page, so the next record fits part-way, as on a disk that
# fills.  Then --trace to a file on it fails and says so.
if unshare -m true 2>/dev/null; then
    ns=(unshare -m)
elif unshare -rm true 2>/dev/null; then
    ns=(unshare -rm)
else
    ns=()
    echo "$TEST_NAME: no mount namespace here: the tmpfs full disk is not tried"
fi
if [ ${#ns[@]} -gt 0 ]; then
    "$MODECON" set $D 5 WR_T=SAO LINK_S=16 >/dev/null 2>&1
    mkdir "$STATE/small"
    cat >"$STATE/full.sh" <<'EOF'
set -u
STATE=$1 J=$2
shift 2
mount -t tmpfs -o size=64k tmpfs "$STATE/small" || exit 99
{ head -c 4087 /dev/zero | tr '\0' '#'; echo; } >"$STATE/small/journal"
cp "$STATE/small/journal" "$STATE/journal.before"
mount --bind "$STATE/small/journal" "$J" || exit 99
dd if=/dev/zero of="$STATE/small/filler" bs=4k 2>/dev/null
"$@" set emu:dvd-writer 5 WR_T=TAO LINK_S=0 >"$STATE/full.out" 2>"$STATE/full.err"
echo $? >"$STATE/full.status"
cp "$J" "$STATE/journal.after"
"$@" get emu:dvd-writer 5 --trace "$STATE/small/trace" >/dev/null 2>"$STATE/trace.err"
echo $? >"$STATE/trace.status"
EOF
    "${ns[@]}" bash "$STATE/full.sh" "$STATE" "$J" "$MODECON"
    if [ $? -eq 99 ]; then
        echo "$TEST_NAME: no tmpfs could be mounted: the full disk is not tried"
        ns=()
    fi
fi
if [ ${#ns[@]} -gt 0 ]; then
    status=$(cat "$STATE/full.status") err=$(cat "$STATE/full.err")
    expect_status 1
    expect_err "cannot write $J: No space left on device"
    checks=$((checks + 1))
    cmp -s "$STATE/journal.before" "$STATE/journal.after" ||
        fail "the journal on a full disk was not cut back: $(tail -c 200 "$STATE/journal.after")"
    checks=$((checks + 1))
    [ "$(page5)" = "$(cat "$STATE/page.want")" ] || fail "the drive lacks the change"
    status=$(cat "$STATE/trace.status") err=$(cat "$STATE/trace.err")
    expect_status 1
    expect_err "--trace: 1 command not traced: cannot write $STATE/small/trace: No space left on device"
fi

# A trace file named by a long path on a full device: the message cuts
# the path, never the reason at its end.
long=/dev$(printf '/.%.0s' $(seq 300))/full
run --trace "$long" get $D 5
expect_status 1
checks=$((checks + 1))
[[ $err == *"--trace: 1 command not traced: cannot write /dev/./."*"(609 bytes): No space left on device" ]] ||
    fail "the trace's error lost its reason: $err"

# A journal whose last record was cut off (a crash, a full disk in an
# older modecon) never was whole: the next record removes it, saying so,
# rather than end it with a newline and make it look whole to a replay,
# which would run "WR_T=TAO" of "WR_T=TAO LINK_S=0" as if it were all.
cut="set $D 5 WR_T=TAO"
printf '# modecon 0.1.0 session 2026-01-01T00:00:00Z pid 1\n# drive %s: MODECON DVD-RW WRITER 1.00\n%s' \
    $D "$cut" >"$J"
rm -f "$EMU"
fresh=$(page5)
run set $D caching "$(wce_change)"
expect_status 0
expect_err "warning: $J: its last record \"$cut\" (${#cut} bytes) had no newline at its end"
checks=$((checks + 1))
! grep -qxF "$cut" "$J" || fail "the cut record looks whole: $(cat "$J")"
checks=$((checks + 1))
sed -n 3p "$J" | grep -q '^# modecon .* session ' ||
    fail "the new session's header does not follow the last whole record: $(cat "$J")"
# Replayed on a fresh drive: the whole command alone runs, and the write
# type and link size stay as they were.
cp "$J" "$STATE/torn.journal"
rm -f "$EMU"
run replay "$STATE/torn.journal"
expect_status 0
expect_out "1 command run, 1 change applied, 0 not applied by the drive, 0 refused, 0 failed"
checks=$((checks + 1))
[ "$(byte_of "$(page5)" 2) $(byte_of "$(page5)" 5)" = "$(byte_of "$fresh" 2) $(byte_of "$fresh" 5)" ] ||
    fail "replay changed WR_T or LINK_S: $(page5)"
# The journal now ends whole: the next record is appended without a note.
run set $D caching "$(wce_change)"
expect_status 0
checks=$((checks + 1))
[[ $err != *"had no newline"* ]] || fail "the removal was reported twice: $err"

# replay runs no last line that lacks its newline: it may be cut short,
# and then it is another command.  Nothing at all is run.
printf 'set %s 5 LINK_S=0\nset %s 5 WR_T=TAO' $D $D >"$STATE/cut.journal"
before=$(page5)
run replay "$STATE/cut.journal"
expect_status 2
expect_err "replay $STATE/cut.journal: line 2 has no newline at its end"
expect_err "nothing was run"
checks=$((checks + 1))
[ "$(page5)" = "$before" ] || fail "replay ran lines of a cut-off file"
# A file whose last line ends, or is blank, is run as before.
printf 'set %s 5 LINK_S=0\n  ' $D >"$STATE/whole.journal"
run replay "$STATE/whole.journal"
expect_status 0
expect_out "1 command run, 1 change applied, 0 not applied by the drive, 0 refused, 0 failed"

# ---- Links in place of state files --------------------------------------

# plant LINK: a symbolic link at LINK to a file of the user's.
plant() {
    printf 'precious\n' >"$STATE/victim"
    rm -f "$1"
    ln -s "$STATE/victim" "$1"
}

# intact WHAT: the link's target was not written through.
intact() {
    checks=$((checks + 1))
    [ "$(cat "$STATE/victim")" = precious ] ||
        fail "$1: the link's target was written: $(head -c 200 "$STATE/victim")"
}

# with_planted_temp FILE ARGS...: modecon ARGS with a link planted at the
# temporary name an older modecon used beside FILE (FILE.tmp.PID): exec
# keeps the shell's PID for modecon.
with_planted_temp() {
    local file=$1
    shift
    printf 'precious\n' >"$STATE/victim"
    out=$(bash -c 'ln -s "$1" "$2.tmp.$$" && exec "${@:3}"' _ \
        "$STATE/victim" "$file" "$MODECON" "$@" 2>"$STATE/stderr")
    status=$?
    err=$(cat "$STATE/stderr")
    rm -f "$file".tmp.*
}

# Temporary files have names nobody can predict, created exclusively.
with_planted_temp "$UNDO" set $D caching "$(wce_change)"
expect_status 0
intact "undo record's temporary file"
checks=$((checks + 1))
[ -f "$UNDO" ] && [ ! -L "$UNDO" ] || fail "the undo record became a link"

with_planted_temp "$EMU" set $D caching "$(wce_change)"
expect_status 0
intact "emulated drive state's temporary file"
checks=$((checks + 1))
[ -f "$EMU" ] && [ ! -L "$EMU" ] || fail "the drive state became a link"

mkdir -m 1777 "$STATE/shared"
with_planted_temp "$STATE/shared/snap.json" snapshot $D -o "$STATE/shared/snap.json"
expect_status 0
intact "snapshot -o's temporary file"
checks=$((checks + 1))
[ ! -L "$STATE/shared/snap.json" ] && jq -e .mode_pages "$STATE/shared/snap.json" >/dev/null ||
    fail "the snapshot is not a file of its own"

# A link in place of a state file is refused, naming it.
plant "$STATE/shared/link.json"
run snapshot $D -o "$STATE/shared/link.json"
expect_status 1
expect_err "$STATE/shared/link.json is a symbolic link, not a regular file"
intact "snapshot -o at a link"

# The journal is checked before anything is sent.
plant "$J"
before=$("$MODECON" get $D 8)
run set $D caching "$(wce_change)"
expect_status 1
expect_err "the journal cannot be written, so nothing was sent: $J is a symbolic link, not a regular file"
intact "journal"
checks=$((checks + 1))
[ "$("$MODECON" get $D 8)" = "$before" ] || fail "a change was sent with no journal"
rm -f "$J"

plant "$M/audit.jsonl"
before=$("$MODECON" get $D 8)
run set $D caching "$(wce_change)"
checks=$((checks + 1))
[ "$status" -ne 0 ] || fail "a link at audit.jsonl was written through"
expect_err "nothing was sent"
checks=$((checks + 1))
[ "$("$MODECON" get $D 8)" = "$before" ] || fail "a change was sent with a link at audit.jsonl"
expect_err "$M/audit.jsonl is a symbolic link, not a regular file"
intact "audit log"
rm -f "$M/audit.jsonl"

plant "$EMU"
run get $D 5
expect_status 1
expect_err "$EMU is a symbolic link, not a regular file"
intact "emulated drive state"
rm -f "$EMU"

# A lock file's link to nowhere: its target is not created.
for lock in "$LOCK" "$M/emu/dvd-writer.lock"; do
    change=$(wce_change)
    rm -f "$lock" "$STATE/absent"
    ln -s "$STATE/absent" "$lock"
    run set $D caching "$change"
    checks=$((checks + 1))
    [ "$status" -ne 0 ] || fail "a link at $lock was followed"
    expect_err "$lock is a symbolic link, not a regular file"
    checks=$((checks + 1))
    [ ! -e "$STATE/absent" ] || fail "the link at $lock created its target"
    rm -f "$lock"
done

# ---- FIFOs in place of state files --------------------------------------

rm -f "$J"
mkfifo "$J"
before=$("$MODECON" get $D 8)
run_limited set $D caching "$(wce_change)"
expect_status 1
expect_err "the journal cannot be written, so nothing was sent: $J is a FIFO, not a regular file"
checks=$((checks + 1))
[ "$("$MODECON" get $D 8)" = "$before" ] || fail "a change was sent with no journal"
rm -f "$J"

mkfifo "$LOCK.fifo"
rm -f "$LOCK"
mv "$LOCK.fifo" "$LOCK"
run_limited set $D caching "$(wce_change)"
expect_status 1
expect_err "$LOCK is a FIFO, not a regular file"
rm -f "$LOCK"

# A FIFO at audit.jsonl is refused before the MODE SELECT, with the
# drive's lock held.
rm -f "$M/audit.jsonl"
mkfifo "$M/audit.jsonl"
before=$(page5)
run_limited set $D 5 LINK_S=0
expect_status 1
expect_err "$M/audit.jsonl is a FIFO, not a regular file"
checks=$((checks + 1))
[ "$(page5)" = "$before" ] || fail "a MODE SELECT was sent with no audit log"
rm -f "$M/audit.jsonl"

# ---- A state directory others can write in ------------------------------

for dir in "$M" "$M/undo"; do
    change=$(wce_change)
    chmod 775 "$dir"
    run set $D caching "$change"
    expect_status 1
    expect_err "the state directory $dir can be written by others (mode 0775)"
    expect_err "chmod 700 $dir"
    chmod 700 "$dir"
done
# Above it: a directory others can write in (not sticky) could have the
# state directory swapped for another; the state directory as a link is
# refused too.
chmod 777 "$STATE"
run set $D caching "$(wce_change)"
chmod 700 "$STATE"
expect_status 1
expect_err "$STATE, above the state directory, can be written by others (mode 0777) and is not sticky"
expect_err "nothing was sent"
mv "$M" "$STATE/moved"
ln -s moved "$M"
run set $D caching "$(wce_change)"
expect_status 1
expect_err "the state directory $M is a symbolic link"
rm "$M"
mv "$STATE/moved" "$M"
run set $D caching "$(wce_change)"
expect_status 0

# ---- The shell's history -------------------------------------------------

# The shell's history is a state file like the others (the console's is
# loaded and saved by the same code, src/cmd/histfile.c): a link in its
# place is neither read nor written through, a dangling one creates
# nothing, and a FIFO does not hang the shell at its start.  The shell
# goes on without a history file and says why, once.
H=$M/history
shell_session() {
    out=$(printf 'get %s 5\nquit\n' $D |
        timeout 20 "$MODECON" shell 2>"$STATE/stderr")
    status=$?
    err=$(cat "$STATE/stderr")
    [ "$status" -ne 124 ] || fail "modecon shell hung"
}
# expect_no_history WHAT: the session ran, refusing the history once.
expect_no_history() {
    expect_status 0
    expect_out "05 "
    expect_err "$H is $1, not a regular file"
    checks=$((checks + 1))
    [ "$(grep -c "the shell keeps no history" <<<"$err")" -eq 1 ] ||
        fail "the refusal is not said once"
}
printf 'kept as it was\n' >"$STATE/victim2"
chmod 644 "$STATE/victim2"
ln -s "$STATE/victim2" "$H"
shell_session
expect_no_history "a symbolic link"
checks=$((checks + 1))
[ "$(cat "$STATE/victim2")" = "kept as it was" ] ||
    fail "the link was written through: $(head -c 100 "$STATE/victim2")"
checks=$((checks + 1))
[ "$(stat -c %a "$STATE/victim2")" = 644 ] || fail "the link's target was chmodded"
checks=$((checks + 1))
[ -L "$H" ] || fail "the link was replaced"
rm "$H"
ln -s "$STATE/absent-history" "$H"
shell_session
expect_no_history "a symbolic link"
checks=$((checks + 1))
[ ! -e "$STATE/absent-history" ] || fail "the dangling link's target was created"
rm "$H"
mkfifo "$H"
shell_session
expect_no_history "a FIFO"
checks=$((checks + 1))
[ -p "$H" ] || fail "the FIFO was replaced"
rm "$H"
# A regular file is read, and replaced whole and private (one that others
# could read included), leaving no temporary file beside it.
# (stderr may hold the leak checker's summary: only a word about the
# history is looked for.)
expect_history_kept() {
    checks=$((checks + 1))
    ! grep -q "history" <<<"$err" || fail "the history was refused"
}
shell_session
expect_status 0
expect_history_kept
chmod 644 "$H"
shell_session
expect_history_kept
checks=$((checks + 1))
[ "$(stat -c %a "$H")" = 600 ] || fail "the history is not private"
checks=$((checks + 1))
[ "$(grep -c 'get\\040emu:dvd-writer\\0405' "$H")" -eq 2 ] ||
    fail "the history does not hold both sessions: $(cat "$H")"
checks=$((checks + 1))
[ -z "$(find "$M" -maxdepth 1 -name 'history?*')" ] ||
    fail "files left beside the history: $(ls "$M")"

# On a disk that fails to flush (tests/shim/failsync.c), the history is
# not replaced: the old one stays whole, the shell says the session's
# lines are lost, and no temporary file is left beside it.  The new
# history is flushed before it is renamed over the old.
if [ -z "${MODECON_MEMCHECK:-}" ]; then
    preload=$(failsync_preload)
    cp "$H" "$STATE/history.before"
    out=$(printf 'get %s 8\nquit\n' $D | LD_PRELOAD=$preload \
        FAILSYNC_MATCH="*/modecon/history*" FAILSYNC_CALLS=fsync \
        timeout 20 "$MODECON" shell 2>"$STATE/stderr")
    status=$?
    err=$(cat "$STATE/stderr")
    expect_status 0
    expect_err "cannot write $H: Input/output error; this session's history is lost"
    checks=$((checks + 1))
    cmp -s "$STATE/history.before" "$H" || fail "the history was changed"
    checks=$((checks + 1))
    [ -z "$(find "$M" -maxdepth 1 -name 'history?*')" ] ||
        fail "files left beside the history: $(ls "$M")"
    out=$(printf 'get %s 8\nquit\n' $D | LD_PRELOAD=$preload \
        FAILSYNC_LOG_ONLY=1 FAILSYNC_LOG="$STATE/history.calls" \
        timeout 20 "$MODECON" shell 2>"$STATE/stderr")
    calls=$STATE/history.calls
    line_of() { grep -n -m1 -- "$1" "$calls" | cut -d: -f1; }
    flushed=$(line_of "^fsync $H\.tmp\.")
    renamed=$(line_of "^rename $H\.tmp\.[^ ]* $H\$")
    dir_flushed=$(awk -v after="${renamed:-0}" -v want="fsync $M" \
        'NR > after && $0 == want { print NR; exit }' "$calls")
    checks=$((checks + 1))
    [ -n "$flushed" ] && [ -n "$renamed" ] && [ -n "$dir_flushed" ] &&
        [ "$flushed" -lt "$renamed" ] ||
        fail "the history is not flushed, renamed, its directory flushed: $(cat "$calls")"
fi

# ---- Page definitions in a directory that links to itself ---------------

# Eight links to itself: each directory is read once, not 8^9 times.
mkdir "$STATE/loop"
cp "$(dirname "$0")/../../pages/mmc/"*.page "$STATE/loop/"
for i in 1 2 3 4 5 6 7 8; do
    ln -s . "$STATE/loop/self$i"
done
out=$(MODECON_PAGES=$STATE/loop timeout 20 "$MODECON" show $D 5 2>"$STATE/stderr")
status=$?
err=$(cat "$STATE/stderr")
expect_status 0
expect_out "WR_T"

done_ok
