#!/bin/bash
# PROGRAM ARGS...: PROGRAM under valgrind memcheck, as the memcheck preset
# runs modecon and the unit suites.  Any error, and any leak of a block
# no longer reachable, makes it exit 97, which fails the test; what the
# libraries modecon uses do on their own is in valgrind.supp, each entry
# explained.  Children are traced: Criterion runs each test in a worker
# it starts with exec, whose exit status does not reach the test, so each
# report is also marked (VALGRIND-ERROR) for run-unit.sh to find.
exec valgrind --quiet --tool=memcheck --leak-check=full \
    --trace-children=yes --error-markers=VALGRIND-ERROR,VALGRIND-ERROR-END \
    --show-leak-kinds=definite,indirect,possible \
    --errors-for-leak-kinds=definite,indirect,possible \
    --error-exitcode=97 --num-callers=30 \
    --suppressions="$(dirname "$0")/valgrind.supp" "$@"
