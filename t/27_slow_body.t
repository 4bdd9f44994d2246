# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# Slow and broken bodies (issue 6 item 8).  A body read that fails or times
# out is transient for the client: 408 0x80190198 with the N really held,
# never the fatal 400, and the session lock is free at once.  A private
# httpd with mod_reqtimeout has two vhosts:
#   "gentle": the shape the README recommends (a low MinRate), scaled down
#             to body=4 so that a stall is cut within the test's patience;
#   "strict": Debian's stock shape (body=10,MinRate=500), scaled to body=2,
#             which cuts a Windows client throttled to 250 B/s.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use BitsTest::Client;
use BitsTest::Node qw(free_port start_node);
use IO::Socket::INET;
use Time::HiRes qw(time sleep);

my $dir = reset_scenario('slowbody');
my ($gentle, $strict) = (free_port(), free_port());
my $node = start_node('slowbody', <<"CONF", modules => ['reqtimeout'], ping => "http://127.0.0.1:$gentle/up/x");
Listen 127.0.0.1:$gentle
Listen 127.0.0.1:$strict
Alias /up "$dir"
<Directory "$dir">
    BITSUploadEnabled On
    BITSLockTimeout 1
    Require all granted
</Directory>
<VirtualHost 127.0.0.1:$gentle>
    RequestReadTimeout header=20-40,MinRate=500 body=4,MinRate=100
</VirtualHost>
<VirtualHost 127.0.0.1:$strict>
    RequestReadTimeout header=20-40,MinRate=500 body=2,MinRate=500
</VirtualHost>
CONF

sub up { my ($port, $name) = @_; "http://127.0.0.1:$port/up/$name" }

# Sends one Fragment over a raw socket: the head, then the body in pieces
# of $step bytes every $pause seconds, stopping after $stop_after bytes if
# given.  Returns the parsed response (or the raw failure).
sub slow_fragment {
    my (%o) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $o{port},
                                  Proto => 'tcp', Timeout => 10) or die "connect: $!";
    binmode $s;
    $s->autoflush(1);
    my $len  = length $o{body};
    my $last = $o{first} + $len - 1;
    raw_send($s, "BITS_POST /up/$o{name} HTTP/1.1\r\nHost: 127.0.0.1:$o{port}\r\n"
                 . "BITS-Packet-Type: Fragment\r\nBITS-Session-Id: $o{sid}\r\n"
                 . "Content-Range: bytes $o{first}-$last/$o{total}\r\n"
                 . "Content-Length: $len\r\nConnection: close\r\n\r\n");
    my $sent = 0;
    my $stop = defined $o{stop_after} ? $o{stop_after} : $len;
    while ($sent < $stop) {
        my $n = $stop - $sent < $o{step} ? $stop - $sent : $o{step};
        last unless raw_send($s, substr($o{body}, $sent, $n));
        $sent += $n;
        sleep $o{pause} if $sent < $stop;
    }
    my $r = read_response($s, 60);
    close $s;
    return $r;
}

my $total = 4000;
my $data  = random_bytes($total);

# --- 1. a client throttled to 250 B/s completes under the gentle shape ------------
my $sid = new_session(up($gentle, 'throttled.bin'));
my $r = slow_fragment(port => $gentle, name => 'throttled.bin', sid => $sid,
                      body => substr($data, 0, 2000), first => 0, total => $total,
                      step => 50, pause => 0.2);
ack_is($r, 200, undef, 'a 2000-byte fragment at 250 B/s under body=4,MinRate=100');
ok(t_cmp(received_of($r), 2000, 'throttled N'), 'and all of it is held');

# --- 2. a stalled client is cut, gets a transient 408, and the session goes on ----
my $t0 = time;
$r = slow_fragment(port => $gentle, name => 'throttled.bin', sid => $sid,
                   body => substr($data, 2000, 1000), first => 2000, total => $total,
                   step => 100, pause => 0, stop_after => 300);
my $waited = time - $t0;
ack_is($r, 408, '0x80190198', 'a fragment whose client stalls after 300 bytes');
ok(t_cmp(received_of($r), 2300, 'stalled N'), 'its Ack reports the bytes that reached the disk');
ok($waited < 30, "the stalled client was cut by RequestReadTimeout (after ${waited}s)");
my $st = read_state("$dir/BITS-Sessions", $sid);
ok(t_cmp("$st->{state}/$st->{received}", 'RECEIVING/2300', 'record'), 'the record holds exactly those bytes');
# The lock is free at once: with BITSLockTimeout 1, a busy session would answer 503.
$r = fragment(up($gentle, 'throttled.bin'), $sid, substr($data, 2300), 2300, $total);
ack_is($r, 200, undef, 'the session resumes from N right after the 408');
ok(t_cmp(sha256_file("$dir/throttled.bin"), sha256_hex($data), 'stalled sha'),
   'and the published file is byte-identical');

# --- 3. Debian's stock shape cuts the throttled client: 408, not the fatal 400 ----
$sid = new_session(up($strict, 'cut.bin'));
$r = slow_fragment(port => $strict, name => 'cut.bin', sid => $sid,
                   body => $data, first => 0, total => $total, step => 50, pause => 0.2);
ack_is($r, 408, '0x80190198', 'a 250 B/s fragment cut by body=2,MinRate=500');
my $n = received_of($r);
ok(defined $n && $n > 0 && $n < $total, "the Ack says how much was held (N=" . ($n // 'none') . ')');
$st = read_state("$dir/BITS-Sessions", $sid);
ok(t_cmp($st->{received}, $n, 'cut record'), 'the record agrees with the Ack');
ok(t_cmp(substr(file_bytes("$dir/BITS-Sessions/Requests/$sid/requestfile.bin"), 0, $n),
         substr($data, 0, $n), 'cut bytes'), 'the held bytes are the ones sent');
$r = fragment(up($strict, 'cut.bin'), $sid, substr($data, $n), $n, $total);
ack_is($r, 200, undef, 'the client resumes from N');
ok(t_cmp(sha256_file("$dir/cut.bin"), sha256_hex($data), 'cut sha'),
   'and the published file is byte-identical');

# --- 4. a body that ends early (client gone) is 408 as well -----------------------
$sid = new_session(up($gentle, 'gone.bin'));
{
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $gentle) or die $!;
    raw_send($s, "BITS_POST /up/gone.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 . "BITS-Packet-Type: Fragment\r\nBITS-Session-Id: $sid\r\n"
                 . "Content-Range: bytes 0-999/1000\r\nContent-Length: 1000\r\n\r\n"
                 . ('g' x 400));
    shutdown $s, 1;          # half-close: the body ends after 400 bytes
    $r = read_response($s, 30);
    close $s;
}
ack_is($r, 408, '0x80190198', 'a body that ends before its Content-Length');
ok(t_cmp(received_of($r), 400, 'early N'), 'its Ack reports the 400 bytes held');
my @log = do { open my $fh, '<', "$node/logs/error_log" or die $!; <$fh> };
ok(scalar(grep { /ended early after 400 new bytes/ } @log), 'the error log says why');

done_testing();
