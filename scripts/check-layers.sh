#!/usr/bin/env bash
# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
#
# The architecture, checked on the compiled objects: calls between source
# files go one way (no file is part of a circle of calls), and the APR-only
# core (src/core) never calls into the httpd glue (src/httpd, mod_bits.c).
# The module record `bits_module` is data every glue file names (logging,
# ap_get_module_config), not a call, and is left out.
# Usage: scripts/check-layers.sh [apxs]
set -euo pipefail
cd "$(dirname "$0")/.."
APXS=${1:-apxs}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ -n "${LAYERS_DEBUG:-}" ] && trap 'cat "$work/edges"' EXIT

cflags="-DMOD_BITS_VERSION=\"layers\" -Iinclude/core -Iinclude/httpd -I$($APXS -q INCLUDEDIR) $(pkg-config --cflags apr-1 apr-util-1 libcurl)"
for f in mod_bits.c src/core/*.c src/httpd/*.c; do
    name=$(basename "$f" .c)
    ${CC:-cc} -c $cflags -o "$work/$name.o" "$f"
    case $f in src/core/*) echo "$name" >> "$work/core" ;; esac
    nm --defined-only -g "$work/$name.o" | awk -v f="$name" 'NF == 3 { print $3, f }' >> "$work/defs"
    nm -u "$work/$name.o" | awk -v f="$name" '{ print $2, f }' >> "$work/uses"
done
sort -o "$work/defs" "$work/defs"
sort -o "$work/uses" "$work/uses"
# "caller callee symbol" for every reference from one file to another.
join "$work/defs" "$work/uses" | awk '$1 != "bits_module" && $2 != $3 { print $3, $2, $1 }' \
    | sort -u > "$work/edges"

status=0
if ! cut -d' ' -f1,2 "$work/edges" | sort -u | tsort > /dev/null 2> "$work/loops"; then
    echo "check-layers: calls between files go in a circle:" >&2
    sed -n 's/^tsort: \([a-z_]*\)$/  \1/p' "$work/loops" | sort -u >&2
    status=1
fi
while read -r caller callee sym; do
    if grep -qx "$caller" "$work/core" && ! grep -qx "$callee" "$work/core"; then
        echo "check-layers: core file $caller calls glue $callee ($sym)" >&2
        status=1
    fi
done < "$work/edges"
[ $status -eq 0 ] && echo "check-layers: $(wc -l < "$work/edges") calls between files, one way, core below glue"
exit $status
