# snapshot: a drive's pages under all four page controls, as a drive file
# that emu:FILE opens and that answers as the drive did.
. "$(dirname "$0")/lib.sh"
T=$STATE/snaps
mkdir -p "$T"

# same_answers A B: every page, every page control: `get` says the same
# of both drives (bytes, or the same refusal), and so does `pages`.
same_answers() {
    local a=$1 b=$2 page type pa pb sa sb
    run pages "$a"
    pa=$out
    run pages "$b"
    [ "$out" = "$pa" ] || fail "pages of $b differ from $a's:
$pa
---
$out"
    checks=$((checks + 1))
    for page in $(awk '/^0x/ {print $1}' <<<"$pa"); do
        for type in current changeable default saved; do
            pa=$("$MODECON" get "$a" "$page" --type "$type" 2>&1 | sed "s|$a|DRIVE|g")
            sa=$?
            pb=$("$MODECON" get "$b" "$page" --type "$type" 2>&1 | sed "s|$b|DRIVE|g")
            sb=$?
            [ "$pa" = "$pb" ] && [ "$sa" = "$sb" ] ||
                fail "page $page, $type values: $a says ($sa)
$pa
but $b says ($sb)
$pb"
            checks=$((checks + 1))
        done
    done
}

# A changed drive: the snapshot holds what it holds now.
run set emu:dvd-writer caching WCE=0
expect_status 0
run snapshot emu:dvd-writer -o "$T/writer.json"
expect_status 0
expect_out "emu:dvd-writer: 10 pages under every page control it answers, in $T/writer.json"
expect_out "open it as emu:$T/writer.json"
same_answers emu:dvd-writer "emu:$T/writer.json"
run get "emu:$T/writer.json" caching
expect_out "88 0a 00"
run list "emu:$T/writer.json"
expect_out "MODECON  DVD-RW WRITER    1.00  ready"

# An ATAPI drive: no page 3Fh, no changeable, default or saved values;
# the snapshot refuses them the same way (the loop above checks).
run snapshot emu:cd-atapi --output "$T/atapi.json"
expect_status 0
same_answers emu:cd-atapi "emu:$T/atapi.json"
grep -q '"all_pages": false' "$T/atapi.json" || fail "atapi: all_pages is not false"
grep -q '"report_changeable": false' "$T/atapi.json" || fail "atapi: report_changeable is not false"
grep -q '"saving": false' "$T/atapi.json" || fail "atapi: saving is not false"
grep -q '"interface": "atapi"' "$T/atapi.json" || fail "atapi: the interface is not atapi"
checks=$((checks + 4))

# Without -o it is printed; the printed file opens as a drive too.
run snapshot emu:ignoring
expect_status 0
printf '%s\n' "$out" >"$T/printed.json"
same_answers emu:ignoring "emu:$T/printed.json"

# A snapshot of a snapshot is the same drive.
run snapshot "emu:$T/writer.json" -o "$T/again.json"
expect_status 0
same_answers "emu:$T/writer.json" "emu:$T/again.json"

# Bad names, and a drive that vanishes half-way: nothing is written, and
# an earlier snapshot of that name is kept whole.
run snapshot emu:dvd-writer -o "$T/writer.txt"
expect_status 2
expect_err "-o $T/writer.txt: the file's name must end in .json, so that emu:FILE opens it"
run snapshot emu:dvd-writer -o "$T/no/such/dir.json"
expect_status 1
expect_err "$T/no/such/dir.json"
cp "$T/writer.json" "$T/kept.json"
run snapshot "emu:dvd-writer?fault=gone@5a+12" -o "$T/kept.json"
expect_status 1
expect_err "HRESULT_ERROR_DEV_NOT_EXIST"
cmp -s "$T/writer.json" "$T/kept.json" || fail "a failed snapshot changed the file it was to replace"
checks=$((checks + 1))
[ -z "$(find "$T" -name '*.tmp*')" ] || fail "a temporary file was left: $(ls "$T")"
checks=$((checks + 1))
run snapshot emu:dvd-writer -o
expect_status 2
expect_err "--output needs a value"
# A file that cannot be written is named as the user gave it.
run snapshot emu:dvd-writer -o "$STATE/no/such/dir/x.json"
expect_status 1
expect_err "cannot write $STATE/no/such/dir/x.json: No such file or directory"
# An option given twice is refused rather than one silently winning.
run snapshot emu:dvd-writer -o "$STATE/a.json" --output "$STATE/b.json"
expect_status 2
expect_err "snapshot: --output is given twice"
checks=$((checks + 1))
[ ! -e "$STATE/a.json" ] && [ ! -e "$STATE/b.json" ] || fail "a refused command wrote a file"

done_ok
