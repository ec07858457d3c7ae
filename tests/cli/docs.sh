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
for name in $(sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p' <<<"$out"); do
    checks=$((checks + 1))
    grep -q "^    modecon $name" "$root/README.md" ||
        fail "README.md does not show 'modecon $name'"
done
done_ok
