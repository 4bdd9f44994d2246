#!/bin/sh
# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
#
# Fails, listing them, when "§N" / "§N.M" references in the module, its
# tests, bitsup and the README name a section that docs/protocol.md does not
# have as a heading ("## 7. ..." or "### 7.4 ..."), so that every reference
# resolves inside a clone.  The search is recursive: it does not care how
# src/ and include/ are divided into subdirectories.
#
# References qualified by another document are not ours and are skipped:
# "guide §5.3", "toolchain.md §5", "RFC 3986 §3.1", "[MC-BUP] §3.1.5".
#
# Usage: scripts/check-doc-refs.sh [top directory of the tree]
set -eu

top=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top"
doc=docs/protocol.md
# Byte semantics: "§" is matched as its two UTF-8 bytes by grep and awk.
LC_ALL=C
export LC_ALL

if [ ! -f "$doc" ]; then
    echo "check-doc-refs: $doc is missing" >&2
    exit 1
fi

set --
for p in mod_bits.c src include t bitsup README.md "$doc"; do
    [ -e "$p" ] && set -- "$@" "$p"
done

# file:line:text of every line with a "§".  In a git work tree the files
# are those git tracks or would track (generated test state, fuzzing work
# directories and build output are ignored there); elsewhere, a plain
# recursive grep that skips those directories by name.
lines() {
    if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        git ls-files -z -c -o --exclude-standard -- "$@" \
            | xargs -0 -r grep -nIs '§' -- || true
    else
        grep -rnIs --exclude-dir=.libs --exclude-dir=logs --exclude-dir=state \
             --exclude-dir=htdocs --exclude-dir=work --exclude-dir=bin '§' -- "$@" || true
    fi
}

# The section numbers docs/protocol.md has, one per line.
sed -n 's/^##*[[:space:]][[:space:]]*\([0-9][0-9]*\(\.[0-9][0-9]*\)*\)\.\{0,1\}\([[:space:]].*\)\{0,1\}$/\1/p' \
    "$doc" | sort -u > "${TMPDIR:-/tmp}/check-doc-refs.$$"
trap 'rm -f "${TMPDIR:-/tmp}/check-doc-refs.$$"' EXIT

lines "$@" | awk -v headings="${TMPDIR:-/tmp}/check-doc-refs.$$" -v doc="$doc" '
BEGIN {
    while ((getline h < headings) > 0)
        have[h] = 1
}
{
    # file:line:text (file names in this tree hold no colon)
    i = index($0, ":"); file = substr($0, 1, i - 1); rest = substr($0, i + 1)
    i = index(rest, ":"); line = substr(rest, 1, i - 1); text = substr(rest, i + 1)
    seen = ""
    while (match(text, /§[0-9]+(\.[0-9]+)*/)) {
        ref = substr(text, RSTART, RLENGTH)
        seen = seen substr(text, 1, RSTART - 1)
        text = substr(text, RSTART + RLENGTH)
        qualified = seen ~ /(guide|toolchain\.md|RFC[ \t]+[0-9]+|\[MC-BUP\])[ \t]*$/
        seen = seen ref
        if (qualified)
            continue
        checked++
        n = substr(ref, 3)          # the number without the two bytes of "§"
        if (!(n in have)) {
            printf "%s:%s: %s has no heading \"%s\" in %s\n", file, line, ref, n, doc
            bad++
        }
    }
}
END {
    if (bad) {
        printf "check-doc-refs: %d of %d section references do not resolve\n", bad, checked
        exit 1
    }
    printf "check-doc-refs: all %d section references resolve in %s\n", checked, doc
}'
