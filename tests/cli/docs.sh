#!/bin/bash
# The README and CI agree, and the README knows every command.
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)

# The README's test command is what CI runs.
test_cmd=$(grep -A2 'run the whole test suite' "$root/README.md" | grep '^    ' | sed 's/^    //')
[ -n "$test_cmd" ] || fail "no test command under 'run the whole test suite'"
grep -qxF "$test_cmd" "$root/.ci/run" || fail ".ci/run does not run: $test_cmd"
checks=$((checks + 1))

# Every command of the table is in the README's usage.
run help
expect_status 0
for name in $(sed -n '/^commands:/,/^$/ s/^  \([a-z][a-z-]*\) .*/\1/p' <<<"$out"); do
    checks=$((checks + 1))
    grep -q "^    modecon $name" "$root/README.md" ||
        fail "README.md does not show 'modecon $name'"
done
# The front ends are in the help, and asked for by name.
expect_out "  modecon shell "
run help shell
expect_status 0
expect_out "modecon [console [DRIVE...]]"

# The manual page is the command table's: regenerate it with
#   build/dev/src/modecon help --man > docs/modecon.1
run help --man
expect_status 0
checks=$((checks + 1))
diff -u "$root/docs/modecon.1" - <<<"$out" >"$STATE/man.diff" ||
    fail "docs/modecon.1 differs from the command table (run: modecon help --man > docs/modecon.1): $(head -20 "$STATE/man.diff")"
done_ok
