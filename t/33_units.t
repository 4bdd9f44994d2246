# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# Sizes and durations as operators write them (issue 10): 10G, 512M, 14d,
# 12h, 30m on every size and duration directive; anything else stops the
# configuration with a message naming the directive and the forms it takes.
# And the values mean what they say: 1K refuses an upload of 1025 bytes.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use BitsTest::Client;

my ($rc, $out) = config_test(<<'EOC');
    BITSSessionTimeout 14d
    BITSNotificationTimeout 5m
    BITSLockTimeout 30s
    BITSHostId node1.example.org
    BITSHostIdFallbackTimeout 1w
    BITSNotificationRetryDelay 2m
    BITSMaximumUploadSize 10G
    BITSMaximumReplySize 512M
EOC
ok(t_cmp($rc, 0, 'units load'), 'every size and duration directive takes a unit') or diag($out);

for my $bad (['BITSSessionTimeout 14x',     qr/BITSSessionTimeout: '14x' is not a number of seconds \(or 30s/],
             ['BITSSessionTimeout 1.5d',    qr/BITSSessionTimeout: '1\.5d'/],
             ['BITSLockTimeout 0s',         qr/BITSLockTimeout: '0s' is not .* between 1 and/],
             ['BITSMaximumUploadSize 10GB', qr/BITSMaximumUploadSize: '10GB' is not a number of bytes \(or 512K/],
             ['BITSMaximumReplySize -1M',   qr/BITSMaximumReplySize: '-1M'/],
             ['BITSNotificationRetryDelay 2d', qr/BITSNotificationRetryDelay: '2d' is not .* between 0 and 86400/],
             ['BITSNumberOfSessionsLimit 5k', qr/BITSNumberOfSessionsLimit: '5k' is not a whole number/]) {
    ($rc, $out) = config_test("    $bad->[0]");
    ok($rc != 0 && $out =~ $bad->[1], "'$bad->[0]' is refused with a message naming it") or diag($out);
}

# 1K is 1024 bytes: the limits directory of t/conf/units.conf.in.
reset_scenario('units');
my $sid = new_session('/units/big.bin');
ack_is(fragment('/units/big.bin', $sid, 'x' x 10, 0, 1025), 500, E_TOO_LARGE,
       'BITSMaximumUploadSize 1K refuses a 1025-byte upload');
$sid = new_session('/units/fits.bin');
my $r = fragment('/units/fits.bin', $sid, 'y' x 1024, 0, 1024);
ack_is($r, 200, undef, 'and takes a 1024-byte one');

done_testing();
