# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# Invalid directive values must make the configuration fail to load
# (apache2 -t on a tiny stand-alone configuration that loads the module).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use BitsTest::Client;

my $so  = t_dir() . '/../.libs/mod_bits.so';
my $tmp = config_test_dir();

ok(t_cmp(-f $so ? 1 : 0, 1, "module exists at $so"), 'mod_bits.so is built');

# --- valid configurations load ----------------------------------------------
my ($rc, $out) = config_test(<<"EOC", raw => 1);
<Directory "$tmp/up">
    BITSUploadEnabled On
    BITSSessionDirectory "$tmp/sessions"
    BITSSessionTimeout 60
    BITSMaximumUploadSize 1000
    BITSAllowOverwrites On
    BITSLockTimeout 5
    BITSHostId node1.example.org
    BITSHostIdFallbackTimeout 60
</Directory>
<Location /loc>
    BITSUploadEnabled On
    BITSSessionTimeout 120
    BITSMaximumUploadSize 9223372036854775807
    BITSAllowOverwrites Off
    BITSLockTimeout 1
    BITSHostId 127.0.0.1
    BITSHostIdFallbackTimeout 1
</Location>
<Directory "$tmp/up/off">
    BITSUploadEnabled Off
</Directory>
EOC
ok(t_cmp($rc, 0, 'valid directives: exit status'), 'a configuration using every directive with valid values loads')
    or diag($out);
ok(t_cmp($out, qr/Syntax OK/, 'valid directives: output'), 'httpd -t says Syntax OK for valid directives');

# §17.23: values above 2^63-1 mean "unlimited", they are not an error.
($rc, $out) = config_test('BITSMaximumUploadSize 99999999999999999999');
ok(t_cmp($rc, 0, 'BITSMaximumUploadSize above 2^63-1'),
   'BITSMaximumUploadSize 99999999999999999999 is accepted (unlimited, spec 17.23)') or diag($out);

($rc, $out) = config_test('BITSMaximumUploadSize unlimited');
ok(t_cmp($rc, 0, 'BITSMaximumUploadSize unlimited'),
   'BITSMaximumUploadSize unlimited is accepted (documented keyword)') or diag($out);

# (§17.23's "empty = unlimited" cannot be written in Apache syntax: httpd
# itself refuses an empty argument; the module's keyword is "unlimited".)

# --- invalid values make the configuration fail ----------------------------
my @bad = (
    [ 'BITSSessionTimeout abc',          'BITSSessionTimeout' ],
    [ 'BITSSessionTimeout -1',           'BITSSessionTimeout' ],
    [ 'BITSSessionTimeout 10y',          'BITSSessionTimeout' ],   # 10s is valid (t/33)
    [ 'BITSMaximumUploadSize -5',        'BITSMaximumUploadSize' ],
    [ 'BITSMaximumUploadSize abc',       'BITSMaximumUploadSize' ],
    [ 'BITSMaximumUploadSize 12x',       'BITSMaximumUploadSize' ],
    [ 'BITSLockTimeout abc',             'BITSLockTimeout' ],
    [ 'BITSLockTimeout -3',              'BITSLockTimeout' ],
    [ 'BITSHostIdFallbackTimeout -1',    'BITSHostIdFallbackTimeout' ],
    [ 'BITSHostIdFallbackTimeout never', 'BITSHostIdFallbackTimeout' ],
    [ 'BITSSessionDirectory relative/sessions', 'BITSSessionDirectory' ],
    [ 'BITSUploadEnabled maybe',         'BITSUploadEnabled' ],
    [ 'BITSAllowOverwrites yes',         'BITSAllowOverwrites' ],
    [ 'BITSFragmentSync sometimes',      'BITSFragmentSync' ],
    [ 'BITSFragmentSyncBatch 0',         'BITSFragmentSyncBatch' ],
    [ 'BITSFragmentSyncBatch 2h',        'BITSFragmentSyncBatch' ],
    [ 'BITSFragmentSyncBatch 1 0',       'BITSFragmentSyncBatch' ],
    [ 'BITSFragmentSyncBatch 1 lots',    'BITSFragmentSyncBatch' ],
);
# ... and good ones pass
for my $line ('BITSFragmentSync On', 'BITSFragmentSyncBatch 5', 'BITSFragmentSyncBatch 1m 512M') {
    my ($rc, $out) = config_test($line);
    ok(t_cmp($rc, 0, "'$line'"), "'$line' is accepted") or diag($out);
}
for my $b (@bad) {
    my ($line, $name) = @$b;
    my ($rc, $out) = config_test($line);
    ok(t_cmp($rc != 0 ? 1 : 0, 1, "'$line' exit status"), "'$line': httpd -t fails (exit $rc)")
        or diag($out);
    ok(t_cmp($out, qr/\Q$name\E/, "'$line' message"),
       "'$line': the error message names the directive") or diag($out);
}

done_testing();
