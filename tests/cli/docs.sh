#!/bin/bash
# The README and CI agree, the README knows every command, the manual page
# is the command table's, and every example in the user's documentation
# prints what it shows.
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
# Every example of README.md and docs/ that starts '    $ modecon' or
# '    $ ... | modecon' is run on fresh emulated drives, each in a state of
# its own (HOME too, for '~/.local/state'), and prints the lines shown
# under it: the ones starting 'modecon:' on standard error, the others on
# standard output, trailing blanks aside.  docs/errors.md's examples show
# a temporary directory and are checked by tests/cli/fault-matrix.sh.
check_examples() {
    local doc=$1 dir n cmd want got
    dir=$(mktemp -d "$STATE/examples-XXXXXX")
    mkdir -p "$dir/bin" "$dir/blocks"
    ln -s "$MODECON" "$dir/bin/modecon"
    awk -v out="$dir/blocks" '
        /^    \$ / { n++; sub(/^    \$ /, ""); print > (out "/" n ".cmd"); close(out "/" n ".cmd");
                     printf "" > (out "/" n ".want"); inblock = 1; next }
        inblock && /^    / { sub(/^    /, ""); print >> (out "/" n ".want"); next }
        { inblock = 0 }' "$root/$doc"
    n=1
    while [ -f "$dir/blocks/$n.cmd" ]; do
        cmd=$(cat "$dir/blocks/$n.cmd")
        case $cmd in
        modecon\ * | *"| modecon "*) ;;
        *) n=$((n + 1)); continue ;;
        esac
        checks=$((checks + 1))
        rm -rf "$dir/home" "$dir/config"
        mkdir "$dir/home"
        (cd "$dir" && env -u XDG_STATE_HOME HOME="$dir/home" \
            XDG_CONFIG_HOME="$dir/config" PATH="$dir/bin:$PATH" \
            bash -c "$cmd" >"$dir/stdout" 2>"$dir/stderr")
        want=$(grep -v '^modecon:' "$dir/blocks/$n.want" | sed 's/[[:space:]]*$//')
        got=$(sed 's/[[:space:]]*$//' "$dir/stdout")
        [ "$got" = "$want" ] ||
            fail "$doc: '\$ $cmd' printed on stdout:
$got
instead of:
$want"
        want=$(grep '^modecon:' "$dir/blocks/$n.want" | sed 's/[[:space:]]*$//')
        got=$(sed 's/[[:space:]]*$//' "$dir/stderr")
        [ "$got" = "$want" ] ||
            fail "$doc: '\$ $cmd' printed on stderr:
$got
instead of:
$want"
        n=$((n + 1))
    done
}
for doc in README.md docs/commands.md docs/safety.md; do
    check_examples "$doc"
done
done_ok
