# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# mod_bits: build with apxs, unit tests with check, integration tests with
# Apache::Test.  `make run` and `make test` install their Debian packages
# first when run as root on a machine that lacks them.

APXS     ?= apxs
CC       ?= cc
WARN      = -Wall -Wextra -Werror
SANITIZE  = -fsanitize=address,undefined -fno-omit-frame-pointer
comma    := ,

MODULE    = .libs/mod_bits.so
# The core (src/core, include/core): APR, APR-util and libcurl only, no
# httpd; the unit tests and fuzzers link it.  The glue (mod_bits.c,
# src/httpd, include/httpd) is everything that speaks httpd.
CORE_SRCS = $(wildcard src/core/*.c)
CORE_HDRS = $(wildcard include/core/*.h)
GLUE_SRCS = mod_bits.c $(wildcard src/httpd/*.c)
SRCS      = $(GLUE_SRCS) $(CORE_SRCS)
HDRS      = $(CORE_HDRS) $(wildcard include/httpd/*.h)
CORE_CFLAGS = -Iinclude/core $$(pkg-config --cflags apr-1 apr-util-1 libcurl)
UNIT_SRCS = $(wildcard t/unit/*.c)
UNIT_BIN  = t/unit/check_main
# bitsup, the BITS upload client (bitsup/, its own Makefile).
BITSUP    = bitsup/bitsup
# bitsctl, the session store tool (bitsctl/, its own Makefile; links the core).
BITSCTL   = bitsctl/bitsctl
PREFIX   ?= /usr/local
# The release: VERSION is the one place it is written (debian/changelog must
# agree, t/43_version.t checks); the module reports it in the Server header.
VERSION  := $(shell cat VERSION)
VERSION_DEF = -DMOD_BITS_VERSION='\"$(VERSION)\"'

.PHONY: all deps tree-check unit itest browser-test farm-test sanitize-itest test run stop demo bench bench-tools soak install install-bitsup install-bitsctl uninstall clean fuzz fuzz-build fuzz-cc deb deb-test

all: $(MODULE) $(BITSUP) $(BITSCTL)

deps:
	@scripts/install-deps.sh

$(MODULE): $(SRCS) $(HDRS) src/core/.no-httpd VERSION
	$(APXS) -c -I include/core -I include/httpd $(VERSION_DEF) \
	    $(addprefix -Wc$(comma),$(WARN)) -o mod_bits.la $(SRCS) $$(pkg-config --libs libcurl)

# The boundary, enforced: every core file compiles without httpd's headers.
src/core/.no-httpd: $(CORE_SRCS) $(CORE_HDRS)
	for f in $(CORE_SRCS); do \
	    $(CC) $(WARN) -fsyntax-only $(CORE_CFLAGS) $$f || exit 1; done
	touch $@

$(UNIT_BIN): $(UNIT_SRCS) $(wildcard t/unit/*.h) $(CORE_SRCS) $(CORE_HDRS)
	$(CC) $(WARN) -g $(SANITIZE) $(CORE_CFLAGS) $$(pkg-config --cflags check) \
	    -o $@ $(UNIT_SRCS) $(CORE_SRCS) $$(pkg-config --libs check apr-1 libcurl)

$(BITSUP): $(wildcard bitsup/*.c) bitsup/bitsup.h bitsup/Makefile VERSION
	$(MAKE) -C bitsup

$(BITSCTL): $(wildcard bitsctl/*.c) bitsctl/bitsctl.h bitsctl/Makefile $(CORE_SRCS) $(CORE_HDRS)
	$(MAKE) -C bitsctl

# The tree's own rules: calls between source files go one way, the core
# below the glue; every source file carries its licence line; every §
# reference names a heading of docs/protocol.md; every error-log line has
# a message id of its own, listed in the README.
tree-check:
	scripts/check-layers.sh $(APXS)
	scripts/check-headers.sh
	scripts/check-doc-refs.sh
	scripts/check-msgids.pl

unit: $(UNIT_BIN) tree-check
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	    ./$(UNIT_BIN)
	$(MAKE) -C bitsup check

# `make itest TESTS="t/03_fragment.t t/09_security.t"` runs only those files.
itest: $(MODULE) $(BITSUP) $(BITSCTL)
	t/run-itest.sh $(APXS) $(TESTS)

# The status page in headless Chromium (t/browser/status.t): rows and
# progress bars rendered, a screenshot in t/logs/status.png.
browser-test: $(MODULE)
	BITS_BROWSER_TEST=1 t/run-itest.sh $(APXS) t/browser/status.t

test: deps
	$(MAKE) all
	$(MAKE) unit
	$(MAKE) itest

# The web farm on real parts (issue 12, t/farm/run.sh): HAProxy in front of
# three nodes, on a local store and on a GlusterFS volume in a network
# namespace.  Root only; a few minutes, so not part of `make test`.
farm-test: deps
	$(MAKE) all
	t/farm/run.sh

run: deps
	$(MAKE) all
	scripts/run-local.sh start

stop:
	scripts/run-local.sh stop

demo: $(BITSUP)
	scripts/run-local.sh demo

# The whole integration suite against a module built with ASan and UBSan
# (httpd itself is not, so the runtimes are preloaded).  Runs in a copy of
# the tree under /tmp; any report lands in its sanitizer logs and fails.
# TESTS="t/30_bitsup.t ..." runs only those files, as for itest.
ASAN_DIR = /tmp/mod_bits-sanitize
SAN_RT   = $(shell $(CC) -print-file-name=libasan.so):$(shell $(CC) -print-file-name=libubsan.so)
sanitize-itest:
	rm -rf $(ASAN_DIR) && mkdir -m 755 $(ASAN_DIR)
	git ls-files -z | xargs -0 tar -cf - | tar -C $(ASAN_DIR) -xf -
	cd $(ASAN_DIR) && $(APXS) -c -I include/core -I include/httpd $(VERSION_DEF) $(addprefix -Wc$(comma),$(WARN) $(SANITIZE)) \
	    -Wl,-fsanitize=address,undefined -o mod_bits.la $(SRCS) $$(pkg-config --libs libcurl)
	$(MAKE) -C $(ASAN_DIR)/bitsup CC="$(CC) $(SANITIZE)"      # the clients the suite
	$(MAKE) -C $(ASAN_DIR)/bitsctl CC="$(CC) $(SANITIZE)"     # drives, sanitized too
	cd $(ASAN_DIR) && ASAN_OPTIONS=detect_leaks=0:log_path=$(ASAN_DIR)/asan \
	    UBSAN_OPTIONS=print_stacktrace=1:log_path=$(ASAN_DIR)/ubsan \
	    LD_PRELOAD=$(SAN_RT) t/run-itest.sh $(APXS) $(TESTS)
	@if ls $(ASAN_DIR)/asan.* $(ASAN_DIR)/ubsan.* >/dev/null 2>&1; then \
	    cat $(ASAN_DIR)/asan.* $(ASAN_DIR)/ubsan.* 2>/dev/null; exit 1; fi
	@echo "sanitize-itest: no sanitizer reports"

# libFuzzer targets for every parser and builder that sees client bytes
# (t/fuzz/fuzz_*.c), built with clang against the APR-only core, each run
# for FUZZ_SECONDS on a working copy of its seed corpus (t/fuzz/run-fuzz.sh).
# Not part of unit/itest: `make fuzz`, or `make fuzz FUZZ_SECONDS=600`.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_FLAGS    = -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
                -fno-sanitize-recover=all
FUZZ_DIR      = t/fuzz/bin
FUZZ_TARGETS  = $(patsubst t/fuzz/%.c,$(FUZZ_DIR)/%,$(wildcard t/fuzz/fuzz_*.c))
FUZZ_BINS     = $(filter-out $(FUZZ_DIR)/fuzz_common,$(FUZZ_TARGETS))
FUZZ_OBJS     = $(patsubst src/core/%.c,$(FUZZ_DIR)/%.o,$(CORE_SRCS)) $(FUZZ_DIR)/fuzz_common.o

# clang and its libFuzzer runtime (clang, libclang-rt-14-dev: `make deps`).
fuzz-cc:
	@command -v $(FUZZ_CC) >/dev/null && \
	    ls "$$($(FUZZ_CC) -print-runtime-dir)"/libclang_rt.fuzzer-*.a >/dev/null 2>&1 || \
	    { echo "make fuzz: $(FUZZ_CC) with its libFuzzer runtime is missing;" \
	           "run make deps as root" >&2; exit 1; }

$(FUZZ_OBJS) $(FUZZ_BINS): | fuzz-cc

FUZZ_COMPILE  = $(FUZZ_CC) $(WARN) $(FUZZ_FLAGS) $(CORE_CFLAGS)

# The core and the shared helpers: compiled once, instrumented for coverage.
$(FUZZ_DIR)/%.o: src/core/%.c $(CORE_HDRS)
	@mkdir -p $(FUZZ_DIR)
	$(FUZZ_COMPILE) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_DIR)/fuzz_common.o: t/fuzz/fuzz_common.c t/fuzz/fuzz_common.h
	@mkdir -p $(FUZZ_DIR)
	$(FUZZ_COMPILE) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_DIR)/fuzz_%: t/fuzz/fuzz_%.c t/fuzz/fuzz_common.h $(CORE_HDRS) $(FUZZ_OBJS)
	$(FUZZ_COMPILE) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJS) $$(pkg-config --libs apr-1 libcurl)

.SECONDARY: $(FUZZ_OBJS)

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) t/fuzz/run-fuzz.sh $(FUZZ_BINS)

# The bench's tools (t/bench): bitsload, a lean load generator on raw
# keep-alive sockets (the client must not be the bottleneck), and bitsfill,
# which writes sessions into a store through the core's own record code.
BENCH_LOAD = t/bench/bitsload
BENCH_FILL = t/bench/bitsfill
$(BENCH_LOAD): t/bench/bitsload.c
	$(CC) $(WARN) -O2 -g -o $@ $< -lpthread

$(BENCH_FILL): t/bench/bitsfill.c $(CORE_SRCS) $(CORE_HDRS)
	$(CC) $(WARN) -O2 -g $(CORE_CFLAGS) -o $@ \
	    $< $(CORE_SRCS) $$(pkg-config --libs apr-1 libcurl)

bench-tools: $(BENCH_LOAD) $(BENCH_FILL)

# Throughput against mod_dav_fs on one private httpd, memory, the store's
# size and the sweep (scripts/bench.pl; BENCH_QUICK=1, BENCH_ROUNDS=N,
# BENCH_OUT=dir).  Not part of `make test`: timing is not a test on a
# noisy machine, so goals are printed beside the ratios, never asserted.
bench: $(MODULE) bench-tools
	BITS_TOP=$(CURDIR) scripts/bench.pl

# Long random uploads with kill -9 of clients and httpd children, every
# upload checked byte for byte, httpd RSS watched (SOAK_SECONDS, default
# 1800).
soak: $(MODULE) $(BITSUP) bench-tools
	BITS_TOP=$(CURDIR) scripts/soak.pl

# `make install DESTDIR=/tmp/stage` stages a package; `make uninstall`
# undoes it.  The module is copied as it is (what apxs -i does for a .so,
# without libtool's .la handling, which needs the .la's dlname); bitsup goes
# to $(DESTDIR)$(PREFIX)/bin and its man page to
# $(DESTDIR)$(PREFIX)/share/man/man1 (PREFIX=/usr/local).
MODULE_DIR    = $(shell $(APXS) -q LIBEXECDIR)
MODS_AVAILABLE = /etc/apache2/mods-available
install: $(MODULE) install-bitsup install-bitsctl
	install -d $(DESTDIR)$(MODULE_DIR) $(DESTDIR)$(MODS_AVAILABLE)
	install -m 0644 $(MODULE) $(DESTDIR)$(MODULE_DIR)/mod_bits.so
	install -m 0644 conf/bits.load $(DESTDIR)$(MODS_AVAILABLE)/bits.load
	install -m 0644 conf/bits.conf $(DESTDIR)$(MODS_AVAILABLE)/bits.conf

uninstall:
	$(MAKE) -C bitsup uninstall PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)
	$(MAKE) -C bitsctl uninstall PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)
	rm -f $(DESTDIR)$(MODULE_DIR)/mod_bits.so $(DESTDIR)$(MODS_AVAILABLE)/bits.load \
	    $(DESTDIR)$(MODS_AVAILABLE)/bits.conf

install-bitsup: $(BITSUP)
	$(MAKE) -C bitsup install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

# bitsctl to $(DESTDIR)$(PREFIX)/sbin, its man page to .../share/man/man8.
install-bitsctl: $(BITSCTL)
	$(MAKE) -C bitsctl install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

# Debian packages (debian/): libapache2-mod-bits and bitsup, built with
# dpkg-buildpackage -us -uc -b in a copy of the tree; the .debs land in
# $(DEB_DIR), lintian errors fail.  `make deb-test` (root) builds them
# without the unit tests, installs them on this machine, enables the module
# in the system apache2 on 127.0.0.1:18850, uploads with the packaged
# bitsup, purges them and checks the machine is as it was.
DEB_DIR ?= /tmp/mod_bits-deb
deb: deps
	scripts/deb-build.sh $(DEB_DIR)

deb-test: deps
	DEB_BUILD_OPTIONS=nocheck scripts/deb-build.sh $(DEB_DIR)
	scripts/deb-test.sh $(DEB_DIR)

clean:
	$(MAKE) -C bitsup clean
	$(MAKE) -C bitsctl clean
	rm -rf .libs src/*/.libs *.la *.lo *.slo *.o src/*/*.lo src/*/*.slo src/*/*.o \
	    src/core/.no-httpd $(UNIT_BIN) run/ t/fuzz/bin t/fuzz/work \
	    $(BENCH_LOAD) $(BENCH_FILL) bench/out t/state/farm-*
	-t/run-itest.sh clean
