#!/usr/bin/env bash
# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
#
# Every source file of the tree carries the licence line.  Lists the
# files that do not and fails; `--fix` adds the short header to them.
set -euo pipefail
cd "$(dirname "$0")/.."
TAG='SPDX-License-Identifier: Apache-2.0'

sources() {
    git ls-files --cached --others --exclude-standard \
        '*.c' '*.h' '*.pm' '*.t' '*.pl' '*.PL' '*.sh' '*.in' '*.1' '*.py' \
        'Makefile' '*/Makefile' '.ci/run' 'conf/*' 'debian/rules' |
        grep -v -e '^t/fuzz/corpus/' -e '^t/htdocs/' | sort -u
}

add_header() {
    local f=$1 c=$2 tmp
    tmp=$(mktemp)
    case $c in
        '/*') printf '/* Copyright 2026 the mod_bits authors\n * %s (see LICENSE) */\n' "$TAG" > "$tmp" ;;
        *)    printf '%s Copyright 2026 the mod_bits authors\n%s %s (see LICENSE)\n' "$c" "$c" "$TAG" > "$tmp" ;;
    esac
    if head -1 "$f" | grep -q '^#!'; then
        { head -1 "$f"; cat "$tmp"; tail -n +2 "$f"; } > "$tmp.new"
    else
        { cat "$tmp"; cat "$f"; } > "$tmp.new"
    fi
    cat "$tmp.new" > "$f"
    rm -f "$tmp" "$tmp.new"
}

missing=0
for f in $(sources); do
    [ -f "$f" ] || continue
    head -5 "$f" | grep -q "$TAG" && continue
    if [ "${1:-}" = --fix ]; then
        case $f in
            *.c|*.h) add_header "$f" '/*' ;;
            *.1)     add_header "$f" '.\"' ;;
            *)       add_header "$f" '#' ;;
        esac
    else
        echo "check-headers: $f has no '$TAG' line" >&2
        missing=1
    fi
done
exit $missing
