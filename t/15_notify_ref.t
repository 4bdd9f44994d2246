# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# Issue #3, notification type 1 (by reference), spec §11.3, §11.5, §12:
# the application gets the paths of the request and response files, writes
# its reply into the response file, and the client downloads that reply
# from BITS-Reply-URL (GET, ranged GET, HEAD).  Back-end: 127.0.0.1:18790.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use BitsTest::Client;
use BitsTest::Backend;

my $S    = 'nref';
my $root = session_root($S);
my $PORT = 18790;
reset_scenario($S);

ok(port_is_free($PORT), "back-end port 127.0.0.1:$PORT is free")
    or BAIL_OUT("127.0.0.1:$PORT is in use");
my $be = BitsTest::Backend->start(port => $PORT);

# --- end to end: upload, notification, reply --------------------------------
my $data  = random_bytes(20000);
my $reply = random_bytes(51200);
$be->script(status => 200, reply_file => $reply, tag => 'ref1');

my ($sid, $last) = send_all_but_last("/$S/up1.bin", $data, fragsize => 7000);
is($be->count, 0, 'no notification before the upload is complete');
is(read_state($root, $sid)->{state}, 'RECEIVING', 'session RECEIVING before the last fragment');

my $r = $last->();
app_ack_is($r, 200, undef, undef, 'final fragment (type 1)');
is(received_of($r), 20000, 'completion Ack: BITS-Received-Content-Range is the total');
my $rurl = $r->header('BITS-Reply-URL');
is($rurl, reply_url_for("/$S/up1.bin", $sid),
   'BITS-Reply-URL: absolute, destination directory + BITS-Sessions/Replies/%7BID%7D/responsefile.bin');

my @req = $be->requests;
is(scalar @req, 1, 'exactly one notification');
my $q = $req[0] || { headers => {} };
my %h = %{ $q->{headers} };
is($q->{method}, 'POST', 'notification is a POST');
is($q->{uri}, '/app/ref', 'notification path is the configured one');
is($h{'bits-original-request-url'}, base_url() . "/$S/up1.bin",
   'BITS-Original-Request-URL is the absolute URL of the upload');
is($h{'bits-session-id'}, $sid, 'BITS-Session-Id carries the session id (transaction id)');
is($h{'bits-request-datafile-name'}, "$root/Requests/$sid/requestfile.bin",
   'BITS-Request-DataFile-Name is the absolute path of the request file');
is($h{'bits-response-datafile-name'}, "$root/Replies/$sid/responsefile.bin",
   'BITS-Response-DataFile-Name is <store>/Replies/{ID}/responsefile.bin');
is($q->{respdir_exists}, 1, 'the directory of the response file exists at notification time');
is($q->{reqfile}{exists}, 1, 'the request file exists at notification time');
is($q->{reqfile}{size}, 20000, 'the request file has the upload size');
is($q->{reqfile}{sha256}, sha256_hex($data), 'sha256 of the request file the application read = upload');
is($h{'content-length'}, '0', 'type 1 notification has Content-Length: 0');
is($q->{body_len}, 0, 'type 1 notification has an empty body');
ok(!exists $h{expect}, 'no Expect header');
ok(!exists $h{'transfer-encoding'}, 'no Transfer-Encoding');
my $version = do { open my $v, '<', "$FindBin::Bin/../VERSION" or die "VERSION: $!"; local $/; <$v> };
$version =~ s/\s+$//;
like($h{'user-agent'} // '', qr{^mod_bits/\Q$version\E }, "User-Agent is mod_bits/$version");
is($q->{resp}{status}, 200, 'the back-end answered 200');

is(read_state($root, $sid)->{state}, 'DONE', 'state=DONE after the completion Ack');
ok(!-e htdocs("$S/up1.bin"), 'nothing published at the destination without BITS-Copy-File-To-Destination');

# --- reply download (§12.2) ---------------------------------------------------
my $head = get_reply($rurl, method => 'HEAD');
is($head->code, 200, 'HEAD of the reply URL: 200');
is($head->header('Content-Length'), length $reply, 'HEAD: Content-Length = reply size');
is(length $head->content, 0, 'HEAD: no body');

my $g = get_reply($rurl, headers => [ 'Accept-Encoding' => 'gzip, deflate, br' ]);
is($g->code, 200, 'GET of the reply URL: 200');
is($g->header('Content-Length'), length $reply, 'GET: Content-Length = reply size');
is(sha256_hex($g->content), sha256_hex($reply), 'GET: sha256 of the reply = what the application wrote');
is($g->header('Content-Type'), 'application/octet-stream', 'GET: Content-Type application/octet-stream');
ok(!defined $g->header('Content-Encoding'), 'GET: no Content-Encoding although gzip was accepted');
my $etag = $g->header('ETag');
my $lm   = $g->header('Last-Modified');
ok(defined $lm, 'GET: Last-Modified present');
ok(defined $etag && $etag !~ m{^W/}, 'GET: strong ETag present') or diag('ETag: ' . ($etag // 'none'));
is($head->header('ETag'), $etag, 'HEAD and GET have the same ETag');

my $p = get_reply($rurl, range => 'bytes=100-1099');
is($p->code, 206, 'ranged GET: 206');
is($p->header('Content-Range'), 'bytes 100-1099/' . length($reply), 'ranged GET: Content-Range');
is($p->header('Content-Length'), 1000, 'ranged GET: Content-Length of the range');
ok($p->content eq substr($reply, 100, 1000), 'ranged GET: the bytes of the range');
my $p2 = get_reply($rurl, range => 'bytes=50000-');
is($p2->code, 206, 'open-ended ranged GET: 206');
ok($p2->content eq substr($reply, 50000), 'open-ended ranged GET: the tail of the reply');

sleep 1.2;      # a weak/strong ETag switch or a touched file would show now
my $g2 = get_reply($rurl, method => 'HEAD');
is($g2->header('ETag'), $etag, 'ETag stable over time');
is($g2->header('Last-Modified'), $lm, 'Last-Modified stable over time');
my $nm = get_reply($rurl, headers => [ 'If-None-Match' => $etag // '"none"' ]);
is($nm->code, 304, 'conditional GET with the ETag: 304');

# the Requests side stays private
my $priv = get_reply(base_url() . "/$S/BITS-Sessions/Requests/$sid/requestfile.bin");
is($priv->code, 404, 'the request file is not reachable over HTTP');

# --- the final fragment again, then Close-Session --------------------------------
my $again = $last->();
app_ack_is($again, 200, undef, undef, 'final fragment resent');
is($again->header('BITS-Reply-URL'), $rurl, 'resent final fragment: same BITS-Reply-URL');
is($be->count, 1, 'resent final fragment: no new notification');

my $cl = close_session("/$S/up1.bin", $sid);
app_ack_is($cl, 200, undef, undef, 'Close-Session');
is($cl->header('BITS-Reply-URL'), $rurl, 'Close-Session Ack: same BITS-Reply-URL');
is($be->count, 1, 'Close-Session: no new notification');
is(get_reply($rurl)->code, 404, 'reply URL after Close-Session: 404');
ok(!-e "$root/Replies/$sid/responsefile.bin", 'reply file deleted at Close-Session');
ok(!-e "$root/Requests/$sid/requestfile.bin", 'request file deleted at Close-Session');
ok(!-e htdocs("$S/up1.bin"), 'still nothing published after Close-Session');

# --- the application writes no reply: empty reply ----------------------------------
$be->clear;
$be->script(status => 200, tag => 'ref-noreply');
my $d2 = random_bytes(3000);
my $u2 = upload_file("/$S/up2.bin", $d2, 4096);
ok($u2->{ok}, 'type 1 upload whose application writes no reply');
my $a2 = $u2->{acks}[-1];
app_ack_is($a2, 200, undef, undef, 'final fragment (no reply written)');
my $r2 = $a2->header('BITS-Reply-URL');
is($r2, reply_url_for("/$S/up2.bin", $u2->{sid}), 'BITS-Reply-URL present for an empty reply');
my $g3 = get_reply($r2 // base_url() . '/none');
is($g3->code, 200, 'GET of an empty reply: 200');
is($g3->header('Content-Length'), 0, 'empty reply: Content-Length 0');
is(($be->requests)[0]{reqfile}{sha256}, sha256_hex($d2), 'application read the right request file');
ack_is(close_session("/$S/up2.bin", $u2->{sid}), 200, undef, 'Close-Session (empty reply)');

# --- BITS-Copy-File-To-Destination (type 1) -----------------------------------------
$be->clear;
my $rep3 = random_bytes(777);
$be->script(status => 200, reply_file => $rep3,
            headers => [ 'BITS-Copy-File-To-Destination' => 'true' ], tag => 'ref-copy');
my $d3 = random_bytes(10000);
my $u3 = upload_file("/$S/up3.bin", $d3, 4096);
app_ack_is($u3->{acks}[-1], 200, undef, undef, 'final fragment (copy to destination)');
is(sha256_file(htdocs("$S/up3.bin")), sha256_hex($d3),
   'BITS-Copy-File-To-Destination: published file is byte-identical to the upload');
my $g4 = get_reply($u3->{acks}[-1]->header('BITS-Reply-URL') // base_url() . '/none');
is(sha256_hex($g4->content), sha256_hex($rep3), 'reply served alongside the copied file');
is($be->count, 1, 'one notification');
my $resend3 = fragment("/$S/up3.bin", $u3->{sid}, substr($d3, 8192), 8192, 10000);
app_ack_is($resend3, 200, undef, undef, 'final fragment resent after the copy');
is($be->count, 1, 'no new notification on the resend');
ack_is(close_session("/$S/up3.bin", $u3->{sid}), 200, undef, 'Close-Session (copy)');
is(sha256_file(htdocs("$S/up3.bin")), sha256_hex($d3), 'published file intact after Close-Session');

# --- zero-byte upload: Create-Session then Close-Session (§7.6 step 3) ------------------
$be->clear;
$be->script(status => 200, headers => [ 'BITS-Copy-File-To-Destination' => '1' ], tag => 'ref-empty');
my $c0 = create_session("/$S/empty.bin");
my $sid0 = sid_of($c0);
my $cl0 = close_session("/$S/empty.bin", $sid0);
app_ack_is($cl0, 200, undef, undef, 'Close-Session of an upload without fragments');
my @e = $be->requests;
is(scalar @e, 1, 'the empty upload is notified once');
is($e[0]{reqfile}{size}, 0, 'the application sees an empty request file') if @e;
is($e[0]{headers}{'bits-session-id'}, $sid0, 'empty upload: BITS-Session-Id') if @e;
ok(-f htdocs("$S/empty.bin") && -s _ == 0, 'empty file published on BITS-Copy-File-To-Destination');

$be->stop;
done_testing();
