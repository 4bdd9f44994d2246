# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# Issue 9, group-committed data (spec §6.2 durable, §7.5, §16 item 5): an
# Ack may count bytes not yet synced, but the server never later claims
# more than it has.  An OS crash is simulated by rewriting the kernel boot
# id stored with the progress record (and cutting the data past the
# durable N): the session falls back to its durable N, answers 416 with
# it, and the client's resend completes the upload byte-identical.
# Another node's unsynced bytes are synced, not dropped.  BITSFragmentSync
# On keeps every Ack durable.  kill -9 of the httpd children mid-upload
# loses nothing.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use BitsTest::Client;
use BitsTest::Node qw(free_port start_node);
use IO::Socket::INET;
use Sys::Hostname ();
use Time::HiRes ();

reset_scenario('durable');
reset_scenario('durablesync');
my $kill_dir = reset_scenario('durablekill');
my $root = session_root('durable');
my $boot = do {
    open my $f, '<', '/proc/sys/kernel/random/boot_id' or die "boot_id: $!";
    my $b = <$f>;
    chomp $b;
    $b;
};
my $other_boot = $boot eq '01234567-89ab-cdef-0123-456789abcdef'
               ? 'fedcba98-7654-3210-fedc-ba9876543210' : '01234567-89ab-cdef-0123-456789abcdef';
my $host = substr Sys::Hostname::hostname(), 0, 63;
my $data = random_bytes(200_000);
my $total = length $data;

sub piece {
    my ($path, $sid, $from, $to) = @_;
    return fragment($path, $sid, substr($data, $from, $to - $from), $from, $total);
}
sub held { my ($r, $sid) = @_; my $st = read_state($r, $sid); "$st->{received} $st->{durable}" }

# ---- 1. group commit: N counts bytes not synced yet ----------------------------
my $path = '/durable/crash.bin';
my $sid = new_session($path);
ack_is(piece($path, $sid, 0, 1000), 200, undef, 'first fragment');
ok(t_cmp(held($root, $sid), '1000 0', 'first'),
   'the first fragment is a progress slot (it carries the total), not synced: N = 1000, durable N = 0');
ack_is(piece($path, $sid, 1000, 52000), 200, undef, 'second fragment');
ok(t_cmp(held($root, $sid), '52000 52000', 'batch full'),
   '51000 bytes unsynced, more than the batch of 50000: synced, durable N = N = 52000');
my $r = piece($path, $sid, 52000, 60000);
ack_is($r, 200, undef, 'third fragment');
ok(t_cmp(received_of($r), 60000, 'N'), 'the Ack counts N = 60000');
ok(t_cmp(held($root, $sid), '60000 52000', 'unsynced'),
   'the record: N = 60000, durable N = 52000 (the next batch is open)');
my $pg = read_state($root, $sid)->{_progress};
ok(t_cmp("$pg->{version} $pg->{boot} $pg->{host} $pg->{total}", "3 $boot $host $total", 'writer'),
   'a version 3 slot names this kernel (boot id) and host as the writer, and the total');

# ---- 2. an OS crash since: the record's writer is another boot of this host -----
rewrite_progress_slot($root, $sid, $pg->{slot}, boot => $other_boot);
$r = piece($path, $sid, 60000, 70000);
ack_is($r, 416, '0x0', 'after a simulated OS crash the next fragment');
ok(t_cmp(received_of($r), 52000, 'fallback N'), '416 reports the durable N = 52000 (N went backwards)');
ok(t_cmp(-s request_file($root, $sid), 52000, 'cut'), 'the request file is cut to 52000 bytes');
ok(t_cmp(held($root, $sid), '52000 52000', 'recorded'), 'the record says N = durable N = 52000');
ok(t_cmp(scalar(grep { /\Q$sid\E/ && /falling back to N = 52000/ } error_log_lines()), 1,
         'logged'), 'the fallback is logged once');
my ($ok) = send_fragments($path, $sid, $data, 30000, from => 52000);
ok(t_cmp($ok, 1, 'resend'), 'the client resends from 52000 to the end');
ok(t_cmp(sha256_file(htdocs('durable/crash.bin')), sha256_hex($data), 'crash sha'),
   'the upload is published byte-identical');

# ---- 3. the crash lost the data past the durable N too ---------------------------
$path = '/durable/lost.bin';
$sid = new_session($path);
ack_is(piece($path, $sid, 0, 2000), 200, undef, 'lost: first fragment');
ack_is(piece($path, $sid, 2000, 30000), 200, undef, 'lost: second fragment');
ok(t_cmp(held($root, $sid), '30000 0', 'lost unsynced'), 'N = 30000, durable N = 0');
truncate request_file($root, $sid), 7000 or die "truncate: $!";
rewrite_progress_slot($root, $sid, read_state($root, $sid)->{_progress}{slot},
                      boot => $other_boot);
$r = piece($path, $sid, 30000, 40000);
ack_is($r, 416, '0x0', 'lost: the next fragment');
ok(t_cmp(received_of($r), 0, 'lost N'), '416 reports the durable N = 0');
ok(t_cmp(-s request_file($root, $sid), 0, 'lost cut'), 'the request file is cut to 0');
($ok) = send_fragments($path, $sid, $data, 64000, from => 0);
ok(t_cmp($ok, 1, 'lost resend'), 'the client resends from 0');
ok(t_cmp(sha256_file(htdocs('durable/lost.bin')), sha256_hex($data), 'lost sha'),
   'published byte-identical');

# ---- 4. batches: a sync once 50000 bytes are unsynced, and at the end ----------------
$path = '/durable/batch.bin';
$sid = new_session($path);
ack_is(piece($path, $sid, 0, 1000), 200, undef, 'batch: first fragment');
ack_is(piece($path, $sid, 1000, 40000), 200, undef, 'batch: 39000 bytes');
ok(t_cmp(held($root, $sid), '40000 0', 'batch open'), '40000 bytes unsynced');
ack_is(piece($path, $sid, 40000, 51000), 200, undef, 'batch: 11000 bytes more');
ok(t_cmp(held($root, $sid), '51000 51000', 'batch synced'),
   '51000 bytes unsynced: synced, durable N = N = 51000');
ack_is(piece($path, $sid, 51000, 60000), 200, undef, 'batch: a new batch');
ok(t_cmp(held($root, $sid), '60000 51000', 'batch again'), 'the next batch begins');
$r = piece($path, $sid, 60000, $total);
ack_is($r, 200, undef, 'batch: the final fragment');
my $st = read_state($root, $sid);
ok(t_cmp("$st->{state} $st->{received} $st->{durable}", "DONE $total $total", 'final'),
   'the final fragment is synced before completion: DONE with every byte durable');

# ---- 5. unsynced bytes another node wrote (a shared store) --------------------------
$path = '/durable/node.bin';
$sid = new_session($path);
ack_is(piece($path, $sid, 0, 1000), 200, undef, 'node: first fragment');
ack_is(piece($path, $sid, 1000, 10000), 200, undef, 'node: second fragment');
rewrite_progress_slot($root, $sid, read_state($root, $sid)->{_progress}{slot},
                      host => 'node-elsewhere.example', boot => $other_boot);
$r = piece($path, $sid, 10000, 20000);
ack_is($r, 200, undef, "node: a fragment after another node's unsynced bytes");
ok(t_cmp(received_of($r), 20000, 'node N'), 'nothing is dropped: N = 20000');
$pg = read_state($root, $sid)->{_progress};
ok(t_cmp("$pg->{received} $pg->{durable} $pg->{host}", "20000 10000 $host", 'node synced'),
   "the other node's bytes were synced (durable N = 10000), the new ones are this node's");
($ok) = send_fragments($path, $sid, $data, 100000, from => 20000);
ok(t_cmp(sha256_file(htdocs('durable/node.bin')), sha256_hex($data), 'node sha'),
   'published byte-identical');

# ---- 6. BITSFragmentSync On: every Ack durable --------------------------------------
my $sroot = session_root('durablesync');
$path = '/durablesync/every.bin';
$sid = new_session($path);
my $every = 1;
for ([0, 1000], [1000, 5000], [5000, 10000], [10000, 20000]) {
    my ($from, $to) = @$_;
    $r = piece($path, $sid, $from, $to);
    $every &&= $r->code == 200 && held($sroot, $sid) eq "$to $to";
}
ok(t_cmp($every, 1, 'every'), 'On: after every fragment durable N = N');
rewrite_progress_slot($sroot, $sid, read_state($sroot, $sid)->{_progress}{slot},
                      boot => $other_boot);
$r = piece($path, $sid, 20000, 30000);
ack_is($r, 200, undef, 'On: after a simulated OS crash nothing falls back');
ok(t_cmp(received_of($r), 30000, 'On N'), 'N = 30000');
($ok) = send_fragments($path, $sid, $data, 100000, from => 30000);
ok(t_cmp(sha256_file(htdocs('durablesync/every.bin')), sha256_hex($data), 'On sha'),
   'published byte-identical');

# ---- 7. kill -9 of the httpd children mid-upload loses nothing ----------------------
my $port = free_port();
my $node = start_node('durablekill', <<"CONF", ping => "http://127.0.0.1:$port/dk/x");
Listen 127.0.0.1:$port
Alias /dk "$kill_dir"
<Directory "$kill_dir">
    BITSUploadEnabled On
    BITSFragmentSyncBatch 3600 64M
    Require all granted
</Directory>
CONF
my $kroot = "$kill_dir/BITS-Sessions";
my $url = "http://127.0.0.1:$port/dk/kill.bin";
my $big = random_bytes(6 * 1024 * 1024);
my $mib = 1024 * 1024;
$sid = new_session($url);
# (the first fragment sets the total)
ack_is(fragment($url, $sid, substr($big, 0, 1000), 0, length $big), 200, undef,
       'kill: first fragment');
my ($acked, $preserved, $unsynced) = (1000, 1, 1);
for my $round (1 .. 3) {
    # one whole fragment, acknowledged ...
    $r = fragment($url, $sid, substr($big, $acked, $mib), $acked, length $big);
    $acked += $mib if $r->code == 200 && received_of($r) == $acked + $mib;
    my $st = read_state($kroot, $sid);
    $unsynced &&= $st->{received} == $acked && $st->{durable} < $acked;
    # ... then the next one cut off mid-body by kill -9 of every child
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port) or die $!;
    binmode $s;
    print $s "BITS_POST /dk/kill.bin HTTP/1.1\r\nHost: 127.0.0.1:$port\r\n"
           . "BITS-Packet-Type: Fragment\r\nBITS-Session-Id: $sid\r\n"
           . "Content-Range: bytes $acked-" . ($acked + $mib - 1) . '/' . length($big) . "\r\n"
           . "Content-Length: $mib\r\n\r\n" . substr($big, $acked, 600 * 1024);
    Time::HiRes::sleep(0.5);
    open my $pf, '<', "$node/logs/httpd.pid" or die $!;
    chomp(my $ppid = <$pf>);
    kill 'KILL', httpd_children($ppid);
    close $s;
    for (1 .. 100) { last if eval { ping("http://127.0.0.1:$port/dk/x")->code == 200 };
                     Time::HiRes::sleep(0.1) }
    $preserved &&= read_state($kroot, $sid)->{received} == $acked;
}
ok(t_cmp($acked, 1000 + 3 * $mib, 'acked'), 'three fragments were acknowledged between the kills');
ok(t_cmp($unsynced, 1, 'unsynced at kill'),
   'each time the session held unsynced bytes (durable N < N) when the children were killed');
ok(t_cmp($preserved, 1, 'preserved'), 'after each kill -9 N is the acknowledged N');
($ok) = send_fragments($url, $sid, $big, $mib, from => $acked);
ok(t_cmp($ok, 1, 'kill resume'), 'the upload continues after the kills');
ok(t_cmp(sha256_file("$kill_dir/kill.bin"), sha256_hex($big), 'kill sha'),
   'and is published byte-identical');

done_testing();
