# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# Error-table rows 18 (total > BITSMaximumUploadSize -> 500 0x80200020)
# and 19 (fragment > LimitRequestBody -> 413 0x8019019D, before reading).
# Scenario: BITSMaximumUploadSize 100000, LimitRequestBody 65536.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use BitsTest::Client;
use Time::HiRes qw(time);

reset_scenario('limits');

my $S    = 'limits';
my $root = session_root($S);

# --- row 18 --------------------------------------------------------------------
my $sid = new_session("/$S/toolarge.bin");
my $r = fragment("/$S/toolarge.bin", $sid, 'a' x 1000, 0, 100_001);
ack_is($r, 500, E_TOO_LARGE, 'announced total 100001 > BITSMaximumUploadSize 100000');
ok(t_cmp(received_of($r), 0, 'too large N'), 'too-large Ack carries BITS-Received-Content-Range: 0');
my $st = read_state($root, $sid);
ok(t_cmp($st && $st->{received}, 0, 'too large wrote nothing'), 'nothing written for the too-large upload');
ok(t_cmp(-e htdocs("$S/toolarge.bin") ? 1 : 0, 0, 'too large not published'), 'too-large upload not published');
$r = fragment("/$S/toolarge.bin", $sid, 'a' x 1000, 0, 9223372036854775807);
ack_is($r, 500, E_TOO_LARGE, 'announced total 2^63-1');

my $data = random_bytes(100_000);
my $u = upload_file("/$S/exact.bin", $data, 50_000);
ok(t_cmp($u->{ok}, 1, 'exact max'), 'a file of exactly BITSMaximumUploadSize bytes uploads');
ok(t_cmp(sha256_file(htdocs("$S/exact.bin")), sha256_hex($data), 'exact max content'),
   'the 100000-byte file is published intact');

# --- row 19 --------------------------------------------------------------------
my $d2 = random_bytes(90_000);
my $sid2 = new_session("/$S/frag413.bin");
$r = fragment("/$S/frag413.bin", $sid2, substr($d2, 0, 65_537), 0, 90_000);
ack_is($r, 413, E_HTTP_413, 'fragment of 65537 bytes > LimitRequestBody 65536');
ok(t_cmp(read_state($root, $sid2)->{received}, 0, '413 wrote nothing'), '413: nothing written (received=0)');

# Only the headers are sent: the 413 must come without reading the body.
my $t0 = time;
$r = raw_request(path => "/$S/frag413.bin", timeout => 10,
                 headers => ['BITS-Packet-Type' => 'Fragment', 'BITS-Session-Id' => $sid2,
                             'Content-Range' => 'bytes 0-89999/90000', 'Content-Length' => 90_000]);
my $dt = time - $t0;
ack_is($r, 413, E_HTTP_413, '413 answered from Content-Length alone (no body sent)');
ok(t_cmp($dt < 5 ? 1 : 0, 1, '413 before reading'), sprintf('413 came without waiting for the body (%.1fs)', $dt));

# The client shrinks its fragments and goes on.
$r = fragment("/$S/frag413.bin", $sid2, substr($d2, 0, 65_536), 0, 90_000);
ack_is($r, 200, undef, 'fragment of exactly 65536 bytes');
ok(t_cmp(received_of($r), 65_536, '65536 N'), 'N = 65536');
$r = fragment("/$S/frag413.bin", $sid2, substr($d2, 65_536), 65_536, 90_000);
ack_is($r, 200, undef, 'final fragment after the 413');
ok(t_cmp(sha256_file(htdocs("$S/frag413.bin")), sha256_hex($d2), '413 then shrink'),
   'after a 413 the upload completes with smaller fragments, byte-identical');

done_testing();
