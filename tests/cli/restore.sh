#!/bin/bash
# diff A B and restore DRIVE FILE: a drive brought back to a snapshot, and
# told field by field what differs and what the drive would not take.
. "$(dirname "$0")/lib.sh"
D=emu:dvd-writer
SNAP=$STATE/before.json
AUDIT=$STATE/modecon/audit.jsonl

run snapshot $D -o "$SNAP"
expect_status 0

# A snapshot against its drive: nothing differs, under any page control.
run diff "$SNAP" $D --type all
expect_status 0
expect_out "no differences (40 page value sets compared)"

# Changes, current and saved, by field name with both sides' values.
run set $D caching WCE=0 RCD=1 --save
run set $D write-parameters WR_T=TAO
run diff "$SNAP" $D
expect_status 0
expect_out "$SNAP | $D"
expect_out "page 0x05 (Write Parameters)  WR_T (Write type): SAO (2) | TAO (1)"
expect_out "page 0x08 (Caching)  WCE (Write cache enable): 1 | 0"
expect_out "page 0x08 (Caching)  RCD (Read cache disable): 0 | 1"
expect_out "2 pages differ, 8 the same, 0 on one side only"
# Saving saved every page's current values (SPC-4 6.11), page 0x01's too.
run diff "$SNAP" $D --type saved
expect_out "page 0x01 (Read/Write Error Recovery)  RRC (Read retry count): 32 | 16"
expect_out "page 0x08 (Caching)  WCE (Write cache enable): 1 | 0"
expect_out "2 pages differ, 8 the same"
# Two kinds of drive: pages on one side only, and lengths.
run diff $D emu:cd-atapi
expect_status 0
expect_out "page 0x08 (Caching)  only in emu:dvd-writer"
expect_out "page 0x2a (MM Capabilities and Mechanical Status)  length: 48 | 22 bytes"
run diff $D emu:cd-atapi --type all
expect_out "saved values: emu:cd-atapi does not report them"
# A page without a definition differs by byte.
for v in 02 03; do
    jq ".mode_pages += [{\"page\": \"0x30\", \"subpage\": \"0x00\", \"savable\": false, \"current\": \"30 02 01 $v\"}]" \
        "$SNAP" >"$STATE/vendor-$v.json"
done
run diff "$STATE/vendor-02.json" "$STATE/vendor-03.json"
expect_status 0
expect_out "page 0x30  byte 3: 0x02 | 0x03"
expect_out "1 page differs, 10 the same"
for bad in "diff $D" "diff $D $SNAP --type sometimes"; do
    # shellcheck disable=SC2086
    run $bad
    expect_status 2
done
expect_err "--type 'sometimes': expected current, changeable, default, saved or all"
# A snapshot file whose name holds a colon is still a file.
cp "$SNAP" "$STATE/dw-10:11.json"
run diff "$STATE/dw-10:11.json" "$SNAP"
expect_status 0
expect_out "no differences"
run diff $D "$STATE/missing.json"
expect_status 2
expect_err "missing.json"

# A dry run shows each MODE SELECT and sends none.
lines=$(wc -l <"$AUDIT")
run restore $D "$SNAP" --dry-run
expect_status 0
expect_out "WR_T: TAO (1) -> SAO (2)"
expect_out "would write 2 page value sets, 8 already as in $SNAP, 0 not taken in full"
checks=$((checks + 1))
[ "$(wc -l <"$AUDIT")" -eq "$lines" ] || fail "a dry run wrote to the audit log"

# The current values back; the saved ones stay until --save.
run restore $D "$SNAP"
expect_status 0
expect_out "WCE: applied"
expect_out "wrote 2 page value sets, 8 already as in $SNAP, 0 not taken in full"
run diff "$SNAP" $D --type all
expect_out "page 0x08 (Caching), saved values  WCE (Write cache enable): 1 | 0"
expect_out "2 page value sets differ, 38 the same"
run restore $D "$SNAP" --save
expect_status 0
expect_out "-- saved values, 2 of 3: saving them"
expect_out "RRC: applied to saved values"
run diff "$SNAP" $D --type all
expect_out "no differences (40 page value sets compared)"

# --page: only those pages; a page the snapshot lacks is refused.
run set $D caching WCE=0
run set $D write-parameters WR_T=TAO
run restore $D "$SNAP" --page caching
expect_status 0
expect_out "wrote 1 page value set, 0 already"
run diff "$SNAP" $D
expect_out "WR_T (Write type): SAO (2) | TAO (1)"
expect_out "1 page differs"
run restore $D "$SNAP" --page caching,0x30
expect_status 2
expect_err "--page 0x30: $SNAP holds no such page"
run restore $D "$STATE/before.txt"
expect_status 2
expect_err "expected a snapshot file FILE.json"

# A value the drive does not let change is named, and left: a reserved
# bit here, so by byte; a field, by name.
jq '(.mode_pages[] | select(.page == "0x08") | .current) |= "08 0a 06 00 00 00 00 00 00 00 00 00"' \
    "$SNAP" >"$STATE/locked.json"
run restore $D "$STATE/locked.json" --page caching
expect_status 3
expect_out "page 0x08 (Caching): byte 2: not changeable on this drive: stays 0x04 ($STATE/locked.json has 0x06)"
expect_out "page 0x08 (Caching): every changeable value already as in"
expect_out "0 already as in $STATE/locked.json, 1 not taken in full"
jq '(.mode_pages[] | select(.page == "0x2A") | .current) |= (.[0:9] + "0" + .[10:])' \
    "$SNAP" >"$STATE/locked.json"
run restore $D "$STATE/locked.json" --page 0x2a
expect_status 3
expect_out "page 0x2a (MM Capabilities and Mechanical Status): D_R_W: not changeable on this drive: stays 1 ($STATE/locked.json has 0)"

# A drive that answers GOOD and keeps its values: not taken, exit 3.
run snapshot emu:ignoring -o "$STATE/ignoring.json"
run set emu:ignoring caching WCE=0
jq '(.mode_pages[] | select(.page == "0x08") | .current) |= "08 0a 00 00 00 00 00 00 00 00 00 00"' \
    "$STATE/ignoring.json" >"$STATE/ignoring-off.json"
run restore emu:ignoring "$STATE/ignoring-off.json" --page caching
expect_status 3
expect_out "WCE: NOT applied: the drive has 1"

# Another model's snapshot: said, and a page of another length is not
# sent.
run snapshot emu:cd-atapi -o "$STATE/cd.json"
run restore $D "$STATE/cd.json" --dry-run
expect_status 2
expect_err "warning: $STATE/cd.json is a snapshot of MODECON ATAPI CD-ROM; emu:dvd-writer is MODECON DVD-RW WRITER"
expect_err "page 0x01 (Read/Write Error Recovery) is 12 bytes on the drive and 8 in $STATE/cd.json: it does not fit this drive"
expect_err "page 0x2a (MM Capabilities and Mechanical Status) is 48 bytes on the drive and 22 in $STATE/cd.json: it does not fit this drive"
expect_err "2 pages of $STATE/cd.json do not fit emu:dvd-writer: nothing was sent"
# Every page is checked before anything is sent: a snapshot whose pages
# fit but for the last one changes nothing, saved values included.
run set $D caching WCE=0
jq '(.mode_pages[] | select(.page == "0x2A") | .current) |= "2a 02 00 00"
    | (.mode_pages[] | select(.page == "0x2A") | .changeable) |= "2a 02 00 00"
    | (.mode_pages[] | select(.page == "0x2A") | .default) |= "2a 02 00 00"' \
    "$SNAP" >"$STATE/short-2a.json"
lines=$(wc -l <"$AUDIT")
run restore $D "$STATE/short-2a.json" --save
expect_status 2
expect_err "1 page of $STATE/short-2a.json does not fit emu:dvd-writer: nothing was sent"
checks=$((checks + 1))
[ "$(wc -l <"$AUDIT")" -eq "$lines" ] || fail "a snapshot that does not fit sent a MODE SELECT"
run diff "$SNAP" $D
expect_out "WCE (Write cache enable): 1 | 0"
run restore $D "$SNAP" --page caching
expect_status 0

# Saved values the drive did not report are "saved": null in a snapshot.
# Opened as a drive, the page refuses them, a new snapshot keeps the
# null, and 'restore --save' leaves the drive's saved values alone
# rather than saving the page's defaults.
jq '(.mode_pages[] | select(.page == "0x08") | .saved) |= null' \
    "$SNAP" >"$STATE/no-saved-08.json"
run get "emu:$STATE/no-saved-08.json" caching --type saved
expect_status 1
expect_err "E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE"
run snapshot "emu:$STATE/no-saved-08.json" -o "$STATE/again.json"
expect_status 0
checks=$((checks + 1))
[ "$(jq -c '.mode_pages[] | select(.page == "0x08") | .saved' "$STATE/again.json")" = null ] ||
    fail "the snapshot of a page without saved values does not say null"
run set $D caching RCD=1 --save
run set $D caching RCD=0
run restore $D "$STATE/no-saved-08.json" --save
expect_status 0
expect_out "page 0x08 (Caching): the snapshot holds no saved values of it: the drive's are kept"
expect_out "page 0x08 (Caching): its saved values are kept"
run diff "$SNAP" $D --type saved
expect_out "page 0x08 (Caching)  RCD (Read cache disable): 0 | 1"
run diff "$SNAP" $D
expect_out "no differences"
jq '.mode_pages[0].savable = false | .mode_pages[0].saved = null' \
    "$SNAP" >"$STATE/bad-null.json"
run get "emu:$STATE/bad-null.json" 1
expect_status 2
expect_err "mode_pages[0].saved: null (saved values not known) needs \"savable\": true"
run restore $D "$SNAP" --save
expect_status 0
# --page with --save: saving saves every page's current values, so the
# saved values of the pages left out are kept through their current
# values, and the current values come back as they were.
run set $D caching WCE=0 --save
run set $D 1 RRC=16 --save
run set $D 1 RRC=8
run restore $D "$SNAP" --page caching --save
expect_status 0
expect_out "page 0x01 (Read/Write Error Recovery): its saved values are kept"
expect_out "WCE: applied to saved values"
run diff "$SNAP" $D --type saved
expect_out "page 0x01 (Read/Write Error Recovery)  RRC (Read retry count): 32 | 16"
expect_out "1 page differs"
run diff "$SNAP" $D
expect_out "page 0x01 (Read/Write Error Recovery)  RRC (Read retry count): 16 | 8"
expect_out "1 page differs"
run restore $D "$SNAP" --save
expect_status 0
run diff "$SNAP" $D --type all
expect_out "no differences (40 page value sets compared)"

# A drive that reports PS but keeps no saved values (05/39/00): the
# current values are restored, and --save says it cannot save them.
jq '.behaviour.saving = false | del(.mode_pages[].saved)' "$SNAP" >"$STATE/no-saving.json"
run set "emu:$STATE/no-saving.json" caching WCE=0
run restore "emu:$STATE/no-saving.json" "$SNAP" --save
expect_status 0
expect_out "page 0x08 (Caching): the drive cannot save it: it reports no saved values"
expect_out "WCE: applied"
expect_out "wrote 1 page value set, 9 already"

# A drive lost half-way: where it stopped and what was written before.
run set $D caching WCE=0
run set $D write-parameters WR_T=TAO
run restore "$D?fault=gone@55+1" "$SNAP"
expect_status 1
expect_err "HRESULT_ERROR_DEV_NOT_EXIST"
expect_err "restore stopped at page 0x08 (Caching); pages written before it: 0x05"
run diff "$SNAP" $D
expect_out "WCE (Write cache enable): 1 | 0"
expect_out "1 page differs"

# A failure at any point of 'restore --save' loses nothing unseen: page
# 0x1a, left out by --page and holding current values other than its
# saved ones, keeps its saved values whatever fails, and its current
# values come back or are named with what they were.  The fault lands on
# each MODE SENSE and each MODE SELECT in turn: a read error (04/44/00),
# then a drive that vanishes.
run restore $D "$SNAP" --save
run set $D caching WCE=0 --save
run set $D 0x1a IACT=6s --save
run set $D 0x1a IACT=7s
state=$STATE/modecon/emu/dvd-writer.state
cp "$state" "$STATE/before-faults.state"
run get $D 0x1a
current_1a=$out
run get $D 0x1a --type saved
saved_1a=$out
run restore $D "$SNAP" --page caching --save
expect_status 0
expect_out "page 0x1a (Power Condition): its saved values are kept"
run get $D 0x1a --type saved
[ "$out" = "$saved_1a" ] || fail "the restore lost page 0x1a's saved values"
stopped=0
for fault in "sense:04/44/00@5a" "gone@5a" "gone@55"; do
    for k in $(seq 0 40); do
        cp "$STATE/before-faults.state" "$state"
        run restore "$D?fault=$fault+$k*1" "$SNAP" --page caching --save
        [ "$status" -eq 0 ] && continue
        restore_err=$err
        stopped=$((stopped + 1))
        checks=$((checks + 1))
        run get $D 0x1a --type saved
        [ "$out" = "$saved_1a" ] ||
            fail "fault $fault+$k: page 0x1a's saved values were lost ($out, not $saved_1a)"
        run get $D 0x1a
        [ "$out" = "$current_1a" ] || case $restore_err in
            *"page 0x1a (Power Condition): its current values may be left changed; they were 1a 0a 00 03 00 00 00 46"*) ;;
            *) fail "fault $fault+$k: page 0x1a's current values changed unnamed" ;;
        esac
    done
done
[ "$stopped" -gt 20 ] || fail "only $stopped faults stopped the restore"
cp "$STATE/before-faults.state" "$state"
# The dry run shows what a drive that follows SPC-4 6.11 would get: one
# save.
run restore $D "$SNAP" --page caching --save --dry-run
expect_out "note: the dry run assumes a drive that follows SPC-4 6.11"
checks=$((checks + 1))
[ "$(grep -c 'written to saved values\|55 11 00' <<<"$out")" -eq 1 ] ||
    fail "the dry run shows more than one save: $out"

# A subpage in --page is PAGE/SUBPAGE (the comma separates pages).
sub='{"page": "0x1C", "subpage": "0x01", "savable": false, "current": "5c 01 00 04 00 00 00 00", "changeable": "5c 01 00 04 ff 00 00 00"}'
jq --argjson p "$sub" '.mode_pages += [$p]' "$(dirname "$0")/../../drives/dvd-writer.json" >"$STATE/with-sub.json"
jq '(.mode_pages[] | select(.page == "0x1C" and .subpage == "0x01") | .current) |= "5c 01 00 04 07 00 00 00"' \
    "$STATE/with-sub.json" >"$STATE/with-sub-7.json"
run snapshot "emu:$STATE/with-sub-7.json" -o "$STATE/sub-7.json"
run restore "emu:$STATE/with-sub.json" "$STATE/sub-7.json" --page 0x1c/0x01
expect_status 0
expect_out "wrote 1 page value set, 0 already"
run diff "$STATE/sub-7.json" "emu:$STATE/with-sub.json"
expect_out "no differences"

# 'undo' after a restore puts back all it sent, its last MODE SELECT
# first: every page's current and saved values as they were before it.
run restore $D "$SNAP" --save
run set $D caching WCE=0 --save
run set $D write-parameters WR_T=TAO
run set $D 1 RRC=20
run snapshot $D -o "$STATE/pre-restore.json"
run restore $D "$SNAP" --save
expect_status 0
run diff "$SNAP" $D --type all
expect_out "no differences"
# The runs of the changes on record: intents of changes sent, neither
# undone nor dropped.
undo_runs() {
    jq -s '[.[] | (.undone // empty), (.dropped // empty),
            (select(.verification == "not sent") | .outcome)] as $gone |
        [.[] | select(.intent != null and .undo_of == null and .undoable != false) |
         select(.intent as $i | $gone | index($i) | not) | .run] | unique | length' \
        "$STATE"/modecon/undo/emu_dvd-writer-*.jsonl
}
runs=$(undo_runs)
run undo $D
expect_status 0
expect_out "'modecon restore' at "
expect_out ": 5 MODE SELECTs to undo, the last first"
expect_out "undone; $((runs - 1)) earlier changes of this drive on record"
run diff "$STATE/pre-restore.json" $D --type all
expect_out "no differences (40 page value sets compared)"
# A dry run shows the last step only: each of the others depends on it.
run restore $D "$SNAP"
run undo $D --dry-run
expect_status 0
expect_out "dry run: that is the last of the 3"
run diff "$SNAP" $D
expect_out "no differences"
# An undo refused part-way says how far it got, keeps the rest on record,
# and the next undo goes on from there.
run undo "$D?fault=sense:05/26/00@55+1"
expect_status 1
expect_err "undo stopped with 1 of the 3 MODE SELECTs of 'modecon restore' put back; the rest stay on record"
run undo $D
expect_status 0
expect_out ": 2 MODE SELECTs to undo, the last first"
expect_out "undone; $((runs - 1)) earlier changes"
run diff "$STATE/pre-restore.json" $D
expect_out "no differences"

# A restore --save stopped part-way (its rollback included) is undone
# whole too: the drive as it was before it, saved values included.
run restore $D "$SNAP" --save
run set $D caching WCE=0 --save
run set $D 1 RRC=20
run snapshot $D -o "$STATE/pre-stopped.json"
run restore "$D?fault=sense:05/26/00@55+3*1" "$SNAP" --save
expect_status 1
run undo $D
expect_status 0
expect_out "undone;"
run diff "$STATE/pre-stopped.json" $D --type all
expect_out "no differences (40 page value sets compared)"

done_ok
