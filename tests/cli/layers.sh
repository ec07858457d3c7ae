#!/bin/bash
# The layer check itself: an include that goes up a layer, or curses
# outside the console's terminal file, fails it with the place named; so
# does an include circle between the modules of a layer, named.
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
check=$root/tools/check-layers.sh
tree=$STATE/src
mkdir -p "$tree/util" "$tree/transport" "$tree/engine" "$tree/cmd"
printf '#include "util/err.h"\n' >"$tree/engine/good.c"

out=$(bash "$check" "$tree" 2>&1)
status=$?
expect_status 0
expect_out "every include points downwards"

printf '#include "util/err.h"\n#include "cmd/cmd.h"\n' >"$tree/engine/up.c"
out=$(bash "$check" "$tree" 2>&1)
status=$?
expect_status 1
expect_out "$tree/engine/up.c:2: engine includes cmd, a layer above it"
rm "$tree/engine/up.c"

printf '#include <curses.h>\n' >"$tree/cmd/screen.c"
out=$(bash "$check" "$tree" 2>&1)
status=$?
expect_status 1
expect_out "$tree/cmd/screen.c:1:#include <curses.h>: only src/ui/curses.c may include curses.h"
rm "$tree/cmd/screen.c"

printf '#include "engine/recorder.h"\n' >"$tree/transport/x.h"
out=$(bash "$check" "$tree" 2>&1)
status=$?
expect_status 1
expect_out "transport includes engine"

rm "$tree/transport/x.h"

# A module's own header is no circle; two modules that include each other
# are, through a header or a .c file alike.
printf '#include "cmd/journal.h"\n#include "cmd/ctx.h"\n' >"$tree/cmd/journal.c"
printf '#include "cmd/ctx.h"\n' >"$tree/cmd/journal.h"
printf '#include "util/err.h"\n' >"$tree/cmd/ctx.h"
out=$(bash "$check" "$tree" 2>&1)
status=$?
expect_status 0
expect_out "include circles: none"
printf '#include "cmd/journal.h"\n' >"$tree/cmd/ctx.c"
out=$(bash "$check" "$tree" 2>&1)
status=$?
expect_status 1
expect_out "cmd: include circle: ctx -> journal -> ctx"
rm "$tree/cmd/ctx.c"

# Around three modules, named once however it is entered.
printf '#include "engine/b.h"\n' >"$tree/engine/a.c"
printf '#include "engine/c.h"\n' >"$tree/engine/b.h"
printf '#include "engine/a.h"\n' >"$tree/engine/c.c"
out=$(bash "$check" "$tree" 2>&1)
status=$?
expect_status 1
expect_out "engine: include circle: a -> b -> c -> a"
[ "$(printf '%s\n' "$out" | grep -c 'include circle')" -eq 1 ] ||
    fail "one circle named more than once: $out"

done_ok
