#!/bin/bash
# get DRIVE PAGE FIELD...: just the values, one a line, in the order
# asked, as show prints them; a name misspelt is a usage error naming the
# page and the names close to it, with nothing on standard output.
. "$(dirname "$0")/lib.sh"
# shellcheck source=tools/trace-counts.sh
. "$(dirname "$0")/../../tools/trace-counts.sh"
D=emu:dvd-writer

# show's CURRENT column for FIELD on PAGE: the same formatting, in one
# place.
show_current() {
    "$MODECON" show $D "$1" | awk -v f="$2" '$1 == f' | cut -c43-58 | sed 's/ *$//'
}

run get $D 5 WR_T LINK_S BUFE
expect_status 0
expect_no_err
[ "$out" = $'SAO (2)\n16 blocks\n1' ] || fail "get WR_T LINK_S BUFE printed: $out"
checks=$((checks + 1))
[ "$(show_current 5 WR_T)" = "SAO (2)" ] && [ "$(show_current 5 LINK_S)" = "16 blocks" ] ||
    fail "show prints WR_T, LINK_S otherwise: $(show_current 5 WR_T) / $(show_current 5 LINK_S)"
checks=$((checks + 1))

# In the order asked, any case, a unique prefix as set takes it.
run get $D 5 link_s wr_t
expect_status 0
[ "$out" = $'16 blocks\nSAO (2)' ] || fail "get link_s wr_t printed: $out"
checks=$((checks + 1))
# A timer in its unit, as show has it.
run get $D power-condition SZCT IACT
[ "$out" = $'3 min (1800)\n5 s (50)' ] || fail "get SZCT IACT printed: $out"
checks=$((checks + 1))

# The other page controls; changeable says whether the drive lets it
# change, as show's column does.
run get $D 5 WR_T --type default
[ "$out" = "TAO (1)" ] || fail "get WR_T --type default printed: $out"
checks=$((checks + 1))
run get $D 5 WR_T MCN --type changeable
[ "$out" = $'yes\nno' ] || fail "get WR_T MCN --type changeable printed: $out"
checks=$((checks + 1))

# --json: the values as numbers in their unit (ms for a timer).
run get $D power-condition SZCT IDLE_A --json
expect_status 0
jq -e '. == {"SZCT": 180000, "IDLE_A": 1}' <<<"$out" >/dev/null ||
    fail "get --json printed: $out"
checks=$((checks + 1))
run get $D 5 WR_T MCN --json
jq -e '.WR_T == 2 and (.MCN | type) == "string"' <<<"$out" >/dev/null ||
    fail "get --json of an enum and a text printed: $out"
checks=$((checks + 1))

# A name misspelt: nothing printed, not even the fields before it.
run get $D 5 WR_T WR_TYPE
expect_status 2
[ -z "$out" ] || fail "a misspelt field printed on stdout: $out"
checks=$((checks + 1))
expect_err "page 0x05 (Write Parameters) has no field 'WR_TYPE'; did you mean WR_T?"
run get $D caching WEC
expect_status 2
expect_err "page 0x08 (Caching) has no field 'WEC'; did you mean WCE?"
# Nothing close: every name, as set gives them.
run get $D caching NOTHING
expect_status 2
expect_err "page 0x08 (Caching) has no field 'NOTHING'; its fields are:"
expect_err "WCE"
run get $D 5 --json WR_T WR_TYPE
expect_status 2
[ -z "$out" ] || fail "a misspelt field printed JSON: $out"
checks=$((checks + 1))

# Without a field, the page's bytes, as before.
run get $D caching
expect_status 0
[ "$(head -c 9 <<<"$out")" = "88 0a 04 " ] || fail "get PAGE printed: $out"
checks=$((checks + 1))

# What it sends: INQUIRY (the drive's identity picks the page's
# definition) and one MODE SENSE of the values asked for, which list the
# fields too; changeable values are a mask, so the current values list
# them.
for want in "1 1 0 0:current" "1 1 0 0:default" "1 2 0 0:changeable"; do
    rm -f "$STATE/trace.jsonl"
    run --trace "$STATE/trace.jsonl" get $D 5 WR_T LINK_S --type "${want#*:}"
    expect_status 0
    checks=$((checks + 1))
    [ "$(trace_counts "$STATE/trace.jsonl" $D)" = "${want%:*}" ] ||
        fail "get --type ${want#*:} sent $(trace_counts "$STATE/trace.jsonl" $D), expected ${want%:*}"
done

# In a session, the selected drive.
run -c "open $D; get 5 WR_T"
expect_status 0
expect_out "SAO (2)"
done_ok
