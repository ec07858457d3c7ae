#!/bin/bash
# The order of the system calls that make the record durable, as strace
# sees them: before each MODE SELECT reaches the drive (the emulated
# drive's state file renamed into place), its intent is in the undo
# record and flushed, and in the audit log; after it, its outcome is in
# the audit log and flushed, then in the undo record.  Two flushes per
# MODE SELECT, whatever the record holds.  A file replaced whole (the undo
# record when it is new or rewritten) is flushed before its rename and its
# directory after.
. "$(dirname "$0")/lib.sh"
D=emu:dvd-writer
if ! command -v strace >/dev/null || ! strace -o /dev/null true 2>/dev/null; then
    echo "durability: strace cannot trace here: skipped"
    exit 0
fi
# LeakSanitizer cannot run under a tracer.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

# traced LOG ARGS...: run modecon under strace.
traced() {
    local log=$1
    shift
    strace -f -y -s 64 -o "$log" \
        -e trace=fsync,fdatasync,rename,renameat,renameat2,write \
        "$MODECON" "$@" >"$STATE/traced.out" 2>&1 || fail "modecon $* failed: $(cat "$STATE/traced.out")"
}

# tokens LOG: one word per system call that matters, in order:
#   UI UO UX  a line written to the undo record (intent, outcome, other)
#   UF        the undo record flushed
#   AI AO AF  an audit line written (intent, outcome), the log flushed
#   SEL       the emulated drive's state renamed into place: a MODE SELECT
#   TW TF TR  a temporary file of the undo record written, flushed, renamed
#   DF        a directory flushed
#   F         any other flush
tokens() {
    awk '
    /^[0-9]+ +write\([0-9]+<[^>]*\/modecon\/undo\/[^>]*\.jsonl>/ {
        if ($0 ~ /\\"intent\\"/) print "UI"; else if ($0 ~ /^[^"]*"\{\\"outcome\\"/) print "UO"; else print "UX"; next }
    /^[0-9]+ +write\([0-9]+<[^>]*\/modecon\/undo\/[^>]*\.tmp[^>]*>/ { print "TW"; next }
    /^[0-9]+ +write\([0-9]+<[^>]*\/modecon\/audit\.jsonl>/ {
        if ($0 ~ /\\"event\\":\\"intent\\"/) print "AI"; else print "AO"; next }
    /^[0-9]+ +(fsync|fdatasync)\([0-9]+<[^>]*\/modecon\/undo\/[^>]*\.jsonl>/ { print "UF"; next }
    /^[0-9]+ +(fsync|fdatasync)\([0-9]+<[^>]*\/modecon\/undo\/[^>]*\.tmp[^>]*>/ { print "TF"; next }
    /^[0-9]+ +(fsync|fdatasync)\([0-9]+<[^>]*\/modecon\/audit\.jsonl>/ { print "AF"; next }
    /^[0-9]+ +(fsync|fdatasync)\([0-9]+<[^>]*\/(undo|modecon)>/ { print "DF"; next }
    /^[0-9]+ +(fsync|fdatasync)\(/ { print "F"; next }
    /^[0-9]+ +rename(at2?)?\(.*\/emu\/[^"]*\.state\.tmp[^"]*", .*\/emu\/[^"]*\.state"/ { print "SEL"; next }
    /^[0-9]+ +rename(at2?)?\(.*\/modecon\/undo\/[^"]*\.tmp[^"]*"/ { print "TR"; next }
    ' "$1" | tr '\n' ' '
}

# in_order LOG REGEX WHAT: the tokens of LOG match REGEX whole.
in_order() {
    checks=$((checks + 1))
    local got
    got=$(tokens "$1")
    grep -qE "^($2)\$" <<<"$got" || fail "$3: the system calls go: $got"
}

# A first change: the undo record is new, so it is written whole (flushed
# before its rename, its directory after); the audit log is new, so its
# directory is flushed after it.  (The emulated drive's state is made
# first, by a read.)
"$MODECON" get $D caching >/dev/null 2>&1 || fail "get failed"
traced "$STATE/first.log" set $D caching WCE=0
in_order "$STATE/first.log" 'TW TF TR DF AI DF SEL AO AF UO ' \
    "a first set (new undo record and audit log)"

# Then every set: the undo intent appended and flushed, the audit intent,
# the MODE SELECT, the audit outcome flushed, the undo outcome.
traced "$STATE/set.log" set $D caching WCE=1
in_order "$STATE/set.log" 'UI UF AI SEL AO AF UO ' "a set"
traced "$STATE/save.log" set $D 1 RRC=5 --save
in_order "$STATE/save.log" 'UI UF AI SEL AO AF UO ' "a set --save"

# An undo of a saving change: three MODE SELECTs, each recorded the same
# way, then the change marked undone (unflushed: a lost mark is found
# again, the change being put back already).
traced "$STATE/undo.log" undo $D
in_order "$STATE/undo.log" '(UI UF AI SEL AO AF UO ){3}UX ' "an undo of a saving change"

# Two flushes per MODE SELECT, however long the record: 200 more changes
# (in one session), past the point where the record holds well over what
# undo needs and is rewritten once: that rewrite replaces the append, a
# temporary file flushed, renamed and its directory flushed.
cmds=
for i in $(seq 200); do
    cmds="$cmds set $D caching WCE=$((i % 2));"
done
run -c "$cmds"
expect_status 0
traced "$STATE/late.log" set $D caching WCE=1
in_order "$STATE/late.log" 'UI UF AI SEL AO AF UO ' "a set on a long record"
record=$(ls "$STATE"/modecon/undo/*.jsonl)
checks=$((checks + 1))
[ "$(wc -l <"$record")" -lt 300 ] || fail "the undo record was never rewritten: $(wc -l <"$record") lines"
# Each command is still there to undo, the last 32.
run undo $D -n 32 --dry-run
expect_status 0
# A disk that fails to flush (an LD_PRELOAD shim makes fsync and
# fdatasync of the named files fail with EIO): the undo record's intent
# cannot be made durable, so nothing is sent, and no later process takes
# it for a MODE SELECT whose process ended; the audit log's flush after
# the MODE SELECT fails the command, which says the drive took it.
if [ -z "${MODECON_MEMCHECK:-}" ]; then
    preload=$(failsync_preload)
    before=$("$MODECON" get $D caching)
    LD_PRELOAD=$preload FAILSYNC_MATCH="*/modecon/undo/*" \
        "$MODECON" --trace "$STATE/fail.trace" set $D caching WCE=0 \
        >"$STATE/fail.out" 2>"$STATE/fail.err"
    status=$? err=$(cat "$STATE/fail.err")
    expect_status 1
    expect_err "could not be recorded for undo, so nothing was sent: cannot flush"
    expect_err "Input/output error"
    checks=$((checks + 1))
    grep -q '"cdb":"55 ' "$STATE/fail.trace" && fail "a MODE SELECT went out unrecorded"
    checks=$((checks + 1))
    [ "$("$MODECON" get $D caching)" = "$before" ] || fail "the drive changed"
    run set $D caching WCE=0
    expect_status 0
    checks=$((checks + 1))
    case $err in *"ended before recording"*) fail "the refused MODE SELECT was taken for one sent: $err" ;; esac
    LD_PRELOAD=$preload FAILSYNC_MATCH="*/modecon/audit.jsonl" \
        "$MODECON" set $D caching WCE=1 >"$STATE/fail.out" 2>"$STATE/fail.err"
    status=$? err=$(cat "$STATE/fail.err")
    expect_status 1
    expect_err "the audit log could not be written (the change: applied)"
    # Its intent stays without an outcome in the undo record, so that the
    # next process resolves it: the outcome the audit log may have lost
    # is written again there, from the page read back if it is gone.
    record=$(ls "$STATE"/modecon/undo/*.jsonl)
    select=$(grep '"intent":' "$record" | tail -n 1 | jq -r .intent)
    checks=$((checks + 1))
    ! grep -qF "{\"outcome\":\"$select\"" "$record" ||
        fail "the undo record has an outcome the audit log could not keep"
    run set $D caching WCE=0
    expect_status 0
    checks=$((checks + 1))
    grep -qF "{\"outcome\":\"$select\"" "$record" ||
        fail "the next process left the intent without an outcome"
    checks=$((checks + 1))
    [ "$(grep -cF "\"select\":\"$select\"" "$STATE/modecon/audit.jsonl")" -ge 2 ] ||
        fail "the audit log lacks the intent or the outcome of $select"
fi
done_ok
