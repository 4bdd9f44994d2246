# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# Error-table row 22: a request that finds its session busy for longer
# than BITSLockTimeout (1 s here) gets 503 0x801901F7; other sessions are
# not blocked; the holder finishes normally.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use BitsTest::Client;
use Time::HiRes qw(time sleep);

reset_scenario('lock');
my $S    = 'lock';
my $root = session_root($S);

my $data = random_bytes(2000);
my $sid  = sid_of(create_session("/$S/held.bin"));
my $sid2 = sid_of(create_session("/$S/free.bin"));
ok(t_cmp(defined $sid && defined $sid2 ? 1 : 0, 1, 'sessions'), 'two sessions created');

# A slow fragment: headers + 100 of 1000 body bytes, then the sender stalls.
my $slow = raw_connect();
raw_send($slow, raw_head(path => "/$S/held.bin",
                         headers => ['BITS-Packet-Type' => 'Fragment', 'BITS-Session-Id' => $sid,
                                     'Content-Range' => 'bytes 0-999/2000', 'Content-Length' => 1000])
                . substr($data, 0, 100));
sleep 0.5;

my $t0 = time;
my $r  = fragment("/$S/held.bin", $sid, substr($data, 0, 1000), 0, 2000);
my $dt = time - $t0;
ack_is($r, 503, E_HTTP_503, 'Fragment on a session held by a slow request');
ok(t_cmp($dt >= 0.9 && $dt < 8 ? 1 : 0, 1, 'waited'), sprintf('the 503 came after waiting about BITSLockTimeout (%.2fs)', $dt));
ok(t_cmp(sid_of($r), $sid, '503 echo'), '503 Ack echoes BITS-Session-Id');

$t0 = time;
ack_is(close_session("/$S/held.bin", $sid), 503, E_HTTP_503, 'Close-Session on the busy session');
ack_is(cancel_session("/$S/held.bin", $sid), 503, E_HTTP_503, 'Cancel-Session on the busy session');
$dt = time - $t0;
ok(t_cmp($dt >= 1.8 ? 1 : 0, 1, 'close/cancel waited'), sprintf('Close and Cancel each waited for the lock (%.2fs)', $dt));

# another session is not blocked
$t0 = time;
$r  = fragment("/$S/free.bin", $sid2, 'f' x 100, 0, 100);
$dt = time - $t0;
ack_is($r, 200, undef, 'Fragment on another session while the first is busy');
ok(t_cmp($dt < 0.9 ? 1 : 0, 1, 'not blocked'), sprintf('the other session was not blocked (%.2fs)', $dt));
ok(t_cmp(file_bytes(htdocs("$S/free.bin")), 'f' x 100, 'free published'), 'the other session completed');

# the holder finishes its body and gets a normal Ack
raw_send($slow, substr($data, 100, 900));
my $hr = read_response($slow, 15);
close $slow;
ack_is($hr, 200, undef, 'the slow fragment completes after the stall');
ok(t_cmp(received_of($hr), 1000, 'slow N'), 'slow fragment: N = 1000');
ok(t_cmp(read_state($root, $sid)->{state}, 'RECEIVING', 'held alive'), 'the busy session was neither closed nor cancelled by the 503s');

$r = fragment("/$S/held.bin", $sid, substr($data, 1000), 1000, 2000);
ack_is($r, 200, undef, 'next fragment once the lock is free');
ok(t_cmp(sha256_file(htdocs("$S/held.bin")), sha256_hex($data), 'held result'), 'upload completes byte-identical');

# --- the default BITSLockTimeout is 10 s ---------------------------------------------
{
    reset_scenario('race');                      # a location without BITSLockTimeout
    my $d  = random_bytes(1000);
    my $ds = sid_of(create_session('/race/default-lock.bin'));
    my $h = raw_connect();
    raw_send($h, raw_head(path => '/race/default-lock.bin',
                          headers => ['BITS-Packet-Type' => 'Fragment', 'BITS-Session-Id' => $ds,
                                      'Content-Range' => 'bytes 0-999/1000', 'Content-Length' => 1000])
                 . substr($d, 0, 10));
    sleep 0.5;
    my $t0 = time;
    my $r  = fragment('/race/default-lock.bin', $ds, $d, 0, 1000);
    my $dt = time - $t0;
    ack_is($r, 503, E_HTTP_503, 'busy session with the default lock timeout');
    ok(t_cmp($dt >= 9.5 && $dt < 16 ? 1 : 0, 1, 'default wait'),
       sprintf('the default BITSLockTimeout waited about 10 s (%.2fs)', $dt));
    raw_send($h, substr($d, 10));
    my $hr = read_response($h, 15);
    close $h;
    ack_is($hr, 200, undef, 'the holder completes the upload');
    ok(t_cmp(sha256_file(htdocs('race/default-lock.bin')), sha256_hex($d), 'default-lock file'), 'and the file is intact');
}

done_testing();
