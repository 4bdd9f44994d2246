#!/bin/bash
# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# `make farm-test`: the web-farm tests of issue 12 (t/farm/farm.t), three
# times:
#   1. local:     HAProxy + three Apache nodes on 127.0.0.30-33 of this
#                 host, sharing a directory of the tree (t/state/farm-store);
#   1b. local-sync: the same with BITSFragmentSync On (every Ack durable);
#   2. glusterfs: the same farm inside a network namespace made here, on a
#                 GlusterFS volume served in that namespace (glusterd refuses
#                 loopback bricks; toolchain guide section 9), which each
#                 node mounts itself through FUSE (three mounts, plus the
#                 test's own to check the results).
# Needs root (network namespace, mounts).  Everything it starts is stopped
# and unmounted, and the namespace deleted, on success and on failure.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP"

if [ "$(id -u)" -ne 0 ]; then
    echo "farm-test: needs root (network namespace, FUSE mounts)" >&2
    exit 2
fi
if [ ! -f .libs/mod_bits.so ]; then
    echo "farm-test: .libs/mod_bits.so is missing (run make first)" >&2
    exit 2
fi
for tool in haproxy glusterd gluster mount.glusterfs unshare nsenter prove; do
    command -v "$tool" >/dev/null 2>&1 ||
        { echo "farm-test: $tool not found (make deps)" >&2; exit 2; }
done

# httpd's children run as nobody: the tree must be traversable by nobody,
# else run in a copy under /tmp (as t/run-itest.sh does), logs copied back.
if ! setpriv --reuid=nobody --regid=nogroup --clear-groups test -x "$PWD/t"; then
    copy=$(mktemp -d /tmp/mod_bits-farm-tree.XXXXXX)
    chmod 755 "$copy"
    echo "farm-test: nobody cannot traverse $PWD; running in $copy"
    tar -C "$TOP" --exclude=./.git -cf - . | tar -C "$copy" -xf -
    set +e
    "$copy/t/farm/run.sh"
    rc=$?
    set -e
    mkdir -p t/state
    rm -rf t/state/farm-logs && cp -a "$copy/t/state" t/state/farm-logs 2>/dev/null || true
    rm -rf "$copy"
    exit $rc
fi

NS=modbits-farm-$$
ADDR=10.99.1.1            # exists only on the lo of the namespace $NS made below; every use
                          # is inside `ip netns exec "$NS"` (glusterd refuses loopback bricks)
VOL=bitsfarm
WORK=
failed=()
# Client-side caches off, so that every node reads what another node just
# wrote (session records are rewritten by rename, progress records in
# place): see the README, "Web farm".
GLUSTER_VOLUME_OPTIONS=${GLUSTER_VOLUME_OPTIONS-"performance.write-behind=off performance.stat-prefetch=off performance.quick-read=off performance.read-ahead=off performance.io-cache=off performance.open-behind=off performance.readdir-ahead=off"}
GLUSTER_MOUNT_OPTIONS=${GLUSTER_MOUNT_OPTIONS-"attribute-timeout=0,entry-timeout=0,negative-timeout=0,direct-io-mode=enable"}

cleanup() {
    local rc=$? pid mp
    set +e
    if [ -n "$WORK" ] && ip netns list | grep -qw "$NS"; then
        # FUSE clients still mounted (a test that died): unmount in their
        # own mount namespace
        for pid in $(ip netns pids "$NS"); do
            [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = glusterfs ] || continue
            mp=$(tr '\0' '\n' <"/proc/$pid/cmdline" | tail -n 1)
            case "$mp" in "$WORK"/*) nsenter --target="$pid" --mount umount -l "$mp" ;; esac
        done
        ip netns exec "$NS" gluster --mode=script volume stop "$VOL" force >/dev/null 2>&1
        ip netns exec "$NS" gluster --mode=script volume delete "$VOL" >/dev/null 2>&1
        [ -f "$WORK/glusterd.pid" ] && kill "$(cat "$WORK/glusterd.pid")" 2>/dev/null
        sleep 1
        # whatever is left in the namespace was started by this script
        for pid in $(ip netns pids "$NS"); do kill -TERM "$pid" 2>/dev/null; done
        sleep 1
        for pid in $(ip netns pids "$NS"); do kill -KILL "$pid" 2>/dev/null; done
    fi
    ip netns del "$NS" 2>/dev/null
    if [ -n "$WORK" ]; then
        mkdir -p t/state/farm-glusterfs
        cp "$WORK"/*.log t/state/farm-glusterfs/ 2>/dev/null
        rm -rf "$WORK"
    fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# FARM_ONLY=local or FARM_ONLY=glusterfs runs one of the two
if [ "${FARM_ONLY:-local}" = local ]; then
    echo "=== farm-test: local store"
    # in the background and waited for: bash runs a trap only between
    # commands, and `wait` is one that a signal interrupts
    FARM_KIND=local prove -v t/farm/farm.t &
    wait $! || failed+=(local)
    echo "=== farm-test: local store, BITSFragmentSync On"
    FARM_KIND=local-sync FARM_FRAGMENT_SYNC=On prove -v t/farm/farm.t &
    wait $! || failed+=(local-sync)
fi
[ "${FARM_ONLY:-glusterfs}" = glusterfs ] || { [ "${#failed[@]}" -eq 0 ]; exit; }

echo "=== farm-test: GlusterFS in network namespace $NS"
# one glusterd per machine (/var/lib/glusterd, /var/run/glusterd.socket):
# concurrent runs wait for each other
exec 9>/tmp/mod_bits-farm-glusterd.lock
flock -w 900 9
if pid=$(pgrep -x glusterd); then
    echo "farm-test: a glusterd is already running here (pid $pid); the GlusterFS farm needs" \
         "the machine's /var/lib/glusterd and /var/run/glusterd.socket for its own" >&2
    exit 1
fi
WORK=$(mktemp -d /tmp/mod_bits-farm.XXXXXX)
chmod 755 "$WORK"
mkdir -p "$WORK/brick" "$WORK/store" "$WORK/check"
ip netns add "$NS"
ip netns exec "$NS" ip link set lo up
ip netns exec "$NS" ip addr add "$ADDR/32" dev lo
ip netns exec "$NS" glusterd -p "$WORK/glusterd.pid" --log-file="$WORK/glusterd.log"
for _ in $(seq 100); do
    ip netns exec "$NS" gluster --mode=script volume list >/dev/null 2>&1 && break
    sleep 0.2
done
ip netns exec "$NS" gluster --mode=script volume create "$VOL" "$ADDR:$WORK/brick" force
for opt in $GLUSTER_VOLUME_OPTIONS; do
    ip netns exec "$NS" gluster --mode=script volume set "$VOL" "${opt%%=*}" "${opt#*=}"
done
ip netns exec "$NS" gluster --mode=script volume start "$VOL"
# the test's own mount (FARM_CHECK) lives in the mount namespace of this
# `ip netns exec`; each node mounts again in a namespace of its own
ip netns exec "$NS" env FARM_KIND=glusterfs FARM_STORE="$WORK/store" FARM_CHECK="$WORK/check" \
    FARM_MOUNT="mount -t glusterfs -o $GLUSTER_MOUNT_OPTIONS $ADDR:/$VOL" FARM_APP_PORT=18831 \
    sh -c 'mount -t glusterfs -o "$1" "$0" "$FARM_CHECK" || exit 2
           prove -v t/farm/farm.t; rc=$?
           umount "$FARM_CHECK" || umount -l "$FARM_CHECK"
           exit $rc' "$ADDR:/$VOL" "$GLUSTER_MOUNT_OPTIONS" &
wait $! || failed+=(glusterfs)

if [ "${#failed[@]}" -ne 0 ]; then
    echo "farm-test: FAILED on: ${failed[*]}"
    exit 1
fi
echo "farm-test: local and GlusterFS farms passed"
