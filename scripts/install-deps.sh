#!/bin/bash
# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# Installs the Debian packages needed to build, run and test mod_bits.
# Runs on every `make test` / `make run`: when nothing is missing it prints
# nothing and exits 0 at once.  As root it installs what is missing with
# apt-get; otherwise it prints the command to run and exits 1.
set -euo pipefail

# build-essential: gcc/make/libc6-dev for apxs (not pulled in by apache2-dev
# without Recommends).  apache2-dev: apxs, headers, APR/APR-util dev files.
# libapache2-mod-perl2: Apache::Test (the integration suite).  check: unit
# tests.  libcurl4-openssl-dev: the notification client.  libwww-perl,
# libhttp-daemon-perl: LWP for the tests' client helpers and their back-end
# stub.  Digest::SHA and Getopt::Long are core Perl.  clang: `make fuzz`;
# libclang-rt-14-dev holds its libFuzzer runtime (libclang_rt.fuzzer), only
# a Recommends of clang-14 on Debian 12, so it is named here.  krb5-kdc,
# krb5-admin-server (kdb5_util, kadmin.local), krb5-user (kinit) and
# libapache2-mod-auth-gssapi: the test KDC and the Negotiate location of
# t/35_bitsup_negotiate.t (bitsup --negotiate); no KDC service is set up.
# gnuplot-nox: make bench draws its chart (PNG); e2fsprogs: mkfs.ext4 for
# the bench's journaled ext4 loop image.
# debhelper (dh; dh_apache2 itself comes with apache2-dev) and lintian:
# `make deb` / `make deb-test` (dpkg-dev comes with build-essential; no
# fakeroot: debian/control says Rules-Requires-Root: no).
# haproxy, glusterfs-server, glusterfs-client: `make farm-test` (the
# balancer and the shared file system of t/farm/farm.t; no service is
# started by the install, the test runs its own).
# chromium: `make browser-test` loads the status page in headless Chromium.
PACKAGES=(
    build-essential
    apache2
    apache2-dev
    libapache2-mod-perl2
    check
    pkg-config
    libcurl4-openssl-dev
    libwww-perl
    libhttp-daemon-perl
    clang
    gnuplot-nox
    e2fsprogs
    libclang-rt-14-dev
    krb5-kdc
    krb5-admin-server
    krb5-user
    libapache2-mod-auth-gssapi
    debhelper
    lintian
    haproxy
    glusterfs-server
    glusterfs-client
    chromium
)

missing=()
for pkg in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
    if [ "$status" != "installed" ]; then
        missing+=("$pkg")
    fi
done

if [ "${#missing[@]}" -eq 0 ]; then
    exit 0
fi

# Recommends are kept: this is the set the toolchain notes verified
# (Apache::Test, LWP and friends), and it only adds a few small packages.
install_cmd=(apt-get install -y "${missing[@]}")

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing Debian packages: ${missing[*]}" >&2
    echo "install-deps: run as root:" >&2
    echo "    apt-get update && DEBIAN_FRONTEND=noninteractive ${install_cmd[*]}" >&2
    exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get -q "${install_cmd[@]:1}"

# Check that everything really is there now.
still=()
for pkg in "${missing[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
    [ "$status" = "installed" ] || still+=("$pkg")
done
if [ "${#still[@]}" -ne 0 ]; then
    echo "install-deps: still missing after apt-get: ${still[*]}" >&2
    exit 1
fi
echo "install-deps: done"
