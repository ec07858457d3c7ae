#!/bin/bash
# Every audit line, of every kind (applied, refused, no answer, not
# applied, read-back failed, not verified, an undo's, recovered after a
# kill), holds every member of the schema in docs/errors.md ("Audit
# lines"), in its order and of its type, and no other; each MODE SELECT
# has one intent, then one outcome, that agree.
. "$(dirname "$0")/lib.sh"
D=emu:dvd-writer
AUDIT=$STATE/modecon/audit.jsonl
T=$STATE/kill.trace

run set $D caching WCE=0
expect_status 0
run set $D caching RCD=1 --save
expect_status 0
run set "$D?fault=sense:05/26/00@55" caching WCE=1
expect_status 1
run set "$D?fault=timeout@55" caching WCE=1 --timeout 0.2
expect_status 1
run set emu:ignoring caching WCE=0
expect_status 3
run set "$D?fault=sense:04/44/00@5a+3" caching WCE=1
expect_status 1
run set $D 1 RRC=20 --no-verify
expect_status 0
run undo $D --all
expect_status 0

# killed_in FAULT WAIT: a set slowed by FAULT, killed once WAIT (a shell
# test on the trace or the undo record) holds.
killed_in() {
    rm -f "$T"
    "$MODECON" --trace "$T" set "$D?fault=$1" caching WCE=0 >/dev/null 2>&1 &
    local pid=$! undo_file
    for _ in $(seq 600); do
        undo_file=$(ls "$STATE"/modecon/undo/emu_dvd-writer-*.jsonl)
        eval "$2" && break
        sleep 0.02
    done
    kill -9 "$pid"
    wait "$pid" 2>/dev/null
    killed_pid=$pid
}
intents() { grep -c '"intent":' "$(ls "$STATE"/modecon/undo/emu_dvd-writer-*.jsonl)"; }

# Killed while the MODE SELECT waits in the drive: it never took it.
before=$(intents)
killed_in "latency:5000@55" '[ "$(grep -c "\"intent\":" "$undo_file")" -gt "$before" ]'
run undo $D --dry-run
expect_status 0
expect_err "'modecon set' (pid $killed_pid) ended before recording the outcome of its MODE SELECT: not applied (found after the process ended)"
# Killed in the read-back, after the drive took it; and the audit log's
# intent lost too (as a power cut may): both lines written again.
killed_in "latency:5000@5a+3" 'grep -q "\"cdb\":\"55 " "$T" 2>/dev/null'
select=$(tail -1 "$AUDIT" | jq -r .select)
checks=$((checks + 1))
[ "$(tail -1 "$AUDIT" | jq -r .event)" = intent ] || fail "the killed set's last audit line is not its intent"
sed -i '$d' "$AUDIT"
run set $D caching WCE=1
expect_status 0
expect_err "'modecon set' (pid $killed_pid) ended before recording the outcome of its MODE SELECT: applied (found after the process ended); now in the audit log"
# An outcome the audit log has but the undo record lost is copied.
undo_file=$(ls "$STATE"/modecon/undo/emu_dvd-writer-*.jsonl)
last=$(grep '"outcome":' "$undo_file" | tail -1)
sed -i '$d' "$undo_file"
lines=$(wc -l <"$AUDIT")
run undo $D --dry-run
expect_status 0
checks=$((checks + 1))
[ "$(tail -1 "$undo_file")" = "$last" ] && [ "$(wc -l <"$AUDIT")" -eq "$lines" ] ||
    fail "the lost outcome was not copied from the audit log: $(tail -1 "$undo_file")"

# The schema, as docs/errors.md has it.
checks=$((checks + 1))
schema='
def hex: type == "string" and test("^([0-9a-f]{2}( [0-9a-f]{2})*)?$");
def hexn: . == null or hex;
def strn: . == null or type == "string";
def common: ["event", "select", "time", "pid", "command", "run", "drive",
             "page", "subpage", "request", "before", "cdb", "parameter_list",
             "undo_of", "recovered"];
def answer: ["after", "hresult", "hresult_value", "message", "sense",
             "sense_text", "verification", "readback_error", "not_applied"];
def verdicts: ["applied", "not applied", "refused", "not verified",
               "unknown: no answer", "unknown: read-back failed",
               "applied (found after the process ended)",
               "not applied (found after the process ended)",
               "unknown (found after the process ended)"];
def drive_ok: type == "object" and (keys_unsorted == ["uri", "id", "vendor", "product", "revision"])
    and (.uri | type == "string") and (.id | type == "string")
    and (.vendor | strn) and (.product | strn) and (.revision | strn);
def common_ok:
    (.select | type == "string" and length > 0)
    and (.time | type == "string" and test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{3})?Z$"))
    and (.pid | type == "number" and . > 0 and floor == .)
    and (.command | type == "string" and startswith("modecon"))
    and (.run | strn) and (.drive | drive_ok)
    and (.page | type == "string" and test("^0x[0-9a-f]{2}$"))
    and (.subpage | type == "string" and test("^0x[0-9a-f]{2}$"))
    and (.request == "current" or .request == "saved")
    and (.before | hex) and (.cdb | hex and length == 29)
    and (.parameter_list | hex and length >= 29)
    and (.undo_of | strn) and (.recovered | type == "boolean");
def answer_ok:
    (.after | hexn) and (.hresult | strn)
    and (.hresult_value | . == null or (type == "string" and test("^0x[0-9A-F]{8}$")))
    and (.message | strn) and (.sense | hexn) and (.sense_text | strn)
    and (.verification as $v | verdicts | index($v) != null)
    and (.readback_error | strn)
    and (.not_applied | type == "array" and all(.[];
        keys_unsorted == ["byte", "sent", "got", "values"] and (.byte | type == "number")
        and (.sent | test("^0x[0-9a-f]{2}$")) and (.got | test("^0x[0-9a-f]{2}$"))
        and (.values == "current" or .values == "saved")));
def line_ok:
    type == "object" and
    if .event == "intent" then keys_unsorted == common and common_ok
    elif .event == "outcome" then keys_unsorted == common + answer and common_ok and answer_ok
    else false end;
'
bad=$(jq -c "$schema"' select(line_ok | not)' "$AUDIT" | head -3)
[ -z "$bad" ] || fail "audit lines off the schema: $bad"
# One intent, then one outcome, of each MODE SELECT, agreeing on what was
# sent.
checks=$((checks + 1))
unpaired=$(jq -s -c 'group_by(.select)[] | select(length != 2 or .[0].event != "intent" or .[1].event != "outcome"
    or ([.[] | {command, run, drive: .drive.id, page, subpage, request, before, cdb, parameter_list, undo_of, pid}] | unique | length) != 1)
    | map({event, select, before})' "$AUDIT" | head -3)
[ -z "$unpaired" ] || fail "MODE SELECTs without one intent and one outcome that agree: $unpaired"
# Each kind was there to check.
for v in applied "not applied" refused "not verified" "unknown: no answer" "unknown: read-back failed" \
    "applied (found after the process ended)" "not applied (found after the process ended)"; do
    checks=$((checks + 1))
    grep -qF "\"verification\":\"$v\"" "$AUDIT" || fail "no outcome '$v' in the run"
done
checks=$((checks + 1))
jq -e -s 'any(.[]; .undo_of != null) and any(.[]; .event == "intent" and .recovered)
    and any(.[]; .sense != null) and any(.[]; .not_applied != [])' "$AUDIT" >/dev/null ||
    fail "the run lacks an undo's line, a recovered intent, sense data or bytes not applied"
done_ok
