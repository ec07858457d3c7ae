#!/bin/bash
# Golden replay tests: each CASE.cmd runs as 'modecon --batch replay' on
# fresh emulated drives, and its output must equal CASE.ref.  To accept a
# new output after checking it by eye: MODECON=... run.sh --update CASE.
set -u
: "${MODECON:?set MODECON to the modecon binary}"
here=$(cd "$(dirname "$0")" && pwd)
case $MODECON in /*) ;; *) MODECON=$PWD/$MODECON ;; esac
update=0
[ "${1:-}" = --update ] && { update=1; shift; }
status=0
for cmd in "$here"/*.cmd; do
    name=$(basename "$cmd" .cmd)
    [ $# -gt 0 ] && [ "$name" != "$1" ] && continue
    state=$(mktemp -d /tmp/modecon-replay-XXXXXX)
    # Paths differ from run to run; the reference names the file CASE.cmd.
    out=$(cd "$here" && XDG_STATE_HOME=$state XDG_CONFIG_HOME=$state \
        "$MODECON" --batch replay "$name.cmd" 2>&1)
    rc=$?
    rm -rf "$state"
    out=$(printf '%s\nexit %d\n' "$out" "$rc")
    if [ $update -eq 1 ]; then
        printf '%s\n' "$out" >"$here/$name.ref"
        echo "updated $name.ref"
    elif ! diff -u "$here/$name.ref" <(printf '%s\n' "$out"); then
        echo "FAIL replay $name: output differs from $name.ref"
        status=1
    else
        echo "replay $name: matches"
    fi
done
exit $status
