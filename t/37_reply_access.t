# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# Issue #3, who may fetch a reply and for how long (spec §12.2, §12.3,
# §7.6, §7.8, §11.8): only the session's owner (another user gets 403); the
# reply is gone (404) after Close-Session and after Cancel-Session; a static
# reply URL is never touched; a published copy survives Cancel-Session.
# Back-end: 127.0.0.1:18797.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use BitsTest::Client;
use BitsTest::Backend;

my $PORT  = 18797;
my @alice = (auth => [ 'alice', 'alice-secret' ]);
my @bob   = (auth => [ 'bob', 'bob-secret' ]);
for my $n (qw(nauth nreply nstaticfiles2)) { reset_scenario($n) }

ok(-f t_dir() . '/state/bits-htpasswd', 'htpasswd file of the suite (t/run-itest.sh) exists')
    or diag('run the suite through t/run-itest.sh first');
ok(port_is_free($PORT), "back-end port 127.0.0.1:$PORT is free")
    or BAIL_OUT("127.0.0.1:$PORT is in use");
my $be = BitsTest::Backend->start(port => $PORT);

# --- only the owner fetches the reply ------------------------------------------------
my $rep = random_bytes(8000);
$be->script(status => 200, body => $rep);
my $data = random_bytes(6000);
my $u = upload_file('/nauth/a.bin', $data, 4096, create_opt => { @alice }, opt => { @alice });
my $a = $u->{acks}[-1];
app_ack_is($a, 200, undef, undef, 'alice uploads (type 2, Basic auth)');
my $rurl = $a->header('BITS-Reply-URL') // base_url() . '/none';
is($rurl, reply_url_for('/nauth/a.bin', $u->{sid}), 'reply URL');
is(($be->requests)[0]{body_sha256}, sha256_hex($data), 'application received alice\'s upload');
ok(!exists ${ ($be->requests)[0]{headers} }{authorization}, 'no user credentials are forwarded to the application');

my $ga = get_reply($rurl, @alice);
is($ga->code, 200, 'alice GETs her reply: 200');
is(sha256_hex($ga->content), sha256_hex($rep), 'alice: reply content');
is(get_reply($rurl, @alice, range => 'bytes=10-19')->code, 206, 'alice: ranged GET 206');
is(get_reply($rurl, @alice, method => 'HEAD')->header('Content-Length'), 8000, 'alice: HEAD Content-Length');
my $gb = get_reply($rurl, @bob);
is($gb->code, 403, 'bob GETs alice\'s reply: 403');
ok(index($gb->content, $rep) < 0, 'bob: no reply bytes in the 403');
is(get_reply($rurl, @bob, method => 'HEAD')->code, 403, 'bob HEADs alice\'s reply: 403');
is(get_reply($rurl, @bob, range => 'bytes=0-99')->code, 403, 'bob ranged GET: 403');
is(get_reply($rurl)->code, 401, 'anonymous GET: 401 challenge');
is(get_reply($rurl, auth => [ 'alice', 'wrong' ])->code, 401, 'wrong password: 401');

ack_is(close_session('/nauth/a.bin', $u->{sid}, @alice), 200, undef, 'alice closes her session');
is(get_reply($rurl, @alice)->code, 404, 'alice: reply gone after Close-Session (404)');
is(get_reply($rurl, @bob)->code, 404, 'bob: 404 after Close-Session as well');

# --- anonymous owner: an authenticated user is another user -------------------------
# (in a location without authentication every request is anonymous, so the
# case here is the reverse: bob's reply fetched by alice)
$be->script(status => 200, body => 'bob reply');
my $ub = upload_file('/nauth/b.bin', 'b' x 100, 4096, create_opt => { @bob }, opt => { @bob });
my $burl = $ub->{acks}[-1]->header('BITS-Reply-URL') // base_url() . '/none';
is(get_reply($burl, @bob)->content, 'bob reply', 'bob fetches his reply');
is(get_reply($burl, @alice)->code, 403, 'alice fetches bob\'s reply: 403');
cancel_session('/nauth/b.bin', $ub->{sid}, @bob);

# --- reply after Cancel-Session ------------------------------------------------------------
$be->clear;
my $rep2 = random_bytes(4000);
$be->script(status => 200, reply_file => $rep2, headers => [ 'BITS-Copy-File-To-Destination' => '1' ]);
my $d2 = random_bytes(5000);
my $u2 = upload_file('/nreply/c.bin', $d2, 4096);
my $r2 = $u2->{acks}[-1]->header('BITS-Reply-URL') // base_url() . '/none';
is(sha256_hex(get_reply($r2)->content), sha256_hex($rep2), 'anonymous owner fetches the reply (type 1)');
ack_is(cancel_session('/nreply/c.bin', $u2->{sid}), 200, undef, 'Cancel-Session after completion');
is(get_reply($r2)->code, 404, 'reply gone after Cancel-Session (404)');
ok(!-e session_root('nreply') . "/Replies/$u2->{sid}/responsefile.bin", 'reply file deleted at Cancel-Session');
is(sha256_file(htdocs('nreply/c.bin')), sha256_hex($d2), 'the published copy stays after Cancel-Session');
ack_is(cancel_session('/nreply/c.bin', $u2->{sid}), 200, undef, 'Cancel-Session resent');
is($be->count, 1, 'Cancel-Session does not notify');

# reply after Close-Session (anonymous)
$be->script(status => 200, reply_file => 'bye');
my $u3 = upload_file('/nreply/d.bin', 'd' x 10, 4096);
my $r3 = $u3->{acks}[-1]->header('BITS-Reply-URL') // base_url() . '/none';
is(get_reply($r3)->content, 'bye', 'reply before Close-Session');
ack_is(close_session('/nreply/d.bin', $u3->{sid}), 200, undef, 'Close-Session');
is(get_reply($r3)->code, 404, 'reply gone after Close-Session (404)');
is(get_reply($r3, method => 'HEAD')->code, 404, 'HEAD after Close-Session: 404');

# a reply URL with an unknown or malformed id
(my $unknown = $r3) =~ s/%7B[0-9A-F-]+%7D/%7B00000000-0000-0000-0000-000000000000%7D/;
is(get_reply($unknown)->code, 404, 'reply URL of an unknown session: 404');
(my $malformed = $r3) =~ s/%7B[0-9A-F-]+%7D/%7Bnot-a-guid%7D/;
is(get_reply($malformed)->code, 404, 'reply URL with a malformed id: 404');

# --- a static reply is never touched -------------------------------------------------------
{ open my $fh, '>', htdocs('nstaticfiles2/s.txt') or die $!; print $fh 'static'; close $fh }
my $static = base_url() . '/nstaticfiles2/s.txt';
$be->script(status => 200, headers => [ 'BITS-Static-Response-URL' => $static ]);
my $u4 = upload_file('/nreply/e.bin', 'e' x 10, 4096);
is($u4->{acks}[-1]->header('BITS-Reply-URL'), $static, 'static reply URL');
ack_is(cancel_session('/nreply/e.bin', $u4->{sid}), 200, undef, 'Cancel-Session (static reply)');
is(get_reply($static)->content, 'static', 'static reply untouched by Cancel-Session');
ok(-f htdocs('nstaticfiles2/s.txt'), 'static reply file still exists');

$be->stop;
done_testing();
