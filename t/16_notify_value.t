# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# Issue #3, notification type 2 (by value), spec §11.4, §11.5, §12: the
# upload is the POST body, the response body is the reply; also
# BITS-Copy-File-To-Destination, BITS-Static-Response-URL, non-200 2xx,
# chunked / read-until-close replies, BITSHostId in the reply URL, type 0
# with a URL, type 2 without a URL.  Back-end: 127.0.0.1:18791.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use BitsTest::Client;
use BitsTest::Backend;

my $S    = 'nval';
my $root = session_root($S);
my $PORT = 18791;
for my $n ($S, qw(nhost ntype0 nnourl nstaticfiles)) { reset_scenario($n) }

ok(port_is_free($PORT), "back-end port 127.0.0.1:$PORT is free")
    or BAIL_OUT("127.0.0.1:$PORT is in use");
my $be = BitsTest::Backend->start(port => $PORT);

# --- end to end, with a query string on the upload URL -----------------------
my $data  = random_bytes(100000);
my $reply = random_bytes(70000);
$be->script(status => 200, body => $reply, tag => 'val1');
my ($sid, $last) = send_all_but_last("/$S/v1.bin?job=7&x=a%20b", $data, fragsize => 30000);
is($be->count, 0, 'no notification before the upload is complete');
my $r = $last->();
app_ack_is($r, 200, undef, undef, 'final fragment (type 2)');
is(received_of($r), 100000, 'completion Ack: BITS-Received-Content-Range is the total');
my $rurl = $r->header('BITS-Reply-URL');
is($rurl, reply_url_for("/$S/v1.bin", $sid), 'BITS-Reply-URL: destination directory + Replies path, query dropped');

my @req = $be->requests;
is(scalar @req, 1, 'exactly one notification');
my $q = $req[0] || { headers => {} };
my %h = %{ $q->{headers} };
is($q->{method}, 'POST', 'notification is a POST');
is($q->{uri}, '/app/val?job=7&x=a%20b', 'the upload URL\'s query string is appended to the notification URL');
is($h{'bits-original-request-url'}, base_url() . "/$S/v1.bin?job=7&x=a%20b",
   'BITS-Original-Request-URL: absolute upload URL with its query');
is($h{'bits-session-id'}, $sid, 'BITS-Session-Id carries the session id');
is($h{'content-length'}, '100000', 'type 2: Content-Length = upload size');
ok(!exists $h{'transfer-encoding'}, 'type 2: not chunked');
ok(!exists $h{expect}, 'type 2: no Expect: 100-continue');
is($q->{body_len}, 100000, 'type 2: body length = upload size');
is($q->{body_sha256}, sha256_hex($data), 'type 2: sha256 of the body the application received = upload');
ok(!exists $h{'bits-request-datafile-name'}, 'type 2: no BITS-Request-DataFile-Name');
ok(!exists $h{'bits-response-datafile-name'}, 'type 2: no BITS-Response-DataFile-Name');
like($h{'user-agent'} // '', qr/^mod_bits/, 'User-Agent starts with mod_bits');
is(read_state($root, $sid)->{state}, 'DONE', 'state=DONE');
ok(!-e htdocs("$S/v1.bin"), 'nothing published without BITS-Copy-File-To-Destination');

my $head = get_reply($rurl, method => 'HEAD');
is($head->code, 200, 'HEAD of the reply: 200');
is($head->header('Content-Length'), 70000, 'HEAD: Content-Length = reply size');
is(length $head->content, 0, 'HEAD: no body');
my $g = get_reply($rurl);
is($g->code, 200, 'GET of the reply: 200');
is($g->header('Content-Length'), 70000, 'GET: Content-Length');
is(sha256_hex($g->content), sha256_hex($reply), 'GET: sha256 of the reply = response body of the application');
is($g->header('Content-Type'), 'application/octet-stream', 'GET: Content-Type application/octet-stream');
my $etag = $g->header('ETag');
ok(defined $etag && $etag !~ m{^W/}, 'GET: strong ETag') or diag('ETag: ' . ($etag // 'none'));
ok(defined $g->header('Last-Modified'), 'GET: Last-Modified');
my $p = get_reply($rurl, range => 'bytes=0-9999');
is($p->code, 206, 'ranged GET: 206');
is($p->header('Content-Range'), 'bytes 0-9999/70000', 'ranged GET: Content-Range');
ok($p->content eq substr($reply, 0, 10000), 'ranged GET: the right bytes');
my $p2 = get_reply($rurl, range => 'bytes=69990-69999');
is($p2->code, 206, 'ranged GET of the last 10 bytes: 206');
ok($p2->content eq substr($reply, 69990), 'ranged GET of the last 10 bytes: the right bytes');
is(get_reply($rurl, method => 'HEAD')->header('ETag'), $etag, 'ETag stable');

my $again = $last->();
app_ack_is($again, 200, undef, undef, 'final fragment resent (type 2)');
is($again->header('BITS-Reply-URL'), $rurl, 'resent: same BITS-Reply-URL');
is($be->count, 1, 'resent: no new notification');
ack_is(close_session("/$S/v1.bin?job=7&x=a%20b", $sid), 200, undef, 'Close-Session (type 2)');
is(get_reply($rurl)->code, 404, 'reply gone after Close-Session');

# --- BITS-Copy-File-To-Destination ------------------------------------------
$be->clear;
my $rep2 = random_bytes(1234);
$be->script(status => 200, body => $rep2, headers => [ 'BITS-Copy-File-To-Destination' => 'yes' ]);
my $d2 = random_bytes(50000);
my $u2 = upload_file("/$S/copy.bin", $d2, 16384);
my $a2 = $u2->{acks}[-1];
app_ack_is($a2, 200, undef, undef, 'final fragment (type 2, copy)');
is(sha256_file(htdocs("$S/copy.bin")), sha256_hex($d2), 'copy: published file byte-identical to the upload');
is(sha256_hex(get_reply($a2->header('BITS-Reply-URL') // base_url() . '/none')->content), sha256_hex($rep2),
   'copy: the reply is still the response body');
is(($be->requests)[0]{body_sha256}, sha256_hex($d2), 'copy: application received the upload');
ack_is(close_session("/$S/copy.bin", $u2->{sid}), 200, undef, 'Close-Session (copy)');
is(sha256_file(htdocs("$S/copy.bin")), sha256_hex($d2), 'copy: published file unchanged by Close-Session');

# --- BITS-Static-Response-URL -------------------------------------------------
$be->clear;
my $static_body = "static reply\n";
{ open my $fh, '>', htdocs('nstaticfiles/answer.txt') or die $!; print $fh $static_body; close $fh }
my $static = base_url() . '/nstaticfiles/answer.txt?for=me';
$be->script(status => 200, body => 'this body must be ignored',
            headers => [ 'BITS-Static-Response-URL' => $static ]);
my $d3 = random_bytes(5000);
my $u3 = upload_file("/$S/static.bin", $d3, 4096);
my $a3 = $u3->{acks}[-1];
app_ack_is($a3, 200, undef, undef, 'final fragment (static reply URL)');
is($a3->header('BITS-Reply-URL'), $static, 'BITS-Reply-URL is the static URL, verbatim');
is(get_reply(reply_url_for("/$S/static.bin", $u3->{sid}))->code, 404,
   'no reply file served for a static reply');
ok(!-e "$root/Replies/$u3->{sid}/responsefile.bin", 'the ignored body was not stored as a reply');
ok(!-e htdocs("$S/static.bin"), 'static reply: nothing published without the copy header');
my $again3 = fragment("/$S/static.bin", $u3->{sid}, substr($d3, 4096), 4096, 5000);
is($again3->header('BITS-Reply-URL'), $static, 'resent final fragment: same static URL');
my $cl3 = close_session("/$S/static.bin", $u3->{sid});
ack_is($cl3, 200, undef, 'Close-Session (static reply)');
is(get_reply($static)->content, $static_body, 'the static reply is untouched after Close-Session');
is($be->count, 1, 'static reply: one notification');

# static URL + copy
$be->clear;
my $static2 = 'https://replies.example.org/r/' . 'x' x 20;
$be->script(status => 200, headers => [ 'BITS-Static-Response-URL' => $static2,
                                        'BITS-Copy-File-To-Destination' => 'x' ]);
my $d4 = random_bytes(3000);
my $u4 = upload_file("/$S/static-copy.bin", $d4, 4096);
app_ack_is($u4->{acks}[-1], 200, undef, undef, 'final fragment (static https URL + copy)');
is($u4->{acks}[-1]->header('BITS-Reply-URL'), $static2, 'static https URL verbatim');
is(sha256_file(htdocs("$S/static-copy.bin")), sha256_hex($d4), 'static + copy: published');
close_session("/$S/static-copy.bin", $u4->{sid});

# --- other 2xx, other framings of the reply body ------------------------------------
for my $case ([ 201, 'created', 0 ], [ 204, '', 0 ], [ 200, random_bytes(3500), 1 ]) {
    my ($st, $body, $chunked) = @$case;
    my $what = $chunked ? 'chunked 200' : "status $st";
    $be->clear;
    $be->script(status => $st, body => $body, chunked => $chunked);
    my $dd = random_bytes(2000);
    my $u = upload_file("/$S/s$st-$chunked.bin", $dd, 4096);
    my $a = $u->{acks}[-1];
    app_ack_is($a, 200, undef, undef, "application answers $what: success");
    my $gg = get_reply($a->header('BITS-Reply-URL') // base_url() . '/none');
    is($gg->code, 200, "$what: reply downloadable");
    is(sha256_hex($gg->content), sha256_hex($body), "$what: reply = response body");
    is($gg->header('Content-Length'), length $body, "$what: reply Content-Length");
    is(read_state($root, $u->{sid})->{state}, 'DONE', "$what: state=DONE");
    close_session("/$S/s$st-$chunked.bin", $u->{sid});
}
# a body delimited by the end of the connection (no Content-Length, no chunks)
$be->clear;
my $eof_body = random_bytes(2500);
$be->script(garbage => "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n$eof_body");
my $u5 = upload_file("/$S/eof.bin", 'e' x 100, 4096);
app_ack_is($u5->{acks}[-1], 200, undef, undef, 'reply read until close: success');
is(sha256_hex(get_reply($u5->{acks}[-1]->header('BITS-Reply-URL') // base_url() . '/none')->content),
   sha256_hex($eof_body), 'reply read until close: stored whole');
close_session("/$S/eof.bin", $u5->{sid});

# --- BITSHostId: the reply URL names this node ----------------------------------------
$be->clear;
my $rep6 = random_bytes(999);
$be->script(status => 200, body => $rep6);
my $u6 = upload_file('/nhost/h.bin', random_bytes(1500), 4096);
my $a6 = $u6->{acks}[-1];
app_ack_is($a6, 200, undef, undef, 'final fragment (BITSHostId)');
is($a6->header('BITS-Reply-URL'), reply_url_for('/nhost/h.bin', $u6->{sid}, 'bits-node1.example.org'),
   'BITS-Reply-URL host is the BITSHostId, scheme and port of the upload');
is(sha256_hex(get_reply($a6->header('BITS-Reply-URL') // base_url() . '/none')->content),
   sha256_hex($rep6), 'reply downloadable under the BITSHostId name');
is(($be->requests)[0]{uri}, '/app/host', 'BITSHostId location notified its own URL');
is(($be->requests)[0]{headers}{'bits-original-request-url'}, base_url() . '/nhost/h.bin',
   'BITS-Original-Request-URL keeps the host the client addressed');
close_session('/nhost/h.bin', $u6->{sid});

# --- type 0 with a URL configured: publish, never notify, no reply URL ----------------
$be->clear;
my $d7 = random_bytes(6000);
my $u7 = upload_file('/ntype0/t0.bin', $d7, 4096);
app_ack_is($u7->{acks}[-1], 200, undef, undef, 'type 0: final fragment');
ok(!defined $u7->{acks}[-1]->header('BITS-Reply-URL'), 'type 0: no BITS-Reply-URL');
is(sha256_file(htdocs('ntype0/t0.bin')), sha256_hex($d7), 'type 0: upload published');
my $cl7 = close_session('/ntype0/t0.bin', $u7->{sid});
ok(!defined $cl7->header('BITS-Reply-URL'), 'type 0: no BITS-Reply-URL on Close-Session');
sleep 0.3;
is($be->count, 0, 'type 0: the application is never notified');

# --- type 2 without a URL ------------------------------------------------------------
ack_is(create_session('/nnourl/x.bin'), 500, E_FAIL, 'type 2 without BITSServerNotificationURL: Create-Session');
ok(!-e session_root('nnourl') . '/Requests' || !glob(session_root('nnourl') . '/Requests/*'),
   'no session created without a notification URL');

$be->stop;
done_testing();
