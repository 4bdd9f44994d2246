# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# BITS per virtual host (issue 7).  A private httpd (t/lib/BitsTest/Node.pm)
# with four name-based vhosts on one 127.0.0.1 port:
#   a.test  BITSUploadEnabled On at vhost level: uploads land in its
#           DocumentRoot, default store; <Location /off> switches a part
#           off; <Location /n> notifies app A (18810); an Alias outside
#           the DocumentRoot is no upload target, unless a <Directory>
#           enables it; BITSHostId is a ServerAlias of its own.
#   b.test  no BITS directive: BITS_POST is not BITS there; it can reach
#           the stores of a.test and c.test only through an Alias and a
#           symlink, which must answer 404.
#   c.test  On, BITSSessionDirectory outside the tree, notifies app C
#           (18811), BITSHostId c.test.
#   d.test  the same DocumentRoot and store as c.test (an operator's
#           shortcut): sessions still belong to the vhost that made them.
#   va.test mod_vhost_alias: each *.va.test name has its own DocumentRoot.
# and an address-based vhost on a second port (127.0.0.1:$Q).
# Startup warnings (a global On, a BITSHostId naming another host) are
# checked with `httpd -t` on separate configurations.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use BitsTest::Client;
use BitsTest::Backend;
use BitsTest::Node qw(free_port start_node);
use File::Path qw(make_path);

my ($PORT_A, $PORT_C) = (18810, 18811);
for ($PORT_A, $PORT_C) {
    ok(port_is_free($_), "back-end port 127.0.0.1:$_ is free")
        or BAIL_OUT("127.0.0.1:$_ is in use");
}

my $top   = reset_scenario('vhost', qw(a a/n a/off b c c/globaloff outside enabled-outside
                                       store-c va/x va/y q));
my ($da, $db, $dc) = ("$top/a", "$top/b", "$top/c");
my ($outside, $enabled_out, $store_c) = ("$top/outside", "$top/enabled-outside",
                                          "$top/store-c");
symlink("$da/BITS-Sessions", "$db/link-a") or die "symlink: $!";
my $P = free_port();
my $Q = free_port();     # an address-based vhost: its own port
my %opt = (modules => ['vhost_alias'], ping => "http://127.0.0.1:$P/ping.bin");
my $node = start_node('vhost', <<"CONF", %opt);
Listen 127.0.0.1:$P
Listen 127.0.0.1:$Q
<Directory "$top">
    Require all granted
    Options FollowSymLinks
</Directory>
# A global section is merged after the vhost level and overrides it.
<Directory "$dc/globaloff">
    BITSUploadEnabled Off
</Directory>
<VirtualHost 127.0.0.1:$P>
    ServerName a.test
    ServerAlias node1.a.test
    DocumentRoot "$da"
    BITSUploadEnabled On
    BITSHostId node1.a.test
    BITSHostIdFallbackTimeout 600
    Alias /outside "$outside"
    Alias /enabled-outside "$enabled_out"
    <Directory "$enabled_out">
        BITSUploadEnabled On
    </Directory>
    <Location /off>
        BITSUploadEnabled Off
    </Location>
    <Location /n>
        BITSServerNotificationType 2
        BITSServerNotificationURL http://127.0.0.1:$PORT_A/app/a
    </Location>
</VirtualHost>
<VirtualHost 127.0.0.1:$P>
    ServerName b.test
    DocumentRoot "$db"
    Alias /peek-c "$store_c"
</VirtualHost>
<VirtualHost 127.0.0.1:$P>
    ServerName c.test
    DocumentRoot "$dc"
    BITSUploadEnabled On
    BITSSessionDirectory "$store_c"
    BITSHostId c.test
    BITSServerNotificationType 2
    BITSServerNotificationURL http://127.0.0.1:$PORT_C/app/c
</VirtualHost>
<VirtualHost 127.0.0.1:$P>
    ServerName d.test
    DocumentRoot "$dc"
    BITSUploadEnabled On
    BITSSessionDirectory "$store_c"
</VirtualHost>
<VirtualHost 127.0.0.1:$Q>
    ServerName 127.0.0.1
    DocumentRoot "$top/q"
    BITSUploadEnabled On
    BITSHostId 127.0.0.1
</VirtualHost>
<VirtualHost 127.0.0.1:$P>
    ServerName va.test
    ServerAlias *.va.test
    VirtualDocumentRoot "$top/va/%1"
    BITSUploadEnabled On
</VirtualHost>
CONF

my $be_a = BitsTest::Backend->start(port => $PORT_A);
my $be_c = BitsTest::Backend->start(port => $PORT_C);

sub at   { my ($path) = @_; "http://127.0.0.1:$P$path" }
sub host { my ($h) = @_; (headers => [ Host => "$h:$P" ]) }

# --- a.test: enabled at vhost level, uploads land in its DocumentRoot ----------
my $data = random_bytes(70000);
my $up = upload_file(at('/one.bin'), $data, 30000,
                     create_opt => { host('a.test') }, opt => { host('a.test') });
ok($up->{ok}, 'a.test: an upload to the DocumentRoot succeeds');
is(sha256_file("$da/one.bin"), sha256_hex($data), 'a.test: published in its DocumentRoot (sha256)');
ok(-f state_file("$da/BITS-Sessions", $up->{sid}), 'a.test: the session lives in <DocumentRoot>/BITS-Sessions');
is($up->{create}->header('BITS-Host-Id'), 'node1.a.test', 'a.test: its own BITSHostId');
is($up->{create}->header('BITS-Host-Id-Fallback-Timeout'), 600, 'a.test: its own fallback timeout');
my $st = read_state("$da/BITS-Sessions", $up->{sid}) || {};
is($st->{vhost}, 'a.test', 'the session record names the vhost that created it');

# The pinned name (a ServerAlias) is the same vhost: the session continues there.
my $c = create_session(at('/pinned.bin'), host('a.test'));
my $sid_a = sid_of($c);
my $r = fragment(at('/pinned.bin'), $sid_a, 'abc', 0, 6, host('node1.a.test'));
ack_is($r, 200, undef, 'a.test: a fragment through the pinned ServerAlias');

# --- a <Location> with BITSUploadEnabled Off inside the enabled vhost ----------
my $before = tree_snapshot($da);
$r = create_session(at('/off/x.bin'), host('a.test'));
ack_is($r, 501, E_ACCESSDENIED, 'a.test <Location /off> Off: Create-Session');
is(tree_snapshot($da), $before, 'a.test /off: nothing changed on disk');

# --- an Alias outside the DocumentRoot is no upload target ---------------------
$before = tree_snapshot($outside);
$r = create_session(at('/outside/x.bin'), host('a.test'));
ack_is($r, 403, E_ACCESSDENIED, 'a.test: an Alias outside the DocumentRoot is refused');
is(tree_snapshot($outside), $before, 'a.test /outside: nothing written there');
ok(!-e "$outside/BITS-Sessions", 'a.test /outside: no store there');
# ... unless a section enables it there.
my $d2 = random_bytes(1000);
$up = upload_file(at('/enabled-outside/two.bin'), $d2, 1000,
                  create_opt => { host('a.test') }, opt => { host('a.test') });
ok($up->{ok}, 'a.test: an Alias a <Directory> enables is an upload target');
is(sha256_file("$enabled_out/two.bin"), sha256_hex($d2), '... published there');

# --- b.test: not enabled: BITS_POST is not BITS there ---------------------------
$before = tree_snapshot($db);
$r = create_session(at('/x.bin'), host('b.test'));
# What the Apache::Test server answers where no BITS directive reaches (its
# scenario directory vhost/b is configured nowhere): httpd's own refusal,
# turned into an Ack as for every BITS_POST.
my $plain = create_session('/vhost/b/x.bin');
isnt($plain->code, 200, 'a location without BITS refuses Create-Session (' . $plain->code . ')');
is($r->code, $plain->code, 'b.test answers as a non-BITS location does');
is(scalar $r->header('BITS-Error-Code'), scalar $plain->header('BITS-Error-Code'),
   'b.test: the same BITS-Error-Code');
ok(!defined $r->header('BITS-Session-Id'), 'b.test: no session id');
is(tree_snapshot($db), $before, 'b.test: nothing changed on disk');
# a session of a.test is not known on b.test
$r = fragment(at('/pinned.bin'), $sid_a, 'def', 3, 6, host('b.test'));
ok(!defined $r->header('BITS-Received-Content-Range'), 'b.test: a.test session id not continued');

# --- c.test: its own store, host id and application ----------------------------
my $d3 = random_bytes(5000);
$up = upload_file(at('/three.bin'), $d3, 5000,
                  create_opt => { host('c.test') }, opt => { host('c.test') });
ok($up->{ok}, 'c.test: upload (type 2) succeeds');
my $sid_c = $up->{sid};
is($up->{create}->header('BITS-Host-Id'), 'c.test', 'c.test: its own BITSHostId');
ok(-f state_file($store_c, $sid_c), 'c.test: the session lives in its BITSSessionDirectory');
ok(!-e "$dc/BITS-Sessions", 'c.test: no default store in its DocumentRoot');
my @rc = $be_c->requests;
is(scalar @rc, 1, 'c.test: one notification to app C');
is($rc[0] && $rc[0]{uri}, '/app/c', 'c.test: to its own URL');
like($rc[0] && $rc[0]{headers}{'bits-original-request-url'}, qr{^http://c\.test:$P/three\.bin$},
     'c.test: the original URL names c.test');
is($rc[0] && $rc[0]{body_sha256}, sha256_hex($d3), 'c.test: app C got the upload');

# a.test /n: its own application
my $d4 = random_bytes(3000);
$up = upload_file(at('/n/four.bin'), $d4, 3000,
                  create_opt => { host('a.test') }, opt => { host('a.test') });
ok($up->{ok}, 'a.test /n: upload (type 2) succeeds');
my @ra = $be_a->requests;
is(scalar @ra, 1, 'a.test /n: one notification to app A');
is($ra[0] && $ra[0]{uri}, '/app/a', 'a.test /n: to its own URL');
like($ra[0] && $ra[0]{headers}{'bits-original-request-url'}, qr{^http://a\.test:$P/n/four\.bin$},
     'a.test /n: the original URL names a.test');
is(scalar($be_c->requests), 1, 'app C got nothing more');

# --- session ids replayed across vhosts ----------------------------------------
$c = create_session(at('/five.bin'), host('c.test'));
my $sid5 = sid_of($c);
ok($sid5, 'c.test: a second session');
# (A refused packet may leave the session's empty lock file behind.)
sub store_snapshot { join "\n", grep { !m{/lock$} } split /\n/, tree_snapshot($_[0]) }
$before = store_snapshot($store_c);
$r = fragment(at('/five.bin'), $sid5, 'xyz', 0, 3, host('a.test'));
ack_is($r, 500, E_SESSION_NOT_FOUND, 'c.test session sent to a.test (other store)');
$r = fragment(at('/five.bin'), $sid5, 'xyz', 0, 3, host('d.test'));
ack_is($r, 500, E_SESSION_NOT_FOUND, 'c.test session sent to d.test (same store and directory)');
$r = close_session(at('/five.bin'), $sid5, host('d.test'));
ack_is($r, 500, E_SESSION_NOT_FOUND, 'c.test session closed through d.test');
$r = cancel_session(at('/five.bin'), $sid5, host('d.test'));
ack_is($r, 500, E_SESSION_NOT_FOUND, 'c.test session cancelled through d.test');
is(store_snapshot($store_c), $before, 'the refused replays changed nothing in the store');
ok(!-e "$dc/five.bin", 'nothing published');
$r = fragment(at('/pinned.bin'), $sid_a, 'def', 3, 6, host('c.test'));
ack_is($r, 500, E_SESSION_NOT_FOUND, 'a.test session sent to c.test');
$r = fragment(at('/five.bin'), $sid5, 'xyz', 0, 3, host('c.test'));
ack_is($r, 200, undef, 'the session still continues on c.test');

# --- a global <Directory> overrides the vhost level ----------------------------
$r = create_session(at('/globaloff/x.bin'), host('c.test'));
ack_is($r, 501, E_ACCESSDENIED, 'c.test: a global <Directory> with Off overrides the vhost level');

# --- mod_vhost_alias: the DocumentRoot is read per request ---------------------
my $d6 = random_bytes(2000);
$up = upload_file(at('/six.bin'), $d6, 2000,
                  create_opt => { host('x.va.test') }, opt => { host('x.va.test') });
ok($up->{ok}, 'x.va.test: upload succeeds');
is(sha256_file("$top/va/x/six.bin"), sha256_hex($d6), 'x.va.test: published in its VirtualDocumentRoot');
ok(-f state_file("$top/va/x/BITS-Sessions", $up->{sid}), 'x.va.test: its store is <VirtualDocumentRoot>/BITS-Sessions');
ok(!-e "$top/va/y/six.bin", 'nothing in y.va.test');
$c = create_session(at('/seven.bin'), host('x.va.test'));
$r = fragment(at('/seven.bin'), sid_of($c), 'abc', 0, 3, host('y.va.test'));
ack_is($r, 500, E_SESSION_NOT_FOUND, 'a session of x.va.test is unknown to y.va.test (another store)');

# --- an address-based vhost on its own port -----------------------------------
my $d8 = random_bytes(4000);
my $q_url = "http://127.0.0.1:$Q/eight.bin";
$up = upload_file($q_url, $d8, 4000);
ok($up->{ok}, 'address-based vhost: upload succeeds');
is(sha256_file("$top/q/eight.bin"), sha256_hex($d8), 'address-based vhost: published in its DocumentRoot');
ok(!-e "$da/eight.bin" && !-e "$dc/eight.bin", '... and nowhere else');
is($up->{create}->header('BITS-Host-Id'), '127.0.0.1', 'address-based vhost: its own BITSHostId');
$r = fragment($q_url, $sid_a, 'def', 3, 6);
ack_is($r, 500, E_SESSION_NOT_FOUND, 'a.test session sent to the address-based vhost');
$c = create_session("http://127.0.0.1:$Q/nine.bin");
$r = fragment(at('/nine.bin'), sid_of($c), 'abc', 0, 3, host('a.test'));
ack_is($r, 500, E_SESSION_NOT_FOUND, 'a session of the address-based vhost sent to a.test');

# --- stores are not served by another vhost ------------------------------------
$r = ua()->get(at("/peek-c/Requests/$sid5/state"), Host => "b.test:$P");
is($r->code, 404, "b.test: c.test's BITSSessionDirectory through an Alias: 404");
$r = ua()->get(at("/link-a/Requests/$sid_a/state"), Host => "b.test:$P");
is($r->code, 404, "b.test: a.test's default store through a symlink: 404");
$r = ua()->get(at("/BITS-Sessions/Requests/$sid_a/state"), Host => "a.test:$P");
is($r->code, 404, 'a.test: its own store: 404');
$r = ua()->get(at('/one.bin'), Host => "a.test:$P");
is($r->code, 200, 'a.test: a published upload is served (the check bites only stores)');

my $log = file_bytes("$node/logs/error_log") // '';
unlike($log, qr/BITSHostId \S+ \(.*is not the ServerName/, 'no BITSHostId warning: each names its vhost');
unlike($log, qr/server-level BITSUploadEnabled On/, 'no global-On warning');

# --- startup warnings (httpd -t) -----------------------------------------------
my $scratch = config_test_dir();
make_path("$scratch/w$_") for 1 .. 4;
my ($rc, $out) = config_test(<<"CONF", raw => 1);
BITSUploadEnabled On
<VirtualHost 127.0.0.1:9>
    ServerName w1.test
    DocumentRoot "$scratch/w1"
</VirtualHost>
<VirtualHost 127.0.0.1:9>
    ServerName w2.test
    DocumentRoot "$scratch/w2"
    BITSUploadEnabled Off
</VirtualHost>
<VirtualHost 127.0.0.1:9>
    ServerName w3.test
    ServerAlias *.w3.test
    DocumentRoot "$scratch/w3"
    BITSHostId elsewhere.test
    <Location /x>
        BITSHostId node1.w3.test
    </Location>
    <Location /y>
        BITSHostId w4.test
    </Location>
</VirtualHost>
<VirtualHost 127.0.0.1:9>
    ServerName w4.test
    DocumentRoot "$scratch/w4"
    BITSUploadEnabled On
    <Directory "$scratch/w4">
        Options +ExecCGI
    </Directory>
</VirtualHost>
CONF
is($rc, 0, 'httpd -t accepts BITS directives at server and vhost level') or diag($out);
like($out, qr/server-level BITSUploadEnabled On .*DocumentRoot \Q$scratch\E\/w1 of the virtual host w1\.test/,
     'a global On warns for w1.test, which it enables');
like($out, qr/server-level BITSUploadEnabled On .*w3\.test/, '... and for w3.test');
unlike($out, qr/server-level BITSUploadEnabled On .*virtual host w2\.test/, 'not for w2.test (Off)');
unlike($out, qr/server-level BITSUploadEnabled On .*virtual host w4\.test/, 'not for w4.test (its own On)');
like($out, qr/BITSHostId elsewhere\.test .*virtual host w3\.test/, 'BITSHostId naming another host warns');
like($out, qr/BITSHostId w4\.test .*virtual host w3\.test/, 'also in a <Location> of the vhost');
unlike($out, qr/BITSHostId node1\.w3\.test/, 'a name a ServerAlias wildcard covers does not warn');
like($out, qr/<DocumentRoot \Q$scratch\E\/w4> .*Options ExecCGI/,
     'a vhost-level On whose DocumentRoot has ExecCGI warns');

# --- the README gives every directive its contexts -------------------------------
open my $rm, '<', t_dir() . '/../README.md' or die "README.md: $!";
my $readme = do { local $/; <$rm> };
close $rm;
my ($dirs) = $readme =~ /^## Directives\n(.*?)^## /ms;
my @sections = grep { /^BITS/ } split /^### /m, $dirs // '';
ok(@sections >= 15, 'README: directive sections found (' . scalar(@sections) . ')');
for my $sec (@sections) {
    my ($name) = $sec =~ /^(\S+)/;
    like($sec, qr/Context: server config/, "README: $name gives its contexts");
}

($rc, $out) = config_test(<<"CONF", raw => 1);
<LocationMatch "^/up">
    BITSUploadEnabled On
</LocationMatch>
CONF
isnt($rc, 0, 'BITSUploadEnabled in a <LocationMatch> is still refused');
like($out, qr/server or virtual host level/, '... naming the places it may be written');

$be_a->stop;
$be_c->stop;
done_testing();
