#!/bin/bash
# The layer check itself: an include that goes up a layer, or curses
# outside the console's terminal file, fails it with the place named.
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

done_ok
