#!/bin/bash
# Every C file is formatted by the repository's .clang-format.
set -eu
clang_format=$1
root=$2
cd "$root"
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find src tests bench -name '*.[ch]')
# shellcheck disable=SC2086
"$clang_format" --dry-run -Werror $files
echo "format: $(echo "$files" | wc -w) files clean"
