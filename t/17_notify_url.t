# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# Issue #3, the notification URL (spec §11.2): relative URLs resolved
# against the upload URL (RFC 3986), the upload's query string appended
# ('?' or '&'); and the directives' values checked at configuration time.
# The relative URLs resolve to the test server itself, whose mod_proxy
# (t/conf/notify.conf.in) forwards them to the back-end on 127.0.0.1:18792;
# the back-end records the path and query it was asked for.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use BitsTest::Client;
use BitsTest::Backend;

my $PORT = 18792;
reset_scenario('nrel', 'sub');
for my $n (qw(nrelabs nrelsib nabsq)) { reset_scenario($n) }
my $server = '127.0.0.1:' . Apache::Test::vars('port');

ok(port_is_free($PORT), "back-end port 127.0.0.1:$PORT is free")
    or BAIL_OUT("127.0.0.1:$PORT is in use");
my $be = BitsTest::Backend->start(port => $PORT);

# Uploads $data to $path (the URL as the client addresses it) and returns
# (final Ack, sid, the one request the back-end saw).
sub notify_case {
    my ($path, $data, $name) = @_;
    $be->clear;
    my $u = upload_file($path, $data, 4096);
    my $a = $u->{acks}[-1];
    app_ack_is($a, 200, undef, undef, "$name: final fragment");
    my @r = $be->requests;
    is(scalar @r, 1, "$name: one notification");
    return ($a, $u->{sid}, $r[0] || { headers => {} });
}

# --- relative path with dot segments and its own query: '&' join ------------
my $rep = random_bytes(4321);
$be->script(status => 200, body => $rep);
my $d1 = random_bytes(9000);
my ($a1, $sid1, $q1) = notify_case('/nrel/sub/r1.bin?acct=42', $d1, '../../nrelapp/hook?tag=rel');
is($q1->{uri}, '/nrelapp/hook?tag=rel&acct=42',
   'relative URL resolved against the upload URL, upload query joined with &');
is($q1->{headers}{'x-forwarded-host'}, $server, 'the notification went to the upload\'s own server');
is($q1->{headers}{'bits-original-request-url'}, "http://$server/nrel/sub/r1.bin?acct=42",
   'BITS-Original-Request-URL with the query');
is($q1->{headers}{'bits-session-id'}, $sid1, 'BITS-Session-Id');
is($q1->{body_sha256}, sha256_hex($d1), 'type 2 body intact through the relative URL');
my $ru1 = $a1->header('BITS-Reply-URL');
is($ru1, reply_url_for('/nrel/sub/r1.bin', $sid1),
   'reply URL: directory of the upload (a subdirectory), query dropped');
my $g1 = get_reply($ru1 // base_url() . '/none');
is($g1->code, 200, 'reply in a subdirectory of the location is downloadable');
is(sha256_hex($g1->content), sha256_hex($rep), 'reply in a subdirectory: content');
ack_is(close_session('/nrel/sub/r1.bin?acct=42', $sid1), 200, undef, 'Close-Session');

# --- absolute-path reference, no query of its own: '?' join (type 1) ----------
$be->script(status => 200, reply_file => 'ok');
my $d2 = random_bytes(5000);
my ($a2, $sid2, $q2) = notify_case('/nrelabs/r2.bin?acct=7&b=2', $d2, '/nrelapp/plain');
is($q2->{uri}, '/nrelapp/plain?acct=7&b=2', 'absolute-path URL, upload query appended with ?');
is($q2->{headers}{'x-forwarded-host'}, $server, 'absolute-path URL: same server as the upload');
is($q2->{reqfile}{sha256}, sha256_hex($d2), 'type 1 through a relative URL: request file intact');
is(get_reply($a2->header('BITS-Reply-URL') // base_url() . '/none')->content, 'ok', 'type 1 reply via relative URL');
close_session('/nrelabs/r2.bin?acct=7&b=2', $sid2);

# --- a sibling of the upload (the IIS example 'myasp.asp'), no query ------------
$be->script(status => 200, body => 'sib');
my ($a3, $sid3, $q3) = notify_case('/nrelsib/r3.bin', random_bytes(100), 'hook.app');
is($q3->{uri}, '/nrelsib/hook.app', 'sibling URL resolved next to the upload, nothing appended');
is($q3->{headers}{'x-forwarded-host'}, $server, 'sibling URL: same server');
close_session('/nrelsib/r3.bin', $sid3);

# --- absolute URL with its own query ---------------------------------------------
my ($a4, $sid4, $q4) = notify_case('/nabsq/r4.bin?acct=9', random_bytes(100), 'absolute ?fixed=1');
is($q4->{uri}, '/abs?fixed=1&acct=9', 'absolute URL with a query: upload query joined with &');
ok(!exists $q4->{headers}{'x-forwarded-host'}, 'absolute URL: sent directly to the back-end');
close_session('/nabsq/r4.bin?acct=9', $sid4);
my ($a5, $sid5, $q5) = notify_case('/nabsq/r5.bin', random_bytes(100), 'absolute, no upload query');
is($q5->{uri}, '/abs?fixed=1', 'no upload query: the URL is used as configured');
close_session('/nabsq/r5.bin', $sid5);

$be->stop;

# --- directive values (httpd -t on a stand-alone configuration) ---------------------
for my $good ("BITSServerNotificationType 0",
              "BITSServerNotificationType 1\nBITSServerNotificationURL http://127.0.0.1:1/a",
              "BITSServerNotificationType 2\nBITSServerNotificationURL https://app.example.org/a?b=c",
              "BITSServerNotificationType 2\nBITSServerNotificationURL notify.cgi",
              "BITSServerNotificationType 2\nBITSServerNotificationURL /app/notify",
              "BITSNotificationTimeout 1", "BITSNotificationTimeout 300") {
    my ($rc, $out) = config_test($good);
    (my $n = $good) =~ s/\n/; /g;
    is($rc, 0, "valid: $n") or diag($out);
}
for my $bad ("BITSServerNotificationType 3", "BITSServerNotificationType -1",
             "BITSServerNotificationType one", "BITSServerNotificationType 1x",
             "BITSServerNotificationURL ftp://app.example.org/x",
             "BITSServerNotificationURL \"\"",
             "BITSServerNotificationURL \"http://a b/\"",
             "BITSNotificationTimeout abc", "BITSNotificationTimeout -5") {
    my ($rc, $out) = config_test($bad);
    isnt($rc, 0, "invalid value refused: $bad") or diag($out);
}

done_testing();
