#!/bin/bash
# Commands that change a drive (set --save, restore --save, undo), each
# killed (kill -9) at a random point: afterwards every MODE SELECT that
# reached the drive (each process's --trace) has an intent and an outcome
# in the audit log, from that process; every intent in the audit log and
# the undo record has its outcome; and the audit log's last word on each
# page is what the drive holds.  The random points are seeded, so a
# failure can be run again.
. "$(dirname "$0")/lib.sh"
D=emu:dvd-writer
SLOW="$D?fault=latency:15"
AUDIT=$STATE/modecon/audit.jsonl
ROUNDS=${AUDIT_KILL_ROUNDS:-30}
RANDOM=${AUDIT_KILL_SEED:-19}

run snapshot $D -o "$STATE/fresh.json"
expect_status 0
run set $D write-parameters WR_T=TAO --save
run snapshot $D -o "$STATE/tao.json"
expect_status 0
killed=0
for i in $(seq 1 "$ROUNDS"); do
    case $((RANDOM % 4)) in
        0) args=(set "$SLOW" caching WCE=$((RANDOM % 2)) RCD=$((RANDOM % 2)) --save) ;;
        1) args=(restore "$SLOW" "$STATE/fresh.json" --save) ;;
        2) args=(restore "$SLOW" "$STATE/tao.json" --save) ;;
        *) args=(undo "$SLOW") ;;
    esac
    "$MODECON" --trace "$STATE/round$i.trace" "${args[@]}" >/dev/null 2>&1 &
    pid=$!
    echo "$pid" >"$STATE/round$i.pid"
    echo "${args[*]}" >"$STATE/round$i.args"
    # Killed after a random number of its commands to the drive (a set
    # sends about 35, a restore --save or an undo of a saving change 70
    # to 120), or, every other round, right after one of its first MODE
    # SELECTs, in its read-back: counted in its trace, so that the kills
    # spread over the whole command whatever the speed of the machine.
    if [ $((RANDOM % 2)) -eq 0 ]; then
        pattern=. after=$((RANDOM % 110 + 1))
    else
        pattern='"cdb":"55 ' after=$((RANDOM % 3 + 1))
    fi
    for _ in $(seq 2000); do
        [ "$(cat "$STATE/round$i.trace" 2>/dev/null | grep -c "$pattern")" -ge "$after" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.005
    done
    kill -9 "$pid" 2>/dev/null && killed=$((killed + 1))
    wait "$pid" 2>/dev/null
done
# The next process to change the drive (here an undo's dry run) resolves
# what the killed ones left without an outcome.
run undo $D --dry-run
run set $D caching WCE=0
expect_status 0

# Every MODE SELECT the drive answered, per process, is in the audit log.
for i in $(seq 1 "$ROUNDS"); do
    pid=$(cat "$STATE/round$i.pid")
    [ -f "$STATE/round$i.trace" ] || continue
    while read -r sel; do
        checks=$((checks + 1))
        n=$(jq -c --argjson pid "$pid" --argjson sel "$sel" \
            'select(.pid == $pid and .cdb == $sel.cdb and .parameter_list == $sel.data_out) | .event' \
            "$AUDIT" | sort | uniq -c | tr -s ' ' | tr '\n' ' ')
        case $n in
            *'"intent"'*'"outcome"'*) ;;
            *) fail "round $i ($(cat "$STATE/round$i.args"), pid $pid): a MODE SELECT it sent has audit lines [$n]: $sel" ;;
        esac
    done < <(jq -c 'select(.cdb | startswith("55 ")) | {cdb, data_out}' "$STATE/round$i.trace")
done
# Every intent has one outcome, in both files.
checks=$((checks + 1))
unpaired=$(jq -s -c 'group_by(.select)[] | select(length != 2 or .[0].event != "intent" or .[1].event != "outcome")
    | map({event, select, pid})' "$AUDIT" | head -3)
[ -z "$unpaired" ] || fail "audit lines of a MODE SELECT that are not one intent and one outcome: $unpaired"
checks=$((checks + 1))
pending=$(jq -s -c '[.[] | .outcome // empty] as $done | .[] | select(.intent != null) |
    select(.intent as $i | $done | index($i) | not) | .intent' "$STATE"/modecon/undo/*.jsonl)
[ -z "$pending" ] || fail "intents without an outcome left in the undo record: $pending"
# The audit log's last word on each page's current values is what the
# drive holds.
while read -r page; do
    checks=$((checks + 1))
    want=$(jq -r --arg p "$page" 'select(.event == "outcome" and .page == $p and .after != null) | .after' \
        "$AUDIT" | tail -1)
    run get $D "$page"
    [ "$(tr '\n' ' ' <<<"$out" | sed 's/ *$//')" = "$want" ] ||
        fail "page $page holds $out, the audit log last says $want"
done < <(jq -r 'select(.event == "outcome") | .page' "$AUDIT" | sort -u)
recovered=$(grep -c '"recovered":true' "$AUDIT")
echo "audit-kill: $killed of $ROUNDS commands killed, $(grep -c '"event":"outcome"' "$AUDIT") MODE SELECTs, $recovered recovered lines"
done_ok
