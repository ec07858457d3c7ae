#!/bin/bash
# An installed modecon finds its drives next to itself.
. "$(dirname "$0")/lib.sh"
: "${MODECON_BUILD_DIR:?}"
PREFIX=$STATE/prefix
cmake --install "$MODECON_BUILD_DIR" --prefix "$PREFIX" >/dev/null ||
    fail "cmake --install failed"
[ -x "$PREFIX/bin/modecon" ] || fail "no installed binary"
[ -f "$PREFIX/share/modecon/drives/dvd-writer.json" ] ||
    fail "drives were not installed"
[ -d "$PREFIX/share/modecon/pages" ] || fail "pages/ was not installed"
[ -f "$PREFIX/share/man/man1/modecon.1" ] || fail "the manual page was not installed"
out=$(cd / && env -u MODECON_DATA_DIR "$PREFIX/bin/modecon" list 2>&1)
status=$?
expect_status 0
expect_out "emu:dvd-writer"
expect_out "emu:cd-atapi"
out=$(cd / && env -u MODECON_DATA_DIR "$PREFIX/bin/modecon" get emu:dvd-writer 5 2>&1)
status=$?
expect_status 0
[ -f "$PREFIX/share/modecon/pages/mmc/05-write-parameters.page" ] ||
    fail "page definitions were not installed"
out=$(cd / && env -u MODECON_DATA_DIR "$PREFIX/bin/modecon" show emu:dvd-writer 5 2>&1)
status=$?
expect_status 0
expect_out "WR_T"
done_ok
