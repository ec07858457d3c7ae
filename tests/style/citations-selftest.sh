#!/bin/bash
# style.citations finds what it must: run tests/style/citations.sh on a
# small tree whose citations are wrong in each way it knows, and on the
# same tree put right.
set -u
here=$(cd "$(dirname "$0")" && pwd)
tree=$(mktemp -d /tmp/modecon-citations-XXXXXX)
trap 'rm -rf "$tree"' EXIT
mkdir -p "$tree/docs" "$tree/src/engine" "$tree/pages/mmc"
cat >"$tree/docs/standards.md" <<'MD'
| Standard | Section | Title |
|----------|---------|-------|
| SPC-4 | 7.5.5 | Mode parameter header formats |
| SPC-4 | 7.5.7 | Mode page and subpage formats and page codes |
| MMC-6 | 6.44 | WRITE (10) command |
MD
cat >"$tree/src/engine/bad.c" <<'C'
/* The header (SPC-4 7.5.4), the page format (SPC-4
 * 7.5.6), WRITE(10) and WRITE(12) (MMC-6 6.44/6.45), the types (SPC-4
 * table 48) and the MMC layout (imapi2-and-mmc.md 6.4). */
C
printf '%s\n' '# Caching (prior-art.md 1.2)' 'page 0x08' >"$tree/pages/mmc/08.page"
fails=0
out=$(bash "$here/citations.sh" "$tree") && { echo "FAIL: wrong citations passed"; fails=1; }
for want in 'bad.c:1: SPC-4 7.5.4 is not in' 'bad.c:1: SPC-4 7.5.6 is not in' \
    'bad.c:2: MMC-6 6.45 is not in' 'bad.c:2: SPC-4 table 48: cite the section' \
    'bad.c:3: cites imapi2-and-mmc.md' '08.page:1: cites prior-art.md'; do
    grep -qF "$want" <<<"$out" || { echo "FAIL: no '$want' in:"; echo "$out"; fails=1; }
done
grep -q 'MMC-6 6.44 \|SPC-4 7.5.5 ' <<<"$out" && { echo "FAIL: a listed section was refused:"; echo "$out"; fails=1; }
cat >"$tree/src/engine/bad.c" <<'C'
/* The header (SPC-4 7.5.5), the page format (SPC-4
 * 7.5.7), WRITE(10) (MMC-6 6.44), MMC-3's layout and SAM-5's rules. */
C
printf '%s\n' '# Caching (MMC-3)' 'page 0x08' >"$tree/pages/mmc/08.page"
out=$(bash "$here/citations.sh" "$tree") || { echo "FAIL: right citations refused:"; echo "$out"; fails=1; }
[ "$fails" = 0 ] && echo "ok: style.citations refuses each wrong citation and passes right ones"
exit "$fails"
