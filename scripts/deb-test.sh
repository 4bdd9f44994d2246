#!/bin/bash
# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# `make deb-test`: the build-install-enable-upload-remove cycle of the Debian
# packages on this machine, with its system apache2 (run as root).
#   scripts/deb-test.sh DIR      (DIR holds the .debs of scripts/deb-build.sh)
# It installs libapache2-mod-bits and bitsup with dpkg, runs `a2enmod bits`,
# enables a conf-available snippet that listens on 127.0.0.1:$BITS_DEB_PORT
# (18850) only and turns uploads on there, starts apache2 with apache2ctl
# (or reloads it if it was running), uploads a file with the packaged bitsup
# and compares its sha256, then purges both packages, a2disconf's, stops
# apache2 (or reloads it) and checks that /etc/apache2, /var/lib/apache2,
# the module directory, the packages' files and apache2's running state are
# as they were before.  apache2's own logs in /var/log/apache2 do get the
# lines of the run.
set -euo pipefail

DIR=${1:?usage: $0 DIR}
PORT=${BITS_DEB_PORT:-18850}
CONF_NAME=bits-deb-test
CONF=/etc/apache2/conf-available/$CONF_NAME.conf
PIDFILE=/var/run/apache2/apache2.pid
TOP=$(cd "$(dirname "$0")/.." && pwd)
VERSION=$(cat "$TOP/VERSION")
ARCH=$(dpkg --print-architecture)
MOD_DEB=$DIR/libapache2-mod-bits_${VERSION}_${ARCH}.deb
UP_DEB=$DIR/bitsup_${VERSION}_${ARCH}.deb
PACKAGES=(libapache2-mod-bits bitsup)

say()  { echo "deb-test: $*"; }
die()  { echo "deb-test: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (it installs packages and drives the system apache2)"
[ -f "$MOD_DEB" ] && [ -f "$UP_DEB" ] || die "no packages in $DIR: run make deb first"
for p in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [ -z "$status" ] || [ "$status" = "not-installed" ] ||
        die "$p is on this machine already ($status): the test would remove it"
done
[ ! -e "$CONF" ] || die "$CONF exists: left over from an earlier run? remove it first"
exec 9>/tmp/mod_bits-deb-test.lock
flock -n 9 || die "another deb-test is running"

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
apache_running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }
port_open "$PORT" && die "127.0.0.1:$PORT is in use (set BITS_DEB_PORT)"

# What must be the same afterwards: the installed package set, apache2's
# configuration and module state (names, modes, owners, links, contents),
# the module directory, every path the packages ship, and whether apache2
# runs.
PKG_PATHS=$( { dpkg-deb -c "$MOD_DEB"; dpkg-deb -c "$UP_DEB"; } |
             awk '{print substr($6, 2)}' | grep -v '/$' | sort -u)
snapshot() {
    dpkg-query -W -f='${binary:Package} ${Version} ${db:Status-Abbrev}\n'
    find /etc/apache2 /var/lib/apache2 /usr/lib/apache2 /var/run/apache2 /var/lock/apache2 \
         -printf '%p %y %m %u:%g %l\n' 2>/dev/null || true
    find /etc/apache2 /var/lib/apache2 -type f -exec md5sum {} + 2>/dev/null || true
    for f in $PKG_PATHS /var/lib/dpkg/info/libapache2-mod-bits.* /var/lib/dpkg/info/bitsup.*; do
        [ -e "$f" ] && echo "present: $f"
    done
    apache_running && echo "apache2 running" || echo "apache2 stopped"
}
BEFORE=$(snapshot | LC_ALL=C sort)
WAS_RUNNING=no; apache_running && WAS_RUNNING=yes
STATE_DIRS=$(find /var/lib/apache2 -mindepth 1 -type d 2>/dev/null || true)

WORK=$(mktemp -d /tmp/mod_bits-deb-test.XXXXXX)
chmod 755 "$WORK"
mkdir -p "$WORK/htdocs/uploads" "$WORK/logs"
chown www-data:www-data "$WORK/htdocs/uploads"

INSTALLED=no STARTED=no CONF_ON=no
teardown() {
    # -p: no "disabled by admin" record of a conf that is gone.
    if [ "$CONF_ON" = yes ]; then a2disconf -q -p "$CONF_NAME" || true; fi
    rm -f "$CONF"
    if [ "$STARTED" = yes ] && [ "$WAS_RUNNING" = no ]; then
        apache2ctl stop || true
        for _ in $(seq 100); do apache_running || break; sleep 0.1; done
    fi
    # The packages' prerm/postrm disable the module themselves (dh_apache2).
    if [ "$INSTALLED" = yes ]; then dpkg --purge "${PACKAGES[@]}" || true; fi
    if [ "$WAS_RUNNING" = yes ]; then apache2ctl graceful || true; fi
    # a2enmod/a2enconf keep their records in directories they make on first
    # use; the purge empties them.  Remove those that were not there before.
    find /var/lib/apache2 -mindepth 1 -type d -empty -print 2>/dev/null | while read -r d; do
        grep -qxF "$d" <<<"$STATE_DIRS" || rmdir "$d"
    done
    rm -rf "$WORK"
}
finish() {
    local rc=$? after
    set +e
    if [ $rc -ne 0 ] && [ -f "$WORK/logs/error.log" ]; then
        say "the test vhost's error log:"; tail -n 30 "$WORK/logs/error.log"
    fi
    teardown
    after=$(snapshot | LC_ALL=C sort)
    if port_open "$PORT"; then say "127.0.0.1:$PORT still answers"; rc=1; fi
    if [ "$after" != "$BEFORE" ]; then
        say "the machine is not as it was before:"
        diff <(echo "$BEFORE") <(echo "$after")
        rc=1
    else
        say "machine as before (packages, /etc/apache2, /var/lib/apache2, apache2 was running: $WAS_RUNNING)"
    fi
    [ $rc -eq 0 ] && say PASS || say FAIL
    exit $rc
}
trap finish EXIT

say "installing $(basename "$MOD_DEB") $(basename "$UP_DEB")"
INSTALLED=yes
dpkg -i "$MOD_DEB" "$UP_DEB"
[ ! -e /etc/apache2/mods-enabled/bits.load ] || die "installing enabled the module (it should not)"
[ "$(bitsup --version | awk '{print $2}')" = "$VERSION" ] || die "bitsup --version is not $VERSION"
zcat /usr/share/man/man1/bitsup.1.gz | grep "^\.TH " | grep -q "bitsup $VERSION" ||
    die "the bitsup man page does not name version $VERSION"

a2enmod -q bits
cat > "$CONF" <<EOF
# mod_bits deb-test (scripts/deb-test.sh); removed when the test ends.
Listen 127.0.0.1:$PORT
<VirtualHost 127.0.0.1:$PORT>
    ServerName 127.0.0.1
    DocumentRoot "$WORK/htdocs"
    ErrorLog "$WORK/logs/error.log"
    CustomLog "$WORK/logs/access.log" combined
    <Directory "$WORK/htdocs">
        Require all granted
        Options -ExecCGI -Includes -Indexes
        AllowOverride None
    </Directory>
    <Directory "$WORK/htdocs/uploads">
        BITSUploadEnabled On
    </Directory>
</VirtualHost>
EOF
CONF_ON=yes
a2enconf -q "$CONF_NAME"
apache2ctl configtest
modules=$(apache2ctl -M 2>/dev/null)
grep -q 'bits_module (shared)' <<<"$modules" || die "apache2ctl -M does not list bits_module"

if [ "$WAS_RUNNING" = yes ]; then apache2ctl graceful; else apache2ctl start; fi
STARTED=yes
for _ in $(seq 100); do port_open "$PORT" && break; sleep 0.1; done
port_open "$PORT" || die "apache2 does not listen on 127.0.0.1:$PORT"

# 3 MiB and a bit: several fragments with the default 1M fragment size.
head -c $((3 * 1024 * 1024 + 12345)) /dev/urandom > "$WORK/deb-test.bin"
say "uploading with /usr/bin/bitsup to http://127.0.0.1:$PORT/uploads/"
bitsup --no-state -q "$WORK/deb-test.bin" "http://127.0.0.1:$PORT/uploads/"
want=$(sha256sum < "$WORK/deb-test.bin")
got=$(sha256sum < "$WORK/htdocs/uploads/deb-test.bin")
[ "$want" = "$got" ] || die "the uploaded file differs: sha256 ${got%% *}, sent ${want%% *}"
say "upload ok: sha256 ${got%% *}"

# The packaged bitsctl reads the store (as its owner: run as root it
# switches to it) and finds the finished session.
store="$WORK/htdocs/uploads/BITS-Sessions"
/usr/sbin/bitsctl -d "$store" list --json | grep -Eq '"state": "(DONE|CLOSED)"' ||
    die "bitsctl list does not show the finished session in $store"
/usr/sbin/bitsctl -d "$store" verify || die "bitsctl verify finds problems in $store"
say "bitsctl ok"
