# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# Robustness (§7.4 step 8, §16 item 5): a client disconnecting
# mid-fragment, `kill -9` of the httpd children while a fragment streams
# in, and a full server restart mid-upload.  received never covers bytes
# that are not on disk, and every upload resumes to a byte-identical file.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use BitsTest::Client;
use Time::HiRes qw(time sleep);

reset_scenario('robust');
my $S    = 'robust';
my $root = session_root($S);

# N as the server sees it: a 1-byte duplicate fragment (nothing written).
sub server_n {
    my ($path, $sid, $data) = @_;
    my $r = fragment($path, $sid, substr($data, 0, 1), 0, length $data);
    return ($r, received_of($r));
}
sub check_held {
    my ($name, $sid, $data, $n, $lo, $hi) = @_;
    ok(t_cmp(defined $n && $n >= $lo && $n <= $hi ? 1 : 0, 1, "$name N range"),
       "$name: N = " . ($n // 'undef') . " lies between $lo and $hi (never beyond the bytes sent)");
    my $st = read_state($root, $sid);
    ok(t_cmp($st && $st->{received}, $n, "$name state N"), "$name: the state file agrees with the Ack");
    my $onfile = file_bytes(request_file($root, $sid)) // '';
    ok(t_cmp(length($onfile) >= ($n // 0) ? 1 : 0, 1, "$name on disk"),
       "$name: requestfile.bin holds at least N bytes (" . length($onfile) . ')');
    ok(t_cmp(substr($onfile, 0, $n // 0) eq substr($data, 0, $n // 0) ? 1 : 0, 1, "$name prefix"),
       "$name: the first N bytes on disk are the bytes sent");
}

# --- a slow body (trickling in over ~2 s) is still a normal fragment ---------------
{
    my $data = random_bytes(20_000);
    my $sid  = sid_of(create_session("/$S/slow.bin"));
    my $s = raw_connect();
    raw_send($s, raw_head(path => "/$S/slow.bin",
                          headers => ['BITS-Packet-Type' => 'Fragment', 'BITS-Session-Id' => $sid,
                                      'Content-Range' => 'bytes 0-19999/20000', 'Content-Length' => 20000]));
    for my $i (0 .. 9) { sleep 0.2; raw_send($s, substr($data, $i * 2000, 2000)) }
    my $r = read_response($s, 15);
    close $s;
    ack_is($r, 200, undef, 'slow body: a fragment trickling in over 2 s');
    ok(t_cmp(received_of($r), 20000, 'slow N'), 'slow body: N = 20000');
    ok(t_cmp(sha256_file(htdocs("$S/slow.bin")), sha256_hex($data), 'slow result'), 'slow body: file published intact');
}

# --- client disconnects mid-fragment ----------------------------------------------
{
    my $data = random_bytes(256 * 1024);
    my $sid  = sid_of(create_session("/$S/disc.bin"));
    my $r = fragment("/$S/disc.bin", $sid, substr($data, 0, 65536), 0, length $data);
    ok(t_cmp(received_of($r), 65536, 'disc setup'), 'disconnect: first 64 KiB held');
    my $s = raw_connect();
    raw_send($s, raw_head(path => "/$S/disc.bin",
                          headers => ['BITS-Packet-Type' => 'Fragment', 'BITS-Session-Id' => $sid,
                                      'Content-Range' => 'bytes 65536-131071/' . length($data),
                                      'Content-Length' => 65536])
                 . substr($data, 65536, 30000));
    sleep 0.5;
    close $s;
    sleep 0.5;
    my ($nr, $n) = server_n("/$S/disc.bin", $sid, $data);
    ack_is($nr, 200, undef, 'disconnect: the session answers after the aborted fragment');
    check_held('disconnect', $sid, $data, $n, 65536, 65536 + 30000);
    # bodies are gathered into large writes: what was buffered when the
    # client went away is written too
    ok(t_cmp($n, 65536 + 30000, 'disc all'), 'disconnect: N counts every byte that arrived');
    my ($ok) = send_fragments("/$S/disc.bin", $sid, $data, 65536, from => $n);
    ok(t_cmp($ok, 1, 'disc resume'), 'disconnect: the upload resumes from N');
    ok(t_cmp(sha256_file(htdocs("$S/disc.bin")), sha256_hex($data), 'disc result'),
       'disconnect: the published file is byte-identical');
}

# --- kill -9 of the children serving a fragment -------------------------------------
{
    my $data = random_bytes(512 * 1024);
    my $sid  = sid_of(create_session("/$S/kill.bin"));
    my $r = fragment("/$S/kill.bin", $sid, substr($data, 0, 131072), 0, length $data);
    ok(t_cmp(received_of($r), 131072, 'kill setup'), 'kill: first 128 KiB held');
    my $s = raw_connect();
    raw_send($s, raw_head(path => "/$S/kill.bin",
                          headers => ['BITS-Packet-Type' => 'Fragment', 'BITS-Session-Id' => $sid,
                                      'Content-Range' => 'bytes 131072-262143/' . length($data),
                                      'Content-Length' => 131072])
                 . substr($data, 131072, 60000));
    sleep 0.7;
    my $ppid = httpd_parent_pid();
    my @kids = $ppid ? httpd_children($ppid) : ();
    ok(t_cmp(scalar(@kids) > 0 ? 1 : 0, 1, 'children found'), 'httpd parent ' . ($ppid // '?') . " has children: @kids");
    my $killed = @kids ? kill('KILL', @kids) : 0;
    ok(t_cmp($killed, scalar(@kids), 'killed'), "kill -9 of $killed httpd children");
    close $s;
    ok(t_cmp(wait_for_server("/$S/x.bin", 30), 1, 'respawn'), 'the parent respawns children and Ping answers 200 again');
    my @new = httpd_children($ppid);
    ok(t_cmp((grep { my $k = $_; !grep { $_ == $k } @kids } @new) ? 1 : 0, 1, 'new children'),
       'new child processes serve the requests');
    my ($nr, $n) = server_n("/$S/kill.bin", $sid, $data);
    ack_is($nr, 200, undef, 'kill: the session answers after the children died');
    check_held('kill -9', $sid, $data, $n, 131072, 131072 + 60000);
    my ($ok) = send_fragments("/$S/kill.bin", $sid, $data, 131072, from => $n);
    ok(t_cmp($ok, 1, 'kill resume'), 'kill -9: the upload resumes from N');
    ok(t_cmp(sha256_file(htdocs("$S/kill.bin")), sha256_hex($data), 'kill result'),
       'kill -9: the published file is byte-identical');
    ack_is(close_session("/$S/kill.bin", $sid), 200, undef, 'kill -9: Close-Session');
}

# --- server restart mid-upload ----------------------------------------------------
{
    my $data = random_bytes(300_000);
    my $sid  = sid_of(create_session("/$S/restart.bin"));
    my $zsid = sid_of(create_session("/$S/restart-empty.bin"));
    my $r = fragment("/$S/restart.bin", $sid, substr($data, 0, 100_000), 0, length $data);
    ok(t_cmp(received_of($r), 100_000, 'restart setup'), 'restart: first 100000 bytes held');

    my $stopped = eval { server_stop() };
    ok(t_cmp(defined $stopped && $stopped > 0 ? 1 : 0, 1, 'stopped'), 'the server was stopped');
    my $down = ping("/$S/x.bin");
    ok(t_cmp($down->code != 200 ? 1 : 0, 1, 'down'), 'no answer while the server is down');
    my $started = eval { server_start() };
    diag("start error: $@") if $@;
    ok(t_cmp($started ? 1 : 0, 1, 'started'), 'the server was started again');
    ok(t_cmp(wait_for_server("/$S/x.bin", 30), 1, 'up again'), 'Ping answers 200 after the restart');

    my ($nr, $n) = server_n("/$S/restart.bin", $sid, $data);
    ack_is($nr, 200, undef, 'restart: the session survived the restart');
    ok(t_cmp($n, 100_000, 'restart N'), 'restart: N = 100000 after the restart');
    my ($ok) = send_fragments("/$S/restart.bin", $sid, $data, 64_000, from => $n);
    ok(t_cmp($ok, 1, 'restart resume'), 'restart: the upload resumes');
    ok(t_cmp(sha256_file(htdocs("$S/restart.bin")), sha256_hex($data), 'restart result'),
       'restart: the published file is byte-identical');
    ack_is(close_session("/$S/restart.bin", $sid), 200, undef, 'restart: Close-Session');
    ack_is(close_session("/$S/restart-empty.bin", $zsid), 200, undef,
           'restart: a session created before the restart can be closed (zero-byte)');
    ok(t_cmp(-f htdocs("$S/restart-empty.bin") ? -s _ : -1, 0, 'restart empty'),
       'restart: the zero-byte session published an empty file');
}

done_testing();
