# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# One release number (issue 10): the top-level VERSION file.  The Debian
# changelog's latest entry, bitsup --version and the installed bitsup man
# page must say the same (the module's own use of it is t/36_banner.t).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use BitsTest::Client;
use File::Temp qw(tempdir);

my $top = t_dir() . '/..';
my $version = file_bytes("$top/VERSION");
chomp $version;
like($version, qr/^\d+\.\d+\.\d+$/, "VERSION holds a release number ($version)");

my $changelog = `dpkg-parsechangelog -l "$top/debian/changelog" -S Version`;
chomp $changelog;
ok(t_cmp($changelog, $version, 'debian/changelog'),
   'the latest debian/changelog entry has the version of VERSION');

my $out = `"$top/bitsup/bitsup" --version`;
like($out, qr/^bitsup \Q$version\E /, 'bitsup --version prints it');

my $stage = tempdir('bits-version-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $log = `make -C "$top/bitsup" install DESTDIR="$stage" PREFIX=/usr 2>&1`;
ok(t_cmp($?, 0, 'make -C bitsup install'), 'bitsup installs into a stage') or diag($log);
my ($th) = split /\n/, file_bytes("$stage/usr/share/man/man1/bitsup.1");
like($th, qr/^\.TH BITSUP 1 .*"bitsup \Q$version\E"/, 'the installed man page names it');

done_testing();
