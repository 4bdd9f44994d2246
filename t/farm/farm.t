# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# A web farm on real parts (issue 12): HAProxy, round robin per request
# with a health check, in front of three Apache nodes sharing one store
# (t/lib/BitsTest/Farm.pm).  Run by t/farm/run.sh on a local directory
# (FARM_KIND=local), again with BITSFragmentSync On (FARM_FRAGMENT_SYNC=On)
# and, inside a network namespace, on a GlusterFS volume that each node
# mounts itself (FARM_KIND=glusterfs).
#
# Every upload must come out byte-identical with exactly one notification
# of the application (t/lib/BitsTest/Backend.pm, by value), while:
#   1. its fragments land on all three nodes;
#   2. every fragment is sent twice at once, the two copies on two nodes;
#   3. two nodes write the same session at once (same range with different
#      bytes, and different ranges): the session lock must exclude across
#      the nodes' mounts, which the test also checks with flock(2) of its own;
#   4. a node is killed (kill -9) in the middle of a fragment, the health
#      check takes it out, and the upload finishes through the other two.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use File::Path ();
use Fcntl ();
use IO::Socket::INET ();
use Time::HiRes qw(sleep time);
use BitsTest::Client;
use BitsTest::Backend;
use BitsTest::Farm;

my $kind  = $ENV{FARM_KIND} || 'local';
my $store = $ENV{FARM_STORE} || t_dir() . '/state/farm-store';
my $check = $ENV{FARM_CHECK} || $store;       # the same files, as the test sees them
my $app_port = $ENV{FARM_APP_PORT} || 18830;
$SIG{ALRM} = sub { die "farm.t: timed out\n" };   # dies, so END stops the farm
alarm 600;                                          # never hang a CI run

my $every_ack_durable = ($ENV{FARM_FRAGMENT_SYNC} // '') eq 'On';
diag("farm on $kind: store $store" . ($ENV{FARM_MOUNT} ? " ($ENV{FARM_MOUNT}, one mount per node)" : '')
     . ($every_ack_durable ? ', BITSFragmentSync On' : ''));
File::Path::make_path(logs_dir(), $store);
for my $d ('uploads', 'sessions') {
    File::Path::remove_tree("$check/$d");
    mkdir "$check/$d" or die "$check/$d: $!";
    chmod 0777, "$check/$d";
}

my $be = BitsTest::Backend->start(port => $app_port, lifetime => 600,
    script => { status => 200, headers => [ 'BITS-Copy-File-To-Destination' => 'true' ] });
my $farm = BitsTest::Farm->start(kind => $kind, store => $store, mount => $ENV{FARM_MOUNT},
                                 app => "http://127.0.0.1:$app_port/notify",
                                 fragment_sync => $every_ack_durable);

is($farm->lb_config_status, 0, 'haproxy -c accepts the balancer configuration made from conf/farm-haproxy.cfg');
is($farm->node_config_status($_), 0, "apache2 -t accepts node $_ (conf/farm-node.conf)") for 1 .. 3;
my %st = $farm->lb_status;
is(join(' ', map { "$_=$st{$_}{status}/" . ($st{$_}{check_status} =~ s/\s.*//r) } sort keys %st),
   'node1=UP/L7OK node2=UP/L7OK node3=UP/L7OK', 'the health check (a BITS Ping) passes on all three nodes');

# ---------------------------------------------------------------- helpers

# Sends $data from offset 'from' through the balancer, following N; a
# failed packet (the node died, 502, 503 busy, connection error) is sent
# again.  Returns (ok, [acks]).
sub lb_send {
    my ($url, $sid, $data, $fs, %o) = @_;
    my ($off, $tries, @acks) = ($o{from} || 0, 0);
    my $budget = 2 * length($data) / $fs + 40;   # nodes disagreeing on N never converge
    while ($off < length $data) {
        return (0, \@acks) if @acks > $budget;
        my $len = length($data) - $off < $fs ? length($data) - $off : $fs;
        my $r = fragment($url, $sid, substr($data, $off, $len), $off, length $data);
        push @acks, $r;
        my $n = received_of($r);
        if (($r->code == 200 || $r->code == 416) && defined $n && $n =~ /^\d+$/) {
            $off = $n;
            $tries = 0;
            next;
        }
        return (0, \@acks) if ++$tries > 20 || $r->code !~ /^(?:500|502|503|504)$/
                              || ($r->code == 500 && !$r->header('Client-Warning'));
        sleep 0.5;
    }
    return (1, \@acks);
}

# A fragment request through the balancer on a socket of its own: the
# headers and the first $sent bytes of the body (all of it by default).
sub lb_fragment_start {
    my ($name, $sid, $bytes, $first, $total, $sent) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => $farm->lb_addr, PeerPort => $farm->lb_port,
                                  Timeout => 10) or die "balancer: $!";
    binmode $s;
    my $last = $first + length($bytes) - 1;
    raw_send($s, "BITS_POST /uploads/$name HTTP/1.1\r\nHost: bits-farm\r\n"
                 . "BITS-Packet-Type: Fragment\r\nBITS-Session-Id: $sid\r\n"
                 . "Content-Range: bytes $first-$last/$total\r\n"
                 . 'Content-Length: ' . length($bytes) . "\r\nConnection: close\r\n\r\n"
                 . substr($bytes, 0, $sent // length $bytes));
    return $s;
}

# Sends the bodies of several started requests in turns of $step bytes, so
# that the nodes receive them at the same time.  @req: [socket, bytes, sent].
sub interleave {
    my ($step, @req) = @_;
    my $more = 1;
    while ($more) {
        $more = 0;
        for my $q (@req) {
            my ($s, $bytes) = @$q;
            next if $q->[2] >= length $bytes;
            raw_send($s, substr($bytes, $q->[2], $step));
            $q->[2] += $step;
            $more = 1;
        }
        sleep 0.02;
    }
}

sub new_upload {
    my ($name) = @_;
    my $r = create_session($farm->url($name));
    die "Create-Session $name: " . $r->status_line unless $r->code == 200 && sid_of($r);
    return sid_of($r);
}

# Exactly one notification of the application for $sid, carrying $sha.
sub notified_once {
    my ($sid, $sha, $what) = @_;
    my @ok = grep { ($_->{headers}{'bits-session-id'} // '') eq $sid } $be->successes;
    my @all = grep { ($_->{headers}{'bits-session-id'} // '') eq $sid } $be->requests;
    is(scalar(@all) . '/' . scalar(@ok), '1/1', "$what: the application was notified exactly once");
    is($ok[0] && $ok[0]{body_sha256}, $sha, "$what: the notification carried the uploaded bytes");
}

# Packets of $sid (of $type) per node, once $want->(\%n) holds (or 5 s).
sub packets_of {
    my ($sid, $type, $want) = @_;
    return $farm->served(sub { $_[0]{sid} eq $sid && (!$type || $_[0]{type} eq $type) }, $want);
}
sub on_nodes { my ($n, $min) = @_; scalar grep { $n->{$_} >= $min } 1 .. 3 }

# ------------------------------------------- 1. fragments on all three nodes
{
    my $data = random_bytes(3 * 1024 * 1024 + 17);
    my $sid = new_upload('spread.bin');
    my ($ok) = lb_send($farm->url('spread.bin'), $sid, $data, 256 * 1024);
    ok($ok, 'spread: 13 fragments through the balancer, each answered 200 with the next N');
    my %n = packets_of($sid, 'Fragment', sub { on_nodes($_[0], 4) == 3 });
    is(on_nodes(\%n, 4), 3,
       "spread: the fragments landed on all three nodes (access logs: @n{1..3})");
    is(sha256_file("$check/uploads/spread.bin"), sha256_hex($data),
       'spread: the published file is byte-identical');
    notified_once($sid, sha256_hex($data), 'spread');
    ack_is(close_session($farm->url('spread.bin'), $sid), 200, undef, 'spread: Close-Session');
}

# ------------------------------------------- 2. every fragment twice, at once
{
    my $fs = 256 * 1024;
    my $data = random_bytes(8 * $fs);
    my $sid = new_upload('dup.bin');
    my ($same, $split) = (0, 0);
    for (my $off = 0; $off < length $data; $off += $fs) {
        my $chunk = substr($data, $off, $fs);
        my @q = map { [ lb_fragment_start('dup.bin', $sid, $chunk, $off, length $data, 1024), $chunk, 1024 ] } 1, 2;
        interleave(32 * 1024, @q);
        my @r = map { read_response($_->[0], 60) } @q;
        if (2 == grep { $_->code == 200 && received_of($_) == $off + $fs } @r) {
            $same++;
        } else {
            diag("duplicates at $off: " . join(', ', map { $_->code . ' N=' . (received_of($_) // '-')
                 . ' ' . ($_->header('BITS-Error-Code') // '') } @r));
        }
        my $range = sprintf 'bytes %d-%d/%d', $off, $off + $fs - 1, length $data;
        my %n = $farm->served(sub { $_[0]{sid} eq $sid && $_[0]{range} eq $range },
                              sub { on_nodes($_[0], 1) == 2 });
        $split++ if 2 == grep { $n{$_} == 1 } 1 .. 3;
    }
    is($same, 8, 'duplicates: both copies of each of the 8 fragments got 200 with the same N');
    is($split, 8, 'duplicates: the two copies of each fragment were served by two different nodes');
    is(sha256_file("$check/uploads/dup.bin"), sha256_hex($data),
       'duplicates: the published file is byte-identical');
    notified_once($sid, sha256_hex($data), 'duplicates (the last fragment raced too)');
}

# ------------------------------------------- 3. two nodes write one session
{
    # same range, different bytes: the lock lets one writer in; the other
    # finds the range stored and the session done
    my $size = 2 * 1024 * 1024;
    my ($a, $b) = (random_bytes($size), random_bytes($size));
    my $sid = new_upload('conflict.bin');
    my @q = map { [ lb_fragment_start('conflict.bin', $sid, $_, 0, $size, 1024), $_, 1024 ] } $a, $b;
    interleave(16 * 1024, @q);
    my @r = map { read_response($_->[0], 60) } @q;
    is(join(' ', map { $_->code . '/' . (received_of($_) // '-') } @r), "200/$size 200/$size",
       'same range, different bytes on two nodes: both answered 200 with N = the whole file');
    my %n = packets_of($sid, 'Fragment', sub { on_nodes($_[0], 1) == 2 });
    is(join(' ', sort map { $n{$_} } 1 .. 3), '0 1 1', 'the two writers were served by two nodes');
    my $got = sha256_file("$check/uploads/conflict.bin") // 'none';
    ok($got eq sha256_hex($a) || $got eq sha256_hex($b),
       'the published file is entirely one writer\'s bytes (no mix: the lock excluded across nodes)');
    notified_once($sid, $got, 'same range');

    # different ranges at once: whichever comes second sees the first's N
    $size = 1024 * 1024;
    my $data = random_bytes($size);
    $sid = new_upload('ranges.bin');
    my $half = $size / 2;
    @q = ([ lb_fragment_start('ranges.bin', $sid, substr($data, 0, $half), 0, $size, 1024),
            substr($data, 0, $half), 1024 ],
          [ lb_fragment_start('ranges.bin', $sid, substr($data, $half), $half, $size, 1024),
            substr($data, $half), 1024 ]);
    interleave(16 * 1024, @q);
    @r = map { read_response($_->[0], 60) } @q;
    my $seen = join ' ', map { $_->code . '/' . (received_of($_) // '-') } @r;
    ok($seen eq "200/$half 200/$size" || $seen eq "200/$half 416/0",
       "different ranges on two nodes: first range stored, second in order or refused ($seen)");
    my ($ok) = lb_send($farm->url('ranges.bin'), $sid, $data, $half, from => received_of($r[1]) || $half);
    ok($ok, 'different ranges: the upload completes');
    is(sha256_file("$check/uploads/ranges.bin"), sha256_hex($data), 'different ranges: byte-identical');
    notified_once($sid, sha256_hex($data), 'different ranges');

    # the lock file through the test's own mount: held by a node, it is
    # busy here; held here, the nodes wait and answer 503
    $data = random_bytes($size);
    $sid = new_upload('lock.bin');
    my $lockfile = "$check/sessions/Requests/$sid/lock";
    my $s = lb_fragment_start('lock.bin', $sid, substr($data, 0, $half), 0, $size, 4096);
    my $holder;
    for (1 .. 100) { last if defined($holder = $farm->holder_of($sid)); sleep 0.1 }
    my $busy = 0;
    if (defined $holder && open my $lf, '<', $lockfile) {
        $busy = !flock($lf, Fcntl::LOCK_EX() | Fcntl::LOCK_NB());
        close $lf;
    }
    ok($busy, 'a node writing the session holds its lock file against this mount too (flock busy)');
    raw_send($s, substr($data, 4096, $half - 4096));
    my $r = read_response($s, 60);
    is($r->code . '/' . (received_of($r) // '-'), "200/$half", 'the holder finishes its fragment');
    open my $lf, '<', $lockfile or die "$lockfile: $!";
    ok(flock($lf, Fcntl::LOCK_EX() | Fcntl::LOCK_NB()), 'the lock is free again, and taken by the test');
    $r = fragment($farm->url('lock.bin'), $sid, substr($data, $half), $half, $size);
    ack_is($r, 503, E_HTTP_503, 'a fragment while the test holds the lock: the node waits, then 503');
    close $lf;
    $r = fragment($farm->url('lock.bin'), $sid, substr($data, $half), $half, $size);
    is($r->code . '/' . (received_of($r) // '-'), "200/$size", 'with the lock released the upload completes');
    is(sha256_file("$check/uploads/lock.bin"), sha256_hex($data), 'lock: byte-identical');
    notified_once($sid, sha256_hex($data), 'lock');
}

# ------------------------------------------- 4. kill -9 mid-fragment
{
    my $size = 3 * 1024 * 1024;
    my $data = random_bytes($size);
    my $sid = new_upload('kill.bin');
    my $k = 512 * 1024;
    my $r = fragment($farm->url('kill.bin'), $sid, substr($data, 0, $k), 0, $size);
    is($r->code, 200, 'kill: first fragment');
    my $sent = 300 * 1024;
    my $s = lb_fragment_start('kill.bin', $sid, substr($data, $k, 1024 * 1024), $k, $size, $sent);
    my $victim;
    for (1 .. 100) { last if defined($victim = $farm->holder_of($sid)); sleep 0.1 }
    ok(defined $victim, 'kill: a node is in the middle of the fragment (has the session open)');
    $victim //= 1;
    ok($farm->kill_node($victim) >= 2, "kill: node $victim killed with kill -9 (parent and children)");
    my $cut = read_response($s, 30);
    ok($cut->code != 200, 'kill: the interrupted fragment is not acknowledged (' . $cut->code . ')');
    my $down = $farm->wait_lb_state($victim, 'DOWN', 30);
    ok($down, "kill: the balancer's health check took node $victim out ("
              . ($down ? $down->{check_status} : 'still ' . ({ $farm->lb_status }->{"node$victim"}{status} // '?')) . ')');
    my %before = packets_of($sid);
    my ($ok, $acks) = lb_send($farm->url('kill.bin'), $sid, $data, 256 * 1024, from => $k);
    ok($ok, 'kill: the upload finishes through the other nodes');
    my ($first) = grep { $_->code == 200 || $_->code == 416 } @$acks;
    my $n = $first ? received_of($first) : -1;
    ok($n >= $k + 0 && $n <= $k + $sent, "kill: N after the kill is $n: the acknowledged bytes, never more than were sent");
    my @others = grep { $_ != $victim } 1 .. 3;
    my %after = packets_of($sid, undef, sub { !grep { $_[0]{$_} == $before{$_} } @others });
    is(join(' ', map { $after{$_} - $before{$_} > 0 ? 1 : 0 } @others), '1 1',
       'kill: both surviving nodes served the rest (access logs)');
    is(sha256_file("$check/uploads/kill.bin"), sha256_hex($data), 'kill: the published file is byte-identical');
    notified_once($sid, sha256_hex($data), 'kill');
}

done_testing();
