#!/bin/bash
# Layers include only downwards: util <- transport <- engine <- cmd <- ui <- main.
# A file in one layer that includes a header of a layer above it fails.
set -u
src=${1:-$(dirname "$0")/../src}
rank() {
    case $1 in
    util) echo 0 ;; transport) echo 1 ;; engine) echo 2 ;; cmd) echo 3 ;;
    ui) echo 4 ;; *) echo 9 ;;
    esac
}
status=0
for layer in util transport engine cmd ui; do
    [ -d "$src/$layer" ] || continue
    own=$(rank "$layer")
    while IFS=: read -r file line text; do
        inc=$(printf '%s' "$text" | sed -n 's/^#include "\([a-z]*\)\/.*/\1/p')
        [ -n "$inc" ] || continue
        if [ "$(rank "$inc")" -gt "$own" ]; then
            echo "$file:$line: $layer includes $inc, a layer above it: $text"
            status=1
        fi
    done < <(grep -Hn '^#include "' "$src/$layer"/*.[ch])
done
# Only the console's terminal file may include curses.
while IFS= read -r hit; do
    case $hit in
    "$src/ui/curses.c:"*) ;;
    *) echo "$hit: only src/ui/curses.c may include curses.h"; status=1 ;;
    esac
done < <(grep -rHn '#include <n\?curses' "$src" || true)
[ $status -eq 0 ] && echo "layers: every include points downwards"
# Within a layer, no two modules include each other, directly or around.
bash "$(dirname "$0")/../tests/style/include-cycles.sh" "$src" || status=1
exit $status
