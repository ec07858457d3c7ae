#!/bin/bash
# Tagged drives in the console: two of three drives tagged, an edit
# staged and committed to both after a screen of their dry runs (one
# refused: the ATAPI drive has no Caching page), each drive's outcome,
# the drives' state checked afterwards (the untagged one untouched); undo
# and defaults for the tagged drives; a drive that fails the MODE SELECT
# and one that ignores it; the page compared across the tagged drives;
# the keys typed in one burst, but for y, which confirms only a screen
# shown; 80x24 and a terminal too small; dry runs left behind, an edit
# still on its way, a page changed before y, a batch left while sending,
# the comparison's reads out.
set -u
: "${MODECON:?set MODECON to the modecon binary}"
STATE=$(mktemp -d /tmp/modecon-e2e-XXXXXX)
E2E_NAME=tags
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

export LC_ALL=C.UTF-8
SAN="ASAN_OPTIONS='${ASAN_OPTIONS:-}' LSAN_OPTIONS='${LSAN_OPTIONS:-}' UBSAN_OPTIONS='${UBSAN_OPTIONS:-}' TSAN_OPTIONS='${TSAN_OPTIONS:-}'"
AUDIT=$STATE/modecon/audit.jsonl

cli() {
    XDG_STATE_HOME=$STATE XDG_CONFIG_HOME=$STATE "$MODECON" "$@"
}

# expect_page DRIVE PAGE HEX: the drive's current values of PAGE.
expect_page() {
    local got
    got=$(cli get "$1" "$2" 2>&1)
    [ "$got" = "$3" ] || fail "$1 page $2 is '$got', expected '$3'"
    checks=$((checks + 1))
}

# MODE SELECTs whose outcome the audit log holds.
audit_lines() {
    local n=0
    [ -f "$AUDIT" ] && n=$(grep -c '"event":"outcome"' "$AUDIT")
    echo "$n"
}

expect_audit_lines() {
    checks=$((checks + 1))
    [ "$(audit_lines)" -eq "$1" ] ||
        fail "expected $1 audit lines, found $(audit_lines)"
}

# wait_gone TEXT: poll (at most 20 s) until the screen no longer shows it.
wait_gone() {
    for _ in $(seq 200); do
        $T capture-pane -p | grep -qF -- "$1" || {
            checks=$((checks + 1))
            return 0
        }
        sleep 0.1
    done
    fail "the screen still shows: $1"
}

# row_of TEXT: the screen's row that shows TEXT.
row_of() {
    $T capture-pane -p | grep -F -- "$1" | head -1
}

CACHING_AS_SHIPPED="88 0a 04 00 00 00 00 00 00 00 00 00"
CACHING_WCE_0="88 0a 00 00 00 00 00 00 00 00 00 00"

e2e_next_server
$T new-session -d -x 80 -y 24 \
    "env LC_ALL=C.UTF-8 NO_COLOR=1 XDG_STATE_HOME=$STATE XDG_CONFIG_HOME=$STATE TERM=xterm $SAN $MODECON console emu:dvd-writer emu:cd-atapi emu:ignoring; echo \"EXITED \$?\"; sleep 60"
wait_for "IGNORING WRITER"

# --- In one burst: tag the first two drives (t, j, t, k back to the
# first), show its Caching page, stage WCE=0 and ask to commit.  Each key
# waits for the answer the keys before it asked for; c shows every
# tagged drive's dry run, and y, typed once they are shown, sends.
$T send-keys t j t k : "page caching" Enter : "edit WCE=0" Enter c
wait_for "2 tagged drives: commit page 0x08 (Caching): WCE=0"
wait_for "y send to the 1 drive that passed"
$T send-keys y
wait_for "1 applied, 0 unchanged, 0 not applied, 0 failed, 1 not sent"
row_of "emu:dvd-writer  MODECON" | grep -q "applied" ||
    fail "the DVD writer's row does not say applied: $(row_of "emu:dvd-writer  MODECON")"
row_of "emu:cd-atapi  MODECON" | grep -q "REFUSED" ||
    fail "the ATAPI drive's row does not say REFUSED: $(row_of "emu:cd-atapi  MODECON")"
row_of "emu:cd-atapi  MODECON" | grep -qF "(another model)" ||
    fail "the ATAPI drive is not named another model"
checks=$((checks + 3))
wait_for "E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE (0xC0AA0201)"
wait_for "WCE: applied"
# The untagged drive was neither checked nor written.
$T capture-pane -p | grep -qF "emu:ignoring" &&
    fail "the untagged drive is on the tagged drives' screen"
checks=$((checks + 1))
expect_page emu:dvd-writer caching "$CACHING_WCE_0"
expect_page emu:ignoring caching "08 0a 04 00 00 00 00 00 00 00 00 00"
expect_audit_lines 1

# Back on the main screen: the marks (without colour) and the count.
$T send-keys Escape
wait_gone "2 tagged drives: commit"
wait_for " 2 tagged "
row_of "emu:dvd-writer    " | grep -q '^\*' || fail "the DVD writer is not marked tagged"
row_of "emu:cd-atapi    " | grep -q '^\*' || fail "the ATAPI drive is not marked tagged"
row_of "emu:ignoring    " | grep -q '^ ' || fail "the untagged drive is marked"
checks=$((checks + 3))
wait_for "tagged drives: 1 applied, 0 unchanged, 0 not applied, 0 failed, 1 not sent"

# --- Leaving the pre-check sends nothing: n after the dry runs.
$T send-keys : "edit RCD=1" Enter
wait_for "[staged]"
$T send-keys c
wait_for "y send to the 1 drive that passed"
$T send-keys n
wait_for "tagged drives: left; nothing was sent"
expect_audit_lines 1
# s, which saves on one drive, leaves too, saying how to save.
$T send-keys c
wait_for "y send to the 1 drive that passed"
$T send-keys s
wait_for "s saves on one drive at a time"
expect_audit_lines 1
$T send-keys d
wait_gone "[staged]"

# --- The page compared across the tagged drives, after tagging the
# third too: its WCE differs from the first's and is marked; the ATAPI
# drive, which has no Caching page, says why.
$T send-keys j j t
wait_for "3 tagged"
$T send-keys k k =
wait_for "Page 0x08 (Caching) on 3 tagged drives"
wait_for "FIELD     emu:dvd-writer"
row_of "WCE " | grep -qE '^ WCE +0 +- +\*1' ||
    fail "WCE is not 0, -, *1 across the drives: $(row_of "WCE ")"
row_of "RCD " | grep -qE '^ RCD +0 +- +0' ||
    fail "RCD is not 0, -, 0 across the drives: $(row_of "RCD ")"
checks=$((checks + 2))
wait_for "emu:cd-atapi: E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE"
$T send-keys Escape
wait_gone "on 3 tagged drives"

# --- Undo for the tagged drives: the DVD writer's commit is put back;
# the ATAPI drive and the one that ignores changes have nothing to undo.
$T send-keys u
wait_for "3 tagged drives: undo each one's last command"
wait_for "y send to the 1 drive that passed"
expect_audit_lines 1
$T send-keys y
wait_for "1 applied, 0 unchanged, 0 not applied, 0 failed, 2 not sent"
expect_page emu:dvd-writer caching "$CACHING_AS_SHIPPED"
$T send-keys Escape

# --- A commit of page 01 to all three: the ATAPI drive passes its dry
# run (it reports no changeable values to check against) but refuses the
# MODE SELECT itself, the ignoring drive takes it and changes nothing.
$T send-keys : "page 1" Enter
wait_for "01 Read/Write Error Recovery, 12 bytes"
$T send-keys : "edit RRC=8" Enter c
wait_for "y send to the 3 drives that passed"
$T send-keys y
wait_for "1 applied, 0 unchanged, 1 not applied, 1 failed, 0 not sent"
row_of "emu:cd-atapi  MODECON" | grep -q "FAILED" || fail "the ATAPI drive did not fail"
row_of "emu:ignoring  MODECON" | grep -q "NOT APPLIED" || fail "the ignoring drive's change is not said NOT APPLIED"
checks=$((checks + 2))
wait_for "E_FAIL (0x80004005)"
wait_for "[sense 05/20/00 invalid command operation code]"
wait_for "RRC: NOT applied: the drive has 16"
cli get emu:dvd-writer 1 | grep -q "^81 0a c4 08" ||
    fail "the DVD writer's RRC is not 8: $(cli get emu:dvd-writer 1)"
checks=$((checks + 1))
$T send-keys Escape

# --- Defaults for the tagged drives, at a terminal too small: y is not
# taken until the terminal is big enough again to show what it sends.
$T send-keys D
wait_for "3 tagged drives: their defaults into page 0x01"
wait_for "y send to the"
before=$(audit_lines)
$T resize-window -x 40 -y 10
wait_for "modecon needs 80x24"
$T send-keys y
$T resize-window -x 80 -y 24
wait_for "3 tagged drives: their defaults into page 0x01"
expect_audit_lines "$before"
$T send-keys y
wait_for "not applied,"
cli get emu:dvd-writer 1 | grep -q "^81 0a c0 20" ||
    fail "the DVD writer's PER and RRC are not their defaults 0 and 32: $(cli get emu:dvd-writer 1)"
checks=$((checks + 1))
$T send-keys Escape

# --- T untags every drive; c is the one drive's dialog again.
$T send-keys T
wait_gone "3 tagged"
$T send-keys : "edit RRC=8" Enter c
wait_for "Commit these changes?"
$T send-keys n
$T send-keys d

# --- The help lists the keys.
$T send-keys '?'
wait_for "tag-all"
$T send-keys q
$T send-keys q
wait_for "EXITED 0"

# --- A drive slow to answer its dry run (every MODE SENSE 2 s late):
# a key typed meanwhile waits, and the screen says so; Esc drops it, a
# second Esc leaves at once, the slow drive's answer still comes, and
# nothing is sent to either drive.
SLOW='emu:ignoring?fault=latency:2000@5a'
e2e_next_server
$T new-session -d -x 80 -y 24 \
    "env LC_ALL=C.UTF-8 XDG_STATE_HOME=$STATE XDG_CONFIG_HOME=$STATE TERM=xterm $SAN $MODECON console --poll 0 emu:dvd-writer '$SLOW'; echo \"EXITED \$?\"; sleep 60"
wait_for "IGNORING WRITER"
before=$(audit_lines)
$T send-keys t j t k : "page caching" Enter : "edit RCD=1" Enter c
wait_for "dry runs: 1 of 2 answered"
$T send-keys j
wait_for "1 key typed wait"
$T send-keys Escape
wait_gone "1 key typed wait"
$T send-keys Escape
wait_for "tagged drives: left; nothing was sent"
wait_for "busy"
wait_gone "busy"
$T capture-pane -p | grep -qF "tagged drives: commit" &&
    fail "the slow drive's late answer opened the screen again"
checks=$((checks + 1))
expect_audit_lines "$before"
expect_page "$SLOW" caching "08 0a 04 00 00 00 00 00 00 00 00 00"
$T send-keys d q
wait_for "EXITED 0"

# --- A dialog shows its own drive's dry run: two drives whose workers
# number their jobs alike; the tagged drive's defaults dry run, left
# behind and answering late, carries the number of the dialog's dry run
# on the other drive, and neither opens that dialog nor is sent by its y.
DVD2=$STATE/dvd2.json
sed 's/"DVD-RW WRITER"/"DVD-RW WRITER 2"/' "$(dirname "$0")/../../drives/dvd-writer.json" >"$DVD2" ||
    fail "no copy of the DVD writer's file"
SLOW1='emu:dvd-writer?fault=latency:1000@5a'
SLOW2="emu:$DVD2?fault=latency:200@5a"
cli set emu:dvd-writer caching WCE=0 >/dev/null || fail "set WCE=0"
cli set "emu:$DVD2" caching RCD=1 >/dev/null || fail "set RCD=1"
e2e_next_server
$T new-session -d -x 80 -y 24 \
    "env LC_ALL=C.UTF-8 NO_COLOR=1 XDG_STATE_HOME=$STATE XDG_CONFIG_HOME=$STATE TERM=xterm $SAN $MODECON console --poll 0 '$SLOW1' '$SLOW2'; echo \"EXITED \$?\"; sleep 60"
wait_for "DVD-RW WRITER 2"
$T send-keys : "page caching" Enter
wait_for "08 Caching, 12 bytes"
$T send-keys : "tag $SLOW2" Enter = Escape D Escape : "tag $SLOW2" Enter
$T send-keys D
wait_for "WCE: 0 -> 1"
$T capture-pane -p | grep -qF "RCD: 1 -> 0" &&
    fail "the defaults dialog of the DVD writer shows the other drive's dry run"
checks=$((checks + 1))
$T send-keys y
wait_for "verified: the drive applied every byte"
expect_page emu:dvd-writer caching "$CACHING_AS_SHIPPED"
expect_page "emu:$DVD2" caching "88 0a 05 00 00 00 00 00 00 00 00 00"
$T send-keys q
wait_for "EXITED 0"

# --- The drive the edit is staged on is sent what its dry run showed:
# an edit still on its way to that drive when c is pressed (its key wait
# dropped with Esc) is not sent unseen; c is refused until it answers,
# then shows it whole, and y sends each drive the same change.
DVD3=$STATE/dvd3.json
sed 's/"DVD-RW WRITER"/"DVD-RW WRITER 3"/' "$(dirname "$0")/../../drives/dvd-writer.json" >"$DVD3" ||
    fail "no copy of the DVD writer's file"
SLOW3="emu:$DVD3?fault=latency:600@5a"
OTHER='emu:cd-atapi?fault=latency:1@5a'
e2e_next_server
$T new-session -d -x 100 -y 30 \
    "env LC_ALL=C.UTF-8 NO_COLOR=1 XDG_STATE_HOME=$STATE XDG_CONFIG_HOME=$STATE TERM=xterm $SAN $MODECON console --poll 0 '$SLOW3' emu:dvd-writer; echo \"EXITED \$?\"; sleep 60"
wait_for "DVD-RW WRITER 3"
before=$(audit_lines)
$T send-keys : "tag emu:dvd-writer" Enter : "tag" Enter : "page caching" Enter : "edit WCE=0" Enter
wait_for "[staged]"
$T send-keys : "edit RCD=1" Enter c
wait_for "1 key waiting for"
$T send-keys Escape c
# The edit's answer comes in its output view; the log says why c did
# nothing.
wait_for "RCD: 0 -> 1 (staged)"
$T capture-pane -p | grep -qF "tagged drives: commit" &&
    fail "c opened the tagged drives' screen while an edit was on its way"
checks=$((checks + 1))
$T send-keys Escape L
wait_for "is still answering a command: c again"
$T send-keys Escape c
wait_for "2 tagged drives: commit page 0x08 (Caching): WCE=0 RCD=1"
wait_for "y send to the 2 drives that passed"
$T send-keys y
wait_for "2 applied, 0 unchanged, 0 not applied, 0 failed, 0 not sent"
expect_page "emu:$DVD3" caching "88 0a 01 00 00 00 00 00 00 00 00 00"
expect_page emu:dvd-writer caching "88 0a 01 00 00 00 00 00 00 00 00 00"
expect_audit_lines $((before + 2))
$T send-keys Escape
wait_gone "tagged drives: commit"
$T capture-pane -p | grep -qF "[staged]" && fail "the edit sent is still staged"
checks=$((checks + 1))

# --- A tagged drive whose page another program changes between its dry
# run and y is sent nothing: y sends only while the page holds the
# values the dry run read, and says which byte changed.
$T send-keys : "edit WCE=1" Enter
wait_for "[staged]"
$T send-keys c
wait_for "y send to the 2 drives that passed"
cli set emu:dvd-writer caching RCD=0 >/dev/null || fail "set RCD=0"
before=$(audit_lines)
$T send-keys y
wait_for "1 applied, 0 unchanged, 0 not applied, 1 failed, 0 not sent"
wait_for "(byte 2: 0x01, now 0x00)"
row_of "emu:dvd-writer  MODECON" | grep -q "FAILED" ||
    fail "the changed drive's row does not say FAILED: $(row_of "emu:dvd-writer  MODECON")"
checks=$((checks + 1))
expect_page emu:dvd-writer caching "88 0a 00 00 00 00 00 00 00 00 00 00"
expect_page "emu:$DVD3" caching "88 0a 05 00 00 00 00 00 00 00 00 00"
expect_audit_lines $((before + 1))
$T send-keys Escape q
wait_for "EXITED 0"
cli set emu:dvd-writer caching WCE=1 >/dev/null || fail "set WCE=1"

# --- Keys typed during the dry runs do not confirm a screen not yet
# seen: a y typed behind c is dropped once the dry runs are in, and the
# key bar says so; a y typed then sends.  Left while sending (Esc), the
# batch still out is kept: c, u and D wait until it has answered.
SLOWSEL='emu:ignoring?fault=latency:800@5a,latency:3000@55'
e2e_next_server
$T new-session -d -x 100 -y 30 \
    "env LC_ALL=C.UTF-8 NO_COLOR=1 XDG_STATE_HOME=$STATE XDG_CONFIG_HOME=$STATE TERM=xterm $SAN $MODECON console --poll 0 emu:dvd-writer '$SLOWSEL'; echo \"EXITED \$?\"; sleep 60"
wait_for "IGNORING WRITER"
before=$(audit_lines)
$T send-keys : "tag emu:dvd-writer" Enter : "tag $SLOWSEL" Enter : "page caching" Enter : "edit RCD=1" Enter c y
wait_for "1 key typed before dropped   y send to the 2 drives that passed"
expect_audit_lines "$before"
$T send-keys y
wait_for "sending: 1 of 2 answered"
$T send-keys Escape D
wait_for "tagged drives: 1 still answering the last command"
wait_for "tagged drives: 1 applied, 0 unchanged, 1 not applied, 0 failed, 0 not sent"
expect_audit_lines $((before + 2))
expect_page emu:dvd-writer caching "88 0a 05 00 00 00 00 00 00 00 00 00"
$T send-keys q
wait_for "EXITED 0"
cli set emu:dvd-writer caching RCD=0 >/dev/null || fail "set RCD=0"

# --- The comparison's reads are not dropped: r typed before they answer
# waits for them, then reads again (no page's bytes reach the message
# log); = again, after Esc, while reads are out, is refused.
SLOWREAD='emu:ignoring?fault=latency:1500@5a'
e2e_next_server
$T new-session -d -x 100 -y 30 \
    "env LC_ALL=C.UTF-8 NO_COLOR=1 XDG_STATE_HOME=$STATE XDG_CONFIG_HOME=$STATE TERM=xterm $SAN $MODECON console --poll 0 emu:dvd-writer '$SLOWREAD'; echo \"EXITED \$?\"; sleep 60"
wait_for "IGNORING WRITER"
$T send-keys : "tag emu:dvd-writer" Enter : "tag $SLOWREAD" Enter : "page caching" Enter = r
wait_for "reading: 1 of 2 answered; keys typed wait"
wait_gone "keys typed wait"
wait_for "reading: 1 of 2 answered"
$T send-keys Escape =
wait_for "compare: 1 drive still reading the page: = once it has answered"
wait_for "busy"
wait_gone "busy"
$T send-keys L
wait_for "Messages, newest last"
$T capture-pane -p | grep -qF "08 0a 04 00 00 00" &&
    fail "the comparison's read reached the message log"
checks=$((checks + 1))
$T send-keys Escape =
wait_for "FIELD     emu:dvd-writer"
wait_gone "reading:"
$T send-keys Escape q
wait_for "EXITED 0"

echo "ok $E2E_NAME: $checks checks"
