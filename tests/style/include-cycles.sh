#!/bin/bash
# No include circle between the modules of a layer.  A module is a .c file
# and its .h (src/cmd/journal.c and src/cmd/journal.h are "journal"); an
# include of another module's header in the same layer is an arrow from
# one module to the other.  A circle means neither module can be read,
# tested or replaced without the other: each one found is named, e.g.
#   cmd: include circle: changes -> cmd -> changes
# A family's private header, NAME-internal.h (what pagedef.c and its
# pagedef-*.c siblings share and no one else includes), belongs to module
# NAME.
set -u -o pipefail
src=${1:-$(dirname "$0")/../../src}
status=0
for dir in "$src"/*/; do
    layer=$(basename "$dir")
    files=("$dir"*.[ch])
    [ -e "${files[0]}" ] || continue
    cycles=$(grep -Hn '^#include "'"$layer"'/' "${files[@]}" |
        sed -n 's|^.*/\([^/]*\)\.[ch]:[0-9]*:#include "'"$layer"'/\([^"/]*\)\.h".*|\1 \2|p' |
        sed 's/-internal\( \|$\)/\1/g' |
        sort -u |
        awk -v layer="$layer" '
        $1 != $2 { out[$1] = out[$1] " " $2; nodes[$1]; nodes[$2] }
        function visit(n,    i, k, m, targets) {
            state[n] = 1
            stack[++depth] = n
            k = split(out[n], targets, " ")
            for (i = 1; i <= k; i++) {
                m = targets[i]
                if (state[m] == 1) {
                    # m is on the stack: the circle runs from m to n.
                    for (j = depth; stack[j] != m; j--)
                        ;
                    c = 0
                    for (; j <= depth; j++) {
                        c++
                        ring[c] = stack[j]
                        names[c] = stack[j]
                    }
                    # Told from its first module by name, whichever
                    # module the search entered it from.
                    first = 1
                    for (a = 2; a <= c; a++)
                        if (ring[a] < ring[first])
                            first = a
                    path = ""
                    for (a = 0; a < c; a++)
                        path = path ring[(first + a - 1) % c + 1] " -> "
                    path = path ring[first]
                    # The same circle found from another module once.
                    for (a = 2; a <= c; a++)
                        for (b = a; b > 1 && names[b - 1] > names[b]; b--) {
                            t = names[b]; names[b] = names[b - 1]; names[b - 1] = t
                        }
                    key = ""
                    for (a = 1; a <= c; a++)
                        key = key names[a] " "
                    if (!(key in seen)) {
                        seen[key]
                        print layer ": include circle: " path
                    }
                } else if (state[m] == 0) {
                    visit(m)
                }
            }
            depth--
            state[n] = 2
        }
        END {
            for (n in nodes)
                if (state[n] == 0)
                    visit(n)
        }')
    while IFS= read -r says; do
        [ -n "$says" ] || continue
        echo "$says"
        status=1
    done <<<"$cycles"
done
[ $status -eq 0 ] && echo "include circles: none between the modules of a layer"
exit $status
