#!/bin/bash
# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# `make deb`: builds the Debian packages (debian/) with dpkg-buildpackage
# -us -uc -b in a copy of the tree under DIR/src, so the tree itself stays
# clean and the .debs land in DIR (dpkg-buildpackage writes to ..).  Then
# lintian: its errors fail the build, its warnings are printed.
# DEB_BUILD_OPTIONS is passed on (make deb-test uses nocheck).
#   scripts/deb-build.sh DIR
set -euo pipefail

DIR=${1:?usage: $0 DIR}
TOP=$(cd "$(dirname "$0")/.." && pwd)

# One release number: VERSION, and debian/changelog must say the same.
version=$(cat "$TOP/VERSION")
changelog=$(dpkg-parsechangelog -l "$TOP/debian/changelog" -S Version)
if [ "$version" != "$changelog" ]; then
    echo "deb-build: VERSION says $version, debian/changelog says $changelog;" \
         "add a changelog entry (dch -v $version)" >&2
    exit 1
fi

rm -rf "$DIR"
mkdir -p "$DIR/src"
# Tracked and new (not ignored) files: what a commit of the tree would hold.
git -C "$TOP" ls-files -z -c -o --exclude-standard |
    (cd "$TOP" && xargs -0 tar -cf - --no-recursion) | tar -C "$DIR/src" -xf -

(cd "$DIR/src" && dpkg-buildpackage -us -uc -b)

changes=$(ls "$DIR"/libapache2-mod-bits_"$version"_*.changes)
echo "deb-build: lintian $changes"
lintian --fail-on error --info "$changes"
echo "deb-build: built $(cd "$DIR" && ls ./*.deb | tr '\n' ' ')"
