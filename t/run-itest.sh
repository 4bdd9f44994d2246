#!/bin/bash
# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# Runs the Apache::Test integration suite of mod_bits (called by `make itest`
# as `t/run-itest.sh <apxs> [t/NN_name.t ...]`, and by `make clean` as `t/run-itest.sh clean`).
#
# The suite runs as root; httpd's children run as nobody/nogroup, so every
# directory above the tree must be traversable by nobody.  If it is not
# (e.g. a CI clone under /root), the tree is copied to a mode-755 directory
# under /tmp and the suite runs there; t/logs is copied back afterwards.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"

# Scenario directories (one per test area), created 0777 fresh every run.
SCENARIOS=(
    ping create create/sub frag close sec sec/sub race robust
    limits lock expiry diskfull xdev xdevfull overwrite secover off
    hostid hostiddef
    inherit inherit/child inherit/child/grand inherit/off
    custom locdir auth authz denied farm
    slowbody davorder propfind units
    # issue 6, items 2 and 10: configuration names, executed destinations
    names names/sub namesht namesmap namesexec namesinc namesinc/up
    # issue 6 items 3, 4, 12: store exposure, nested stores, permissions
    storeup storedef storeserved storedavdb outer outer/team storecfg perms permsmode permsgrp permsbadgrp
    # issue 6 item 5, session flooding (t/26_flood.t)
    flood flood/members flood/wide floodcap
    # issue 7, BITS per virtual host (t/29_vhost.t)
    vhost
    # issue 9, progress records in place (t/34_progress.t), group commit
    # (t/46_durable.t), upgraded stores (t/45_upgrade.t)
    progress durable durablesync durablekill upgrade farmsync
    # issue 9, the sweep off the request path (t/42_sweep_timer.t)
    sweep sweepidle sweeplocdir
    # issue 10, the status page (t/38_status.t)
    status status/short browser
    # issue 11, bitsup the client (t/30_bitsup.t)
    bitsup bitsupreply bitsupfarm bitsuptls bitsupkrb
    # issue 10, bitsctl on a live store (t/41_bitsctl.t)
    bitsctl
    # issue 10, mod_bits/<version> in the Server header (t/36_banner.t)
    banner
    # issue 10: the access log's notes (t/39_lognotes.t)
    lognotes lognotes/denied
    # issue 12: BITSMinimumFreeSpace (t/44_minfree.t mounts a tmpfs on it)
    minfree
)
HTPASSWD_FILE=t/state/bits-htpasswd
CUSTOM_SESSIONS=t/state/custom-sessions
XDEV_SESSIONS=t/state/xdev-sessions
XDEVFULL_SESSIONS=t/state/xdevfull-sessions
FARM_SESSIONS=t/state/farm-sessions
FARMSYNC_SESSIONS=t/state/farmsync-sessions

# Unmounts file systems the suite left mounted below $1/t (t/htdocs/diskfull,
# t/htdocs/xdevfull, t/state/xdev-sessions).
umount_leftovers() {
    local base="$1/t" mp
    [ -r /proc/mounts ] || return 0
    # deepest first
    awk '{print $2}' /proc/mounts | sed 's/\\040/ /g' | sort -r |
    while IFS= read -r mp; do
        case "$mp" in
            "$base"/*) umount "$mp" 2>/dev/null || umount -l "$mp" 2>/dev/null || true ;;
        esac
    done
}

remove_scenarios() {
    local d
    umount_leftovers "$PWD"
    for d in "${SCENARIOS[@]}"; do
        rm -rf "t/htdocs/${d%%/*}"
    done
    rm -rf t/htdocs/outside "$CUSTOM_SESSIONS" "$XDEV_SESSIONS" "$XDEVFULL_SESSIONS" \
        "$FARM_SESSIONS" "$FARMSYNC_SESSIONS" "$HTPASSWD_FILE" t/state/node2 t/state/slowbody t/state/davorder-* \
        t/state/vhost t/state/status-htpasswd
}

if [ "${1:-}" = clean ]; then
    perl t/TEST.PL -clean >/dev/null 2>&1 || true
    remove_scenarios
    exit 0
fi

APXS=${1:-apxs}
shift || true
# Any further arguments name the test files to run (default: all of t/*.t).
TESTS=("$@")

if [ ! -f .libs/mod_bits.so ]; then
    echo "run-itest.sh: .libs/mod_bits.so is missing (run make first)" >&2
    exit 2
fi
if ! command -v htpasswd >/dev/null 2>&1; then
    echo "run-itest.sh: htpasswd not found (apt-get install apache2-utils)" >&2
    exit 2
fi

WORKDIR=
ORIG=$TOP
finish() {
    local rc=$?
    if [ -n "$WORKDIR" ] && [ -d "$WORKDIR" ]; then
        umount_leftovers "$WORKDIR"
        # keep the logs of the run in the original tree
        if [ -d "$WORKDIR/t/logs" ]; then
            rm -rf "$ORIG/t/logs"
            cp -a "$WORKDIR/t/logs" "$ORIG/t/logs" || true
            echo "run-itest.sh: logs copied to $ORIG/t/logs"
        fi
        cd /
        rm -rf "$WORKDIR"
    fi
    exit $rc
}
trap finish EXIT

if ! setpriv --reuid=nobody --regid=nogroup --clear-groups test -x "$PWD/t"; then
    WORKDIR=$(mktemp -d /tmp/mod_bits-itest.XXXXXX)
    chmod 755 "$WORKDIR"
    echo "run-itest.sh: nobody cannot traverse $PWD; running in $WORKDIR"
    tar -C "$TOP" --exclude=./.git -cf - . | tar -C "$WORKDIR" -xf -
    cd "$WORKDIR"
    if ! setpriv --reuid=nobody --regid=nogroup --clear-groups test -x "$PWD/t"; then
        echo "run-itest.sh: nobody cannot traverse $PWD either" >&2
        exit 2
    fi
fi

perl t/TEST.PL -clean >/dev/null 2>&1 || true

# Fresh scenario directories, writable by httpd's children (nobody).
remove_scenarios
mkdir -p t/htdocs t/state
chmod 755 t t/htdocs t/state
for d in "${SCENARIOS[@]}"; do
    mkdir -p "t/htdocs/$d"
    chmod 0777 "t/htdocs/$d"
done
mkdir -p "$CUSTOM_SESSIONS" "$XDEV_SESSIONS" "$XDEVFULL_SESSIONS" "$FARM_SESSIONS" "$FARMSYNC_SESSIONS"
chmod 0777 "$CUSTOM_SESSIONS" "$XDEV_SESSIONS" "$XDEVFULL_SESSIONS" "$FARM_SESSIONS" "$FARMSYNC_SESSIONS"
htpasswd -b -c "$HTPASSWD_FILE" alice alice-secret >/dev/null 2>&1
htpasswd -b "$HTPASSWD_FILE" bob bob-secret >/dev/null 2>&1
chmod 0644 "$HTPASSWD_FILE"

set +e
perl t/TEST.PL -apxs "$APXS" -httpd_conf "$PWD/t/conf/modules.conf" -port select \
    ${TESTS[@]+"${TESTS[@]}"}
rc=$?
set -e
exit $rc
