# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# Directive behaviour: BITSUploadEnabled Off (row 1, 501), BITSHostId /
# BITSHostIdFallbackTimeout (§10), BITSAllowOverwrites On, inheritance
# into subdirectories, a <Location>-configured location, a configured
# BITSSessionDirectory, and GET/HEAD of BITS-Sessions -> 404.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use BitsTest::Client;


for my $n (qw(off hostid hostiddef overwrite locdir custom)) { reset_scenario($n) }
reset_scenario('inherit', 'child/grand', 'off');
File::Path::remove_tree(t_dir() . '/state/custom-sessions', { keep_root => 1 });

# --- row 1: uploads disabled --------------------------------------------------
ack_is(ping('/off/x.bin'), 501, E_ACCESSDENIED, 'Ping where BITSUploadEnabled Off');
my $r = create_session('/off/x.bin');
ack_is($r, 501, E_ACCESSDENIED, 'Create-Session where BITSUploadEnabled Off');
ok(t_cmp(defined sid_of($r) ? 1 : 0, 0, 'off no sid'), 'no session id where uploads are disabled');
ack_is(fragment('/off/x.bin', '{00000000-0000-4000-8000-000000000000}', 'x', 0, 1), 501, E_ACCESSDENIED,
       'Fragment where BITSUploadEnabled Off');
ok(t_cmp(tree_snapshot(htdocs('off')), htdocs('off'), 'off dir untouched'), 'nothing created where uploads are disabled');

# --- §10 BITS-Host-Id -------------------------------------------------------------
$r = create_session('/hostid/a.bin');
ack_is($r, 200, undef, 'Create-Session with BITSHostId');
ok(t_cmp($r->header('BITS-Host-Id'), 'bits-node1.example.org', 'host id'), 'BITS-Host-Id is the configured name');
ok(t_cmp($r->header('BITS-Host-Id-Fallback-Timeout'), 3600, 'fallback'), 'BITS-Host-Id-Fallback-Timeout: 3600');
my $hsid = sid_of($r);
# later packets may carry the pinned host name (§10: accept any Host)
my $d = random_bytes(1000);
$r = fragment('/hostid/a.bin', $hsid, $d, 0, 1000, headers => ['Host' => 'bits-node1.example.org:' . Apache::Test::vars('port')]);
ack_is($r, 200, undef, 'Fragment addressed to the pinned host name');
ok(t_cmp(sha256_file(htdocs('hostid/a.bin')), sha256_hex($d), 'pinned upload'), 'upload via the pinned host completes');
$r = ping('/hostid/a.bin');
ok(t_cmp(defined $r->header('BITS-Host-Id') ? 1 : 0, 0, 'ping no host id'), 'Ping Ack carries no BITS-Host-Id');
$r = create_session('/hostid/b.bin', protocols => undef);
ok(t_cmp(defined $r->header('BITS-Host-Id') ? 1 : 0, 0, 'failed create no host id'),
   'failed Create-Session carries no BITS-Host-Id');

$r = create_session('/hostiddef/a.bin');
ack_is($r, 200, undef, 'Create-Session with BITSHostId and default fallback');
ok(t_cmp($r->header('BITS-Host-Id'), '127.0.0.1', 'ip host id'), 'BITS-Host-Id can be an IP literal');
ok(t_cmp($r->header('BITS-Host-Id-Fallback-Timeout'), 86400, 'default fallback'),
   'default BITS-Host-Id-Fallback-Timeout is 86400');


# --- BITSAllowOverwrites On -------------------------------------------------------
write_file(htdocs('overwrite/exists.bin'), "old content\n");
my $new = random_bytes(2000);
my $u = upload_file('/overwrite/exists.bin', $new, 1000);
ack_is($u->{create}, 200, undef, 'Create-Session on an existing file with overwrites on');
ok(t_cmp($u->{ok}, 1, 'overwrite upload'), 'upload over an existing file completes');
ok(t_cmp(sha256_file(htdocs('overwrite/exists.bin')), sha256_hex($new), 'overwritten'),
   'the existing file was replaced');
# appears between Create and completion: replaced too
my $sid = sid_of(create_session('/overwrite/late.bin'));
write_file(htdocs('overwrite/late.bin'), "late\n");
$r = fragment('/overwrite/late.bin', $sid, $new, 0, 2000);
ack_is($r, 200, undef, 'completion over a file that appeared meanwhile (overwrites on)');
ok(t_cmp(sha256_file(htdocs('overwrite/late.bin')), sha256_hex($new), 'late overwritten'),
   'the file that appeared meanwhile was replaced');

# --- inheritance --------------------------------------------------------------------
# parent: On, max 1000, overwrites On; child: + BITSHostId; grand: nothing; off: Off
$r = create_session('/inherit/child/a.bin');
ack_is($r, 200, undef, 'Create-Session in a subdirectory that inherits BITSUploadEnabled');
ok(t_cmp($r->header('BITS-Host-Id'), 'child.example.org', 'child host id'), 'the subdirectory adds its BITSHostId');
ok(t_cmp($r->header('BITS-Host-Id-Fallback-Timeout'), 86400, 'child fallback'), 'with the default fallback timeout');
ack_is(fragment('/inherit/child/a.bin', sid_of($r), 'x' x 10, 0, 1001), 500, E_TOO_LARGE,
       'inherited BITSMaximumUploadSize 1000 applies in the subdirectory');
write_file(htdocs('inherit/child/over.bin'), "old\n");
$u = upload_file('/inherit/child/over.bin', 'n' x 1000, 600);
ok(t_cmp($u->{ok}, 1, 'inherited overwrite'), 'inherited BITSAllowOverwrites On applies in the subdirectory');
ok(t_cmp(file_bytes(htdocs('inherit/child/over.bin')), 'n' x 1000, 'inherited overwrite content'),
   'the existing file in the subdirectory was replaced');

$r = create_session('/inherit/child/grand/g.bin');
ack_is($r, 200, undef, 'Create-Session two levels below the BITS directory');
ok(t_cmp($r->header('BITS-Host-Id'), 'child.example.org', 'grand host id'), 'the grandchild inherits BITSHostId');
ack_is(fragment('/inherit/child/grand/g.bin', sid_of($r), 'x' x 10, 0, 5000), 500, E_TOO_LARGE,
       'the grandchild inherits BITSMaximumUploadSize');

$r = create_session('/inherit/top.bin');
ack_is($r, 200, undef, 'Create-Session in the parent directory');
ok(t_cmp(defined $r->header('BITS-Host-Id') ? 1 : 0, 0, 'parent no host id'),
   "the child's BITSHostId does not leak into the parent");
ack_is(ping('/inherit/off/x.bin'), 501, E_ACCESSDENIED, 'BITSUploadEnabled Off in a subdirectory of a BITS directory');
ack_is(create_session('/inherit/off/x.bin'), 501, E_ACCESSDENIED, 'Create-Session in the disabled subdirectory');

# --- <Location> --------------------------------------------------------------------
ack_is(ping('/loc-uploads/x.bin'), 200, undef, 'Ping in a <Location> BITS location');
my $ld = random_bytes(70_000);
$u = upload_file('/loc-uploads/loc.bin', $ld, 30_000);
ack_is($u->{create}, 200, undef, 'Create-Session in a <Location> BITS location');
ok(t_cmp($u->{ok}, 1, 'loc upload'), 'upload in a <Location> BITS location completes');
ok(t_cmp(sha256_file(htdocs('locdir/loc.bin')), sha256_hex($ld), 'loc published'),
   'the file is published in the aliased directory');
my $lroot = session_root('locdir');
ok(t_cmp(read_state($lroot, $u->{sid}) ? read_state($lroot, $u->{sid})->{state} : 'missing', 'DONE', 'loc state'),
   'the session lives in <aliased dir>/BITS-Sessions');
ack_is(create_session('/loc-uploads/nodir/x.bin'), 404, E_HTTP_404, '<Location>: parent directory missing');
ack_is(create_session('/loc-uploads'), 400, E_INVALIDARG, '<Location>: destination is the location directory itself');
ack_is(create_session('/loc-uploads/BITS-Sessions/x.bin'), 403, E_ACCESSDENIED, '<Location>: destination in BITS-Sessions');
$r = ua()->get(url("/loc-uploads/BITS-Sessions/Requests/$u->{sid}/state"));
ok(t_cmp($r->code, 404, 'loc GET state'), 'GET of the session state through the <Location> URL is 404');
ack_is(close_session('/loc-uploads/loc.bin', $u->{sid}), 200, undef, '<Location>: Close-Session');

# --- BITSSessionDirectory ----------------------------------------------------------
my $croot = t_dir() . '/state/custom-sessions';
my $cd = random_bytes(5000);
$u = upload_file('/custom/c.bin', $cd, 2000);
ok(t_cmp($u->{ok}, 1, 'custom upload'), 'upload with a configured BITSSessionDirectory completes');
ok(t_cmp(sha256_file(htdocs('custom/c.bin')), sha256_hex($cd), 'custom published'), 'published intact');
my $cs = read_state($croot, $u->{sid});
ok(t_cmp($cs ? $cs->{state} : 'missing', 'DONE', 'custom state'),
   'the session state lives in the configured BITSSessionDirectory');
ok(t_cmp(-e htdocs('custom/BITS-Sessions') ? 1 : 0, 0, 'no default store'),
   'no BITS-Sessions directory in the upload directory');
ack_is(close_session('/custom/c.bin', $u->{sid}), 200, undef, 'Close-Session with a configured session directory');
ok(t_cmp(read_state($croot, $u->{sid})->{state}, 'CLOSED', 'custom tombstone'), 'tombstone in the configured directory');

# --- GET / HEAD of BITS-Sessions -> 404 --------------------------------------------
my $s2 = create_session('/create/peek.bin');
my $psid = sid_of($s2);
fragment('/create/peek.bin', $psid, 'secret' x 10, 0, 100);
ok(t_cmp(-f session_dir(session_root('create'), $psid) . '/requestfile.bin' ? 1 : 0, 1, 'peek setup'),
   'a session with data exists');
for my $p ("/create/BITS-Sessions/", "/create/BITS-Sessions", "/create/BITS-Sessions/Requests/",
           "/create/BITS-Sessions/Requests/$psid/state",
           "/create/BITS-Sessions/Requests/$psid/requestfile.bin",
           "/create/BITS-Sessions/Requests/$psid/lock",
           "/create/BITS%2DSessions/Requests/$psid/state") {
    my $g = ua()->get(url($p));
    ok(t_cmp($g->code, 404, "GET $p"), "GET $p is 404");
    ok(t_cmp(index($g->content, 'secret') < 0 ? 1 : 0, 1, "GET $p no data"), "GET $p leaks no upload data");
    my $h = ua()->head(url($p));
    ok(t_cmp($h->code, 404, "HEAD $p"), "HEAD $p is 404");
}
cancel_session('/create/peek.bin', $psid);

done_testing();
