#!/bin/bash
# A change goes to the drive only once the undo record holds it on disk:
# when flushing the undo record fails (a failing disk, made by the
# preloaded tests/shim/failsync.c), set and restore send no MODE SELECT,
# the drive keeps its values, and the error says nothing was sent.  The
# shim fails flushes (and renames) in the undo directory, whatever the
# files in it are called, so this holds for any layout of the record.
. "$(dirname "$0")/lib.sh"
: "${MODECON_FAILSYNC:?set MODECON_FAILSYNC to the failsync shim}"
D=emu:dvd-writer
UNDO_DIR=$STATE/modecon/undo
LOG=$STATE/failsync.log

preload=$(failsync_preload)

# failing PATTERN CALLS ARGS...: run modecon with the CALLS (fsync,
# fdatasync, rename) on a path matching PATTERN failing with EIO.
failing() {
    local pattern=$1 calls=$2
    shift 2
    rm -f "$LOG"
    out=$(LD_PRELOAD=$preload FAILSYNC_MATCH=$pattern FAILSYNC_CALLS=$calls \
        FAILSYNC_LOG=$LOG "$MODECON" "$@" 2>"$STATE/stderr")
    status=$?
    err=$(cat "$STATE/stderr")
}

# selects TRACE: how many MODE SELECT(10) commands the trace holds.
selects() {
    [ -f "$1" ] || {
        echo 0
        return
    }
    jq -s '[.[] | select(.cdb | startswith("55 "))] | length' "$1"
}

# drive_values: the current and saved values of the pages changed here.
drive_values() {
    local page type
    for page in 1 8; do
        for type in current saved; do
            "$MODECON" get $D $page --type $type
        done
    done
}

# sends_nothing WHAT PATTERN ARGS...: with flushes of PATTERN failing,
# 'modecon ARGS' fails, says nothing was sent, sends
# no MODE SELECT and leaves the drive as it was.  The shim must have
# refused something: a command that never flushes its record passes
# nothing here.
sends_nothing() {
    local what=$1 pattern=$2 trace=$STATE/trace-$checks.jsonl
    shift 2
    local before
    before=$(drive_values)
    failing "$pattern" fsync,fdatasync "$@" --trace "$trace"
    checks=$((checks + 1))
    [ -s "$LOG" ] || fail "$what: nothing in $pattern was flushed or renamed"
    expect_status 1
    expect_err "nothing was sent"
    expect_err "Input/output error"
    checks=$((checks + 1))
    [ "$(selects "$trace")" -eq 0 ] ||
        fail "$what: a MODE SELECT was sent though the undo record failed: $(grep '"55 ' "$trace")"
    checks=$((checks + 1))
    [ "$(drive_values)" = "$before" ] || fail "$what: the drive's values changed"
}

# The shim passes what it does not match: a change goes out as usual.
trace=$STATE/control.jsonl
failing "$STATE/elsewhere" fsync,fdatasync,rename set $D caching WCE=0 --trace "$trace"
expect_status 0
checks=$((checks + 1))
[ "$(selects "$trace")" -eq 1 ] || fail "the change was not sent with the shim loaded"
checks=$((checks + 1))
[ ! -s "$LOG" ] || fail "the shim refused what it does not match: $(cat "$LOG")"
# Back to a fresh drive and no undo record, for the first change below.
rm -rf "$STATE/modecon"

# A first change: its record is a new entry in the undo directory, and
# the directory's flush fails.
sends_nothing "set, new record, directory" "$UNDO_DIR" set $D caching WCE=0
# (That one may leave a record: its directory's flush comes after the
# rename.)  A new record again, whose file's flush fails.
rm -rf "$UNDO_DIR"
sends_nothing "set, new record, files" "$UNDO_DIR/?*" set $D caching WCE=0
# A first record that could not be written leaves no file: an outcome
# alone, without the record's first line, would refuse every later change.
checks=$((checks + 1))
for f in "$UNDO_DIR"/*.jsonl; do
    [ ! -e "$f" ] || head -n 1 "$f" | grep -q '"version":2' ||
        fail "a failed first record left $f: $(cat "$f")"
done
run set $D caching WCE=0
expect_status 0

# A record on file: flushing its files fails, or any flush or rename in
# the undo directory.
sends_nothing "set, files" "$UNDO_DIR/?*" set $D caching WCE=1
sends_nothing "set, directory and files" "$UNDO_DIR*" set $D caching WCE=1
sends_nothing "set --save" "$UNDO_DIR*" set $D 1 RRC=5 --save
sends_nothing "set of several fields" "$UNDO_DIR*" set $D caching WCE=1 RCD=1

# A rename that fails: a record written in place of the old one (written
# beside it, then renamed) sends nothing; a record that is never renamed
# (appended to) is not concerned, and its change goes out.
before=$(drive_values)
failing "$UNDO_DIR*" rename set $D caching WCE=1 --trace "$STATE/rename.jsonl"
if grep -q '^rename' "$LOG" 2>/dev/null; then
    expect_status 1
    expect_err "nothing was sent"
    checks=$((checks + 1))
    [ "$(selects "$STATE/rename.jsonl")" -eq 0 ] || fail "rename: a MODE SELECT was sent"
    [ "$(drive_values)" = "$before" ] || fail "rename: the drive's values changed"
else
    expect_status 0
    run set $D caching WCE=0
fi

# restore: the first page whose record fails stops it, before its MODE
# SELECT; no page was written before it.
snap=$STATE/snap.json
run snapshot $D -o "$snap"
expect_status 0
run set $D caching WCE=1
expect_status 0
run set $D 1 RRC=7 --save
expect_status 0
sends_nothing "restore" "$UNDO_DIR*" restore $D "$snap"
expect_err "pages written before it: none"
sends_nothing "restore --save" "$UNDO_DIR*" restore $D "$snap" --save
expect_err "pages written before it: none"

# With the disk well again, the same commands go through.
run restore $D "$snap" --save
expect_status 0

# The order of a state file written whole (snapshot -o): its data reach
# the disk under the temporary name, then the rename makes it the file,
# then the directory is flushed so that the rename does too.  The shim
# fails nothing here and logs each flush and rename in order.
dir=$(realpath "$STATE")
file=$dir/order.json
rm -f "$LOG"
out=$(LD_PRELOAD=$preload FAILSYNC_LOG_ONLY=1 FAILSYNC_LOG=$LOG \
    "$MODECON" snapshot $D -o "$file" 2>"$STATE/stderr")
status=$? err=$(cat "$STATE/stderr")
expect_status 0
# line_of REGEX: the number of the first line of the log matching REGEX.
line_of() { grep -nE -m1 "$1" "$LOG" | cut -d: -f1; }
tmp_re="${file//./\\.}\\.tmp\\.[a-z0-9]+"
flushed=$(line_of "^f(data)?sync $tmp_re\$")
renamed=$(line_of "^rename(at2?)? $tmp_re ${file//./\\.}\$")
dir_flushed=$(line_of "^f(data)?sync ${dir//./\\.}\$")
checks=$((checks + 1))
[ -n "$flushed" ] && [ -n "$renamed" ] && [ -n "$dir_flushed" ] &&
    [ "$flushed" -lt "$renamed" ] && [ "$renamed" -lt "$dir_flushed" ] ||
    fail "snapshot -o: not fsync(temporary) < rename < fsync(directory): $(cat "$LOG")"

done_ok
