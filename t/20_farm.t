# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# Web farm with a shared session store (spec §10, "the preferred mod_bits
# deployment"): a second, independent httpd ("node 2") serves the same
# directory and store.  Any node continues any session; fragments racing
# across nodes are serialised by the session lock file; a node killed
# mid-fragment loses nothing the other node cannot resume.
# Both ways of syncing fragment data run it (BITSFragmentSync, README):
# this file with the default group commit, t/48_farm_sync.t with every Ack
# durable.  As root, node 2 runs in a UTS namespace of its own with another
# host name, so that the nodes are two hosts to the module: a node that
# continues a session whose unsynced bytes the other wrote syncs them.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use BitsTest::Client;
use IO::Socket::INET;
use POSIX ();
use Fcntl ();

my $sync = $ENV{BITS_FARM_FRAGMENT_SYNC} // 'Off';
my $scen = $sync eq 'On' ? 'farmsync' : 'farm';
reset_scenario($scen);
my $store = t_dir() . "/state/$scen-sessions";
File::Path::remove_tree($store, { keep_root => 1 });

# ---- node 2: its own httpd, its own port, the same files ----------------------
my $node2_dir = t_dir() . '/state/node2';
File::Path::make_path("$node2_dir/logs");
my $port2 = do { my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1',
                                               LocalPort => 0) or die $!; $s->sockport };
my $m = '/usr/lib/apache2/modules';
my $user = $> == 0 ? "User nobody\nGroup nogroup" : '';
my $farm = htdocs($scen);
my $module = t_dir() . '/../.libs/mod_bits.so';
open my $c, '>', "$node2_dir/httpd.conf" or die $!;
print $c <<"CONF";
ServerRoot "$node2_dir"
ServerName 127.0.0.1
Listen 127.0.0.1:$port2
PidFile "$node2_dir/logs/httpd.pid"
ErrorLog "$node2_dir/logs/error_log"
LogLevel info
DefaultRuntimeDir "$node2_dir/logs"
$user
LoadModule mpm_event_module $m/mod_mpm_event.so
LoadModule authz_core_module $m/mod_authz_core.so
LoadModule alias_module $m/mod_alias.so
LoadModule bits_module "$module"
StartServers 2
Alias /$scen "$farm"
<Directory "$farm">
    BITSUploadEnabled On
    BITSFragmentSync $sync
    BITSSessionDirectory "$store"
    Require all granted
</Directory>
CONF
close $c;
my $node2_host = 'bits-farm-node2';
my $two_hosts = $> == 0 && system('unshare', '--uts', 'true') == 0;
my @start = ('/usr/sbin/apache2', '-f', "$node2_dir/httpd.conf", '-k', 'start');
system($two_hosts ? ('unshare', '--uts', 'sh', '-c', 'hostname "$0" && exec "$@"',
                     $node2_host, @start) : @start) == 0
    or die "node 2 did not start";
END { system('/usr/sbin/apache2', '-f', "$node2_dir/httpd.conf", '-k', 'stop')
          if $node2_dir && -f "$node2_dir/logs/httpd.pid" }
my $node2 = "http://127.0.0.1:$port2/$scen";
for (1 .. 50) { last if ping("$node2/x")->code == 200; select undef, undef, undef, 0.1 }
ack_is(ping("$node2/x"), 200, undef, 'node 2 answers BITS');

sub on { my ($node, $name) = @_; $node == 1 ? "/$scen/$name" : "$node2/$name" }

# ---- 1. fragments alternate between the nodes, each one resent to the other ----
my $data = random_bytes(3 * 1024 * 1024 + 17);
my $r = create_session(on(1, 'alt.bin'));
ack_is($r, 200, undef, 'Create-Session on node 1');
my $sid = sid_of($r);
my ($off, $i, $consistent, $synced) = (0, 0, 1, 1);
my $fs = 64 * 1024;
while ($off < length $data) {
    my $len = length($data) - $off < $fs ? length($data) - $off : $fs;
    my $chunk = substr($data, $off, $len);
    my $a = fragment(on(1 + $i % 2, 'alt.bin'), $sid, $chunk, $off, length $data);
    my $b = fragment(on(1 + ($i + 1) % 2, 'alt.bin'), $sid, $chunk, $off, length $data);
    $consistent &&= $a->code == 200 && $b->code == 200
                    && received_of($a) == $off + $len && received_of($b) == $off + $len;
    my $st = read_state($store, $sid);
    $synced &&= $st->{durable} == $st->{received} || $st->{state} ne 'RECEIVING';
    $off += $len;
    $i++;
}
ok(t_cmp($consistent, 1, 'alternating'), 'every fragment and its resend on the other node: 200 with the same N');
SKIP: {
    skip 'node 2 has the same host name (not root): one host to the module', 1
        unless $two_hosts || $sync eq 'On';
    ok(t_cmp($synced, 1, 'synced across'), $sync eq 'On'
       ? 'every Ack durable: durable N = N after every fragment'
       : "each resend on the other host synced the first host's unsynced bytes: "
         . 'durable N = N after every pair');
}
ok(t_cmp(sha256_file("$farm/alt.bin"), sha256_hex($data), 'alt sha'),
   'the file published from fragments of both nodes is byte-identical');
ack_is(close_session(on(2, 'alt.bin'), $sid), 200, undef, 'Close-Session on node 2');
ack_is(close_session(on(1, 'alt.bin'), $sid), 200, undef, 'repeated Close-Session on node 1 finds the tombstone');
ack_is(fragment(on(2, 'alt.bin'), $sid, 'x', 0, length $data), 500, E_SESSION_NOT_FOUND,
       'a Fragment of the closed session is refused on node 2 as well');

# ---- 2. eight processes race on one session across both nodes -------------------
$data = random_bytes(1024 * 1024);
$r = create_session(on(2, 'race.bin'));
ack_is($r, 200, undef, 'Create-Session on node 2');
$sid = sid_of($r);
my @kids;
for my $k (0 .. 7) {
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        my $bad = 0;
        # each racer walks the file with its own fragment size, following N
        my $step = (16 + 8 * $k) * 1024;
        my $o = 0;
        while ($o < length $data) {
            my $len = length($data) - $o < $step ? length($data) - $o : $step;
            my $a = fragment(on(1 + ($k + $o) % 2, 'race.bin'), $sid,
                             substr($data, $o, $len), $o, length $data);
            my $n = received_of($a);
            if ($a->code == 503) { next }                # busy: try again
            $bad++, last unless ($a->code == 200 || $a->code == 416) && defined $n;
            $o = $n;
        }
        POSIX::_exit($bad ? 1 : 0);
    }
    push @kids, $pid;
}
my $failed = 0;
for (@kids) { waitpid $_, 0; $failed++ if $? }
ok(t_cmp($failed, 0, 'racers'), 'all eight cross-node racers got consistent Acks');
ok(t_cmp(sha256_file("$farm/race.bin"), sha256_hex($data), 'race sha'),
   'the raced upload is byte-identical');
my $st = read_state($store, $sid);
ok(t_cmp($st->{state}, 'DONE', 'race state'), 'the session record says DONE');
my @pub = grep { /published/ && /\Q$sid\E/ } (error_log_lines(), do {
    open my $l, '<', "$node2_dir/logs/error_log" or die $!; <$l> });
ok(t_cmp(scalar @pub, 1, 'published once'), 'published exactly once across both nodes');

# ---- 3. node 2 dies mid-fragment; node 1 resumes ----------------------------------
$data = random_bytes(2 * 1024 * 1024);
$r = create_session(on(1, 'kill.bin'));
$sid = sid_of($r);
ack_is(fragment(on(2, 'kill.bin'), $sid, substr($data, 0, 512 * 1024), 0, length $data), 200,
       undef, 'first fragment on node 2');
my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port2) or die $!;
binmode $s;
my $body = substr($data, 512 * 1024, 1024 * 1024);
print $s "BITS_POST /$scen/kill.bin HTTP/1.1\r\nHost: 127.0.0.1:$port2\r\n"
       . "BITS-Packet-Type: Fragment\r\nBITS-Session-Id: $sid\r\n"
       . "Content-Range: bytes 524288-1572863/" . length($data) . "\r\n"
       . "Content-Length: " . length($body) . "\r\n\r\n" . substr($body, 0, 300 * 1024);
select undef, undef, undef, 0.5;
open my $pf, '<', "$node2_dir/logs/httpd.pid" or die $!;
chomp(my $ppid = <$pf>);
kill 'KILL', httpd_children($ppid);
close $s;
$r = fragment(on(1, 'kill.bin'), $sid, substr($data, 0, 4096), 0, length $data);
ack_is($r, 200, undef, 'node 1 answers for the session node 2 was writing');
my $n = received_of($r);
ok($n >= 512 * 1024 && $n <= 512 * 1024 + 300 * 1024,
   "node 1 reports N=$n: at least the acknowledged bytes, never more than were sent");
my ($ok) = send_fragments(on(1, 'kill.bin'), $sid, $data, 256 * 1024, from => $n);
ok(t_cmp($ok, 1, 'resume'), 'the upload resumes on node 1');
ok(t_cmp(sha256_file("$farm/kill.bin"), sha256_hex($data), 'kill sha'),
   'the file is byte-identical after node 2 died mid-fragment');

# ---- 4. a session is locked across nodes --------------------------------------------
# node 2 has new children after the kill; wait until one answers
for (1 .. 100) { last if ping("$node2/x")->code == 200; select undef, undef, undef, 0.1 }
$r = create_session(on(1, 'lock.bin'));
$sid = sid_of($r);
$s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port2) or die $!;
binmode $s;
print $s "BITS_POST /$scen/lock.bin HTTP/1.1\r\nHost: 127.0.0.1:$port2\r\n"
       . "BITS-Packet-Type: Fragment\r\nBITS-Session-Id: $sid\r\n"
       . "Content-Range: bytes 0-99999/100000\r\nContent-Length: 100000\r\n\r\n" . ('a' x 1000);
# until node 2's child holds the session's lock file (as another node would)
my $lockfile = "$store/Requests/$sid/lock";
for (1 .. 100) {
    # the lock file appears when node 2 first opens the session
    my $free = 1;
    if (open my $lf, '<', $lockfile) {
        $free = flock($lf, Fcntl::LOCK_EX() | Fcntl::LOCK_NB());
        close $lf;
    }
    last unless $free;
    select undef, undef, undef, 0.1;
}
my $t0 = time;
$r = fragment(on(1, 'lock.bin'), $sid, 'b' x 1000, 0, 100000);
ack_is($r, 503, E_HTTP_503, 'node 1 waits for the session node 2 holds, then answers 503');
ok(time - $t0 >= 9, 'node 1 waited for the lock (BITSLockTimeout 10 s) before giving up');
print $s 'a' x 99000;
my $resp = read_response($s, 30);
ok(t_cmp($resp->code, 200, 'holder done'), 'node 2 finishes the fragment it held');
ok(t_cmp(sha256_file("$farm/lock.bin"), sha256_hex('a' x 100000), 'lock sha'),
   'the locked upload holds only node 2 bytes');
ack_is(fragment(on(1, 'lock.bin'), $sid, 'b' x 1000, 0, 100000), 200, undef,
       'afterwards node 1 serves the (complete) session again');

done_testing();
