# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# `make install` / `make uninstall` with DESTDIR (issue 10): the module and
# the a2enmod files land where Debian's apache2 expects them, without
# libtool's "dlname not found", the staged bits.load + bits.conf pass
# `httpd -t`, and uninstall removes exactly what install put there.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use BitsTest::Client;
use File::Temp qw(tempdir);
use File::Find ();

my $top   = t_dir() . '/..';
my $stage = tempdir('bits-stage-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $mods  = `apxs -q LIBEXECDIR`; chomp $mods;

sub staged_files {
    my @f;
    File::Find::find({ no_chdir => 1, wanted => sub { push @f, $File::Find::name if -f } }, $stage);
    return join ' ', sort map { substr $_, length $stage } @f;
}

my $out = `make -C "$top" install DESTDIR="$stage" 2>&1`;
ok(t_cmp($?, 0, 'make install'), 'make install DESTDIR=... succeeds') or diag($out);
ok($out !~ /dlname/i, 'and libtool does not complain about dlname');
is(staged_files(), join(' ', sort "$mods/mod_bits.so", '/etc/apache2/mods-available/bits.conf',
                                    '/etc/apache2/mods-available/bits.load',
                                    '/usr/local/bin/bitsup', '/usr/local/share/man/man1/bitsup.1',
                                    '/usr/local/sbin/bitsctl', '/usr/local/share/man/man8/bitsctl.8'),
   'it installs the module, bits.load, bits.conf, bitsup and bitsctl with their man pages');

my $load = file_bytes("$stage/etc/apache2/mods-available/bits.load");
like($load, qr{^LoadModule bits_module \Q$mods\E/mod_bits\.so$}m, 'bits.load loads the installed module');
my $conf = file_bytes("$stage/etc/apache2/mods-available/bits.conf");
# config_test loads the module itself: keep only the configuration part.
my ($rc, $msg) = config_test($conf, raw => 1, modules => ['alias', 'mime']);
ok(t_cmp($rc, 0, 'bits.conf'), 'the installed bits.conf passes httpd -t') or diag($msg);

$out = `make -C "$top" uninstall DESTDIR="$stage" 2>&1`;
ok(t_cmp($?, 0, 'make uninstall'), 'make uninstall succeeds') or diag($out);
is(staged_files(), '', 'and removes everything install put there');

done_testing();
