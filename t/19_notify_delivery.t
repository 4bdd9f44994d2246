# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# Issue #3, delivery semantics (spec §7.4 steps 5/10, §8.1, §11.1, §14):
# the outcome is durable before the Ack, so a final fragment resent after a
# lost Ack and a resent Close-Session are answered from the record (same
# reply URL, no second POST); concurrent resends never notify twice (the
# session lock covers the notification; a waiter past BITSLockTimeout gets
# 503 ctx 0x5); kill -9 of the child during the notification, then a resend:
# at most one duplicate, with the same BITS-Session-Id.
# Back-end: 127.0.0.1:18796.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use BitsTest::Client;
use BitsTest::Backend;
use Time::HiRes qw(time sleep);

my $S    = 'ndeliv';
my $root = session_root($S);
my $PORT = 18796;
for my $n ($S, 'nlock') { reset_scenario($n) }

ok(port_is_free($PORT), "back-end port 127.0.0.1:$PORT is free")
    or BAIL_OUT("127.0.0.1:$PORT is in use");
my $be = BitsTest::Backend->start(port => $PORT);

# Prepares an upload of $n bytes at $path with all but the final fragment
# sent; returns ($sid, $data, $last_off, $last_sub).
sub prepare {
    my ($path, $n) = @_;
    my $data = random_bytes($n);
    my ($sid, $last, $off) = send_all_but_last($path, $data, fragsize => 4096);
    return ($sid, $data, $off, $last);
}

# --- the Ack of the final fragment is lost -------------------------------------------
{
    $be->clear;
    my $rep = random_bytes(2048);
    $be->script(status => 200, body => $rep, delay => 0.5);
    my ($sid, $data, $off, $last) = prepare("/$S/lost.bin", 10000);
    my $sock = raw_fragment_start("/$S/lost.bin", $sid, substr($data, $off), $off, 10000);
    ok($be->wait_requests(1, 10), 'lost Ack: the notification started');
    close $sock;                                     # the client never sees the Ack
    ok(wait_until(sub { ((read_state($root, $sid) || {})->{state} // '') eq 'DONE' }, 10),
       'lost Ack: the outcome was recorded (state=DONE)');
    my $want = reply_url_for("/$S/lost.bin", $sid);
    for my $i (1 .. 2) {
        my $r = $last->();
        app_ack_is($r, 200, undef, undef, "lost Ack: final fragment resent ($i)");
        is(received_of($r), 10000, "lost Ack: resend $i reports the total");
        is($r->header('BITS-Reply-URL'), $want, "lost Ack: resend $i has the reply URL");
    }
    is($be->count, 1, 'lost Ack: no second notification after two resends');
    is(sha256_hex(get_reply($want)->content), sha256_hex($rep), 'lost Ack: the reply of the one notification');
    my $c1 = close_session("/$S/lost.bin", $sid);
    app_ack_is($c1, 200, undef, undef, 'Close-Session');
    is($c1->header('BITS-Reply-URL'), $want, 'Close-Session: same reply URL');
    my $c2 = close_session("/$S/lost.bin", $sid);
    app_ack_is($c2, 200, undef, undef, 'Close-Session resent (its Ack was lost)');
    is($c2->header('BITS-Reply-URL'), $want, 'resent Close-Session: same reply URL');
    is($be->count, 1, 'Close-Session and its resend: no second notification');
    is(read_state($root, $sid)->{state}, 'CLOSED', 'tombstone CLOSED');
}

# --- a resend while the first final fragment is still being notified -----------------------
{
    $be->clear;
    $be->script(status => 200, body => 'one', delay => 2);
    my ($sid, $data, $off) = prepare("/$S/race1.bin", 9000);
    my $tail = substr($data, $off);
    my $s1 = raw_fragment_start("/$S/race1.bin", $sid, $tail, $off, 9000);
    ok($be->wait_requests(1, 10), 'race: first notification in progress');
    my $s2 = raw_fragment_start("/$S/race1.bin", $sid, $tail, $off, 9000);
    my $r1 = read_response($s1, 30);
    my $r2 = read_response($s2, 30);
    close $_ for $s1, $s2;
    my $want = reply_url_for("/$S/race1.bin", $sid);
    app_ack_is($r1, 200, undef, undef, 'race: the original final fragment');
    app_ack_is($r2, 200, undef, undef, 'race: the concurrent resend (waited for the lock)');
    is($r1->header('BITS-Reply-URL'), $want, 'race: reply URL of the original');
    is($r2->header('BITS-Reply-URL'), $want, 'race: the resend has the same reply URL');
    sleep 0.3;
    is($be->count, 1, 'race: exactly one POST');
    is(scalar(my @s = $be->successes), 1, 'race: exactly one successful notification');
    close_session("/$S/race1.bin", $sid);
}

# --- two concurrent resends after a failed notification ------------------------------------
{
    $be->clear;
    $be->script(status => 500);
    my ($sid, $data, $off, $last) = prepare("/$S/race2.bin", 12000);
    app_ack_is($last->(), 500, '0x801901F4', CTX_APP, 'race 2: first attempt fails (500)');
    $be->script(status => 200, body => 'two', delay => 1.5);
    sleep 1.2;                       # past the backoff (BITSNotificationRetryDelay 1)
    my $tail = substr($data, $off);
    my @s = map { raw_fragment_start("/$S/race2.bin", $sid, $tail, $off, 12000) } 1 .. 2;
    my @r = map { read_response($_, 30) } @s;
    close $_ for @s;
    my $want = reply_url_for("/$S/race2.bin", $sid);
    for my $i (0, 1) {
        app_ack_is($r[$i], 200, undef, undef, "race 2: concurrent resend " . ($i + 1));
        is($r[$i]->header('BITS-Reply-URL'), $want, "race 2: resend " . ($i + 1) . ' reply URL');
    }
    sleep 0.3;
    my @all = $be->requests;
    is(scalar @all, 2, 'race 2: two POSTs in all (the failed one, then exactly one for both resends)');
    is(scalar(my @ok = $be->successes), 1, 'race 2: exactly one successful notification');
    is(get_reply($want)->content, 'two', 'race 2: the reply');
    close_session("/$S/race2.bin", $sid);
}

# --- the waiter gives up after BITSLockTimeout (1 s) ------------------------------------------
{
    $be->clear;
    $be->script(status => 200, body => 'slow', delay => 3);
    my ($sid, $data, $off, $last) = prepare('/nlock/l.bin', 5000);
    my $tail = substr($data, $off);
    my $s1 = raw_fragment_start('/nlock/l.bin', $sid, $tail, $off, 5000);
    ok($be->wait_requests(1, 10), 'lock: notification in progress');
    my $t0 = time;
    my $busy = $last->();
    my $el = time - $t0;
    app_ack_is($busy, 503, E_HTTP_503, '0x5', 'lock: a resend while the notification holds the lock');
    ok($el >= 0.8 && $el < 2.8, sprintf('lock: the resend waited about BITSLockTimeout (%.1f s)', $el));
    my $r1 = read_response($s1, 30);
    close $s1;
    app_ack_is($r1, 200, undef, undef, 'lock: the notifying request completes');
    my $want = reply_url_for('/nlock/l.bin', $sid);
    is($r1->header('BITS-Reply-URL'), $want, 'lock: reply URL');
    my $again = $last->();
    app_ack_is($again, 200, undef, undef, 'lock: a later resend is replayed');
    is($again->header('BITS-Reply-URL'), $want, 'lock: same reply URL');
    is($be->count, 1, 'lock: exactly one POST');
    close_session('/nlock/l.bin', $sid);
}

# --- kill -9 of the child during the notification, then a resend ----------------------------
{
    $be->clear;
    $be->script(status => 200, body => 'first', delay => 4);
    my ($sid, $data, $off, $last) = prepare("/$S/kill.bin", 8000);
    my $s1 = raw_fragment_start("/$S/kill.bin", $sid, substr($data, $off), $off, 8000);
    ok($be->wait_requests(1, 10), 'kill: the notification reached the application');
    my ($first) = $be->requests;
    my @kids = child_with_socket_to($first->{peer_port}, $PORT);
    is(scalar @kids, 1, 'kill: found the httpd child that is notifying')
        or diag("peer port $first->{peer_port}, children: @kids");
    kill 'KILL', @kids if @kids;
    my $lost = read_response($s1, 10);
    close $s1;
    isnt($lost->code, 200, 'kill: the client got no Ack (' . $lost->status_line . ')');
    is(read_state($root, $sid)->{state}, 'COMPLETING', 'kill: nothing was recorded (COMPLETING)');
    ok(wait_for_server('/ndeliv/ping', 30), 'kill: the server answers again');

    $be->script(status => 200, body => 'second');
    my $t0 = time;
    my $r = $last->();
    app_ack_is($r, 200, undef, undef, 'kill: the resent final fragment');
    ok(time - $t0 < 10, 'kill: the resend was not blocked by the dead child\'s lock');
    my $want = reply_url_for("/$S/kill.bin", $sid);
    is($r->header('BITS-Reply-URL'), $want, 'kill: reply URL');
    sleep 0.3;
    my @all = $be->requests;
    ok(@all >= 1 && @all <= 2, 'kill: at most one duplicate notification (' . scalar(@all) . ' POSTs)');
    is(scalar(grep { ($_->{headers}{'bits-session-id'} // '') eq $sid } @all), scalar @all,
       'kill: every notification carries the same BITS-Session-Id');
    is(scalar(grep { $_->{body_sha256} eq sha256_hex($data) } @all), scalar @all,
       'kill: every notification carries the whole upload');
    is(get_reply($want)->content, 'second', 'kill: the reply is that of the recorded notification');
    app_ack_is($last->(), 200, undef, undef, 'kill: another resend is replayed');
    is(scalar(my @x = $be->requests), scalar @all, 'kill: no further notification');
    close_session("/$S/kill.bin", $sid);
}

$be->stop;
done_testing();
