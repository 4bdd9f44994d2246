# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# Hostile input: path-like session ids, URL escapes (encoded and
# double-encoded dots, backslashes, control characters, %2f), symlinks
# (out of the location, as the destination, planted in a session
# directory), and an unusable request file (row 21, E_FAIL).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use BitsTest::Client;
use File::Temp qw(tempdir);
use File::Path qw(make_path);

reset_scenario('sec', 'sub');
reset_scenario('secover');
reset_scenario('outside');

my $S    = 'sec';
my $root = session_root($S);
my $out  = htdocs('outside');                      # inside htdocs, not a BITS location
make_path($out);
chmod 0777, $out;
my $tmp  = tempdir('bits-sec-XXXXXX', TMPDIR => 1, CLEANUP => 1);
chmod 0777, $tmp;

sub snapshot { join "\n", tree_snapshot(htdocs()), tree_snapshot(t_dir() . '/state'), tree_snapshot($tmp) }
sub no_file_named {
    my ($re, $msg) = @_;
    my @f = (find_files_named(t_dir(), $re), find_files_named($tmp, $re));
    ok(t_cmp("@f", '', $msg), $msg);
}

# --- path-like / foreign session ids -------------------------------------------
my $c = create_session("/$S/victim.bin");
ack_is($c, 200, undef, 'setup: a real session exists');
my $vsid = sid_of($c);
fragment("/$S/victim.bin", $vsid, 'v' x 10, 0, 100);
my $other = sid_of(create_session('/create/foreign-root.bin'));   # lives in another session root

my @ids = ('..', '.', '/', '../../../../etc/passwd', '..%2f..%2f..%2fetc', '%2f', '{..}',
           '{../../../../../../tmp}', "$vsid/..", "$vsid/../$vsid", "../Requests/$vsid",
           "..\\..\\", 'Requests', 'BITS-Sessions', "$vsid%00", "{$vsid}", $other);
my $before = snapshot();
for my $id (@ids) {
    ack_is(fragment("/$S/victim.bin", $id, 'x' x 10, 10, 100), 500, E_SESSION_NOT_FOUND, "Fragment with session id '$id'");
    ack_is(close_session("/$S/victim.bin", $id), 500, E_SESSION_NOT_FOUND, "Close-Session with session id '$id'");
    ack_is(cancel_session("/$S/victim.bin", $id), 500, E_SESSION_NOT_FOUND, "Cancel-Session with session id '$id'");
}
ok(t_cmp(snapshot(), $before, 'nothing changed'), 'path-like session ids created or removed nothing anywhere');
my $vs = read_state($root, $vsid);
ok(t_cmp($vs && "$vs->{state}/$vs->{received}", 'RECEIVING/10', 'victim intact'), 'the real session is intact');
ok(t_cmp(read_state(session_root('create'), $other)->{state}, 'RECEIVING', 'foreign session intact'),
   'the session of the other location was not cancelled');
cancel_session('/create/foreign-root.bin', $other);

# --- URL escapes ------------------------------------------------------------------
# encoded dots: Apache normalises them; the result must stay confined
$before = snapshot();
my $r = create_session("/$S/%2e%2e/%2e%2e/escape1.txt");
ok(t_cmp($r->code != 200 ? 1 : 0, 1, 'escape1'), "encoded ../../ leaving the location is not accepted (got " . $r->code . ')');
if ($r->code == 200) { fragment("/$S/%2e%2e/%2e%2e/escape1.txt", sid_of($r), 'e', 0, 1) }
no_file_named(qr/^escape1/, 'encoded dots: no escape1.txt anywhere');

my $d = random_bytes(500);
my $u = upload_file("/$S/sub/%2e%2e/inside.txt", $d, 500);
ok(t_cmp($u->{ok}, 1, 'dots inside'), 'sub/%2e%2e/inside.txt (stays inside) uploads');
ok(t_cmp(sha256_file(htdocs("$S/inside.txt")), sha256_hex($d), 'dots inside file'),
   'and is published at sec/inside.txt');

ack_is(create_session("/$S/%252e%252e/%252e%252e/escape2.txt"), 404, E_HTTP_404,
       'double-encoded dots are a literal (missing) directory name');
no_file_named(qr/^escape2/, 'double-encoded dots: no escape2.txt anywhere');
$u = upload_file("/$S/%252e%252e", 'dd', 2);
ok(t_cmp($u->{ok}, 1, 'literal %2e%2e'), 'a file literally named %2e%2e can be uploaded');
ok(t_cmp(file_bytes(htdocs("$S/%2e%2e")), 'dd', 'literal %2e%2e file'), 'it is published inside the location under that literal name');

ack_is(create_session("/$S/%c0%ae%c0%ae/escape6.txt"), 404, E_HTTP_404, 'overlong UTF-8 dots are a literal (missing) directory');

for my $p ("/$S/..%5c..%5cescape3.txt", "/$S/a%5cb.txt", "/$S/sub%5c..%5c..%5cescape3.txt") {
    ack_is(create_session($p), 403, E_ACCESSDENIED, "backslash in the name: $p");
}
no_file_named(qr/escape3|a\\b/, 'backslashes: nothing created');

$u = upload_file("/$S/..%255c..%255cescape4.txt", 'd4', 2);
ok(t_cmp($u->{ok}, 1, 'double-encoded backslash'), 'double-encoded backslashes are a literal, harmless name');
ok(t_cmp(file_bytes(htdocs("$S/..%5c..%5cescape4.txt")), 'd4', 'escape4 literal'),
   'published inside the location under the literal name');

for my $cc ('%01', '%0a', '%0d', '%09', '%1f', '%7f', '%1b') {
    my $p = "/$S/bad${cc}name.txt";
    ack_is(create_session($p), 403, E_ACCESSDENIED, "control character $cc in the name");
}
no_file_named(qr/^bad.name\.txt$/, 'control characters: nothing created');

for my $p ("/$S/a%2fb.txt", "/$S/..%2f..%2fescape5.txt", "/$S/sub%2f..%2f..%2fescape5.txt") {
    my $snap = snapshot();
    my $rr = create_session($p);
    ok(t_cmp($rr->code, 404, "encoded slash: $p"), "encoded slash is refused by Apache with 404: $p");
    ok(t_cmp(snapshot(), $snap, "encoded slash: $p: nothing created"), "encoded slash: nothing created ($p)");
}
{
    my $snap = snapshot();
    my $rr = create_session("/$S/nul%00.txt");
    ok(t_cmp($rr->code != 200 ? 1 : 0, 1, 'NUL'), 'an encoded NUL in the path is refused (' . $rr->code . ')');
    ok(t_cmp(snapshot(), $snap, 'NUL nothing created'), 'encoded NUL: nothing created');
}

# --- a name longer than the file system allows (Apache refuses it itself with
# --- 403 during its directory walk; on a BITS location that must be an Ack)
{
    my $long = 'L' x 300;
    ack_is(create_session("/$S/$long.bin"), 403, E_ACCESSDENIED, 'Create-Session with a 304-byte file name');
    ack_is(ping("/$S/$long.bin"), 403, E_ACCESSDENIED, 'Ping with a 304-byte file name');
    no_file_named(qr/^LLLL/, 'overlong name: nothing created');
    my $ok255 = 'M' x 251 . '.bin';
    my $u = upload_file("/$S/$ok255", 'm255', 4);
    ok(t_cmp($u->{ok}, 1, '255-byte name'), 'a 255-byte file name (the maximum) uploads');
    ok(t_cmp(file_bytes(htdocs("$S/$ok255")), 'm255', '255-byte name content'), 'and is published');
}

# --- symlinks ------------------------------------------------------------------
symlink($out, htdocs("$S/outlink")) or die "symlink: $!";
symlink($tmp, htdocs("$S/tmplink")) or die "symlink: $!";
ack_is(create_session("/$S/outlink/evil.txt"), 403, E_ACCESSDENIED,
       'destination through a symlinked subdirectory pointing outside the location');
ack_is(create_session("/$S/tmplink/evil.txt"), 403, E_ACCESSDENIED,
       'destination through a symlinked subdirectory pointing to /tmp');
ok(t_cmp(tree_snapshot($out) . '|' . tree_snapshot($tmp), "$out|$tmp", 'symlink dirs empty'),
   'nothing was created behind the symlinked directories');

symlink("$out/notyet.txt", htdocs("$S/dangling.txt")) or die "symlink: $!";
ack_is(create_session("/$S/dangling.txt"), 403, E_ACCESSDENIED, 'destination is a dangling symlink');
ok(t_cmp(-e "$out/notyet.txt" ? 1 : 0, 0, 'dangling target'), 'the dangling symlink target was not created');

write_file("$out/target.txt", "do not touch\n", 0666);
symlink("$out/target.txt", htdocs('secover/linkfile.txt')) or die "symlink: $!";
ack_is(create_session('/secover/linkfile.txt'), 403, E_ACCESSDENIED,
       'destination is a symlink (overwrites on)');
write_file(htdocs("$S/real.txt"), "real\n");
symlink(htdocs("$S/real.txt"), htdocs("$S/innerlink.txt")) or die "symlink: $!";
ack_is(create_session("/$S/innerlink.txt"), 403, E_ACCESSDENIED, 'destination is a symlink to a file inside the location');

# a symlink swapped in as the destination while the upload runs (overwrites on)
write_file("$out/victim2.txt", "victim two\n", 0666);
my $sw = sid_of(create_session('/secover/swap.txt'));
my $sd = random_bytes(1000);
fragment('/secover/swap.txt', $sw, substr($sd, 0, 500), 0, 1000);
symlink("$out/victim2.txt", htdocs('secover/swap.txt')) or die "symlink: $!";
$r = fragment('/secover/swap.txt', $sw, substr($sd, 500), 500, 1000);
ok(t_cmp($r->code, qr/^(200|403|500)$/, 'swap status'),
   'completion onto a swapped-in symlink is 200 (link replaced) or refused with 403/500 (' . $r->code . ')');
ok(t_cmp(file_bytes("$out/victim2.txt"), "victim two\n", 'swap victim'), 'the symlink target was not written through');
if ($r->code == 200) {
    ok(t_cmp((!-l htdocs('secover/swap.txt') && sha256_file(htdocs('secover/swap.txt')) eq sha256_hex($sd)) ? 1 : 0, 1, 'swap replaced'),
       'the symlink was replaced by the uploaded file');
}
else {
    ok(t_cmp(-l htdocs('secover/swap.txt') ? 1 : 0, 1, 'swap kept'), 'the symlink was left in place');
}
ok(t_cmp(file_bytes("$out/target.txt"), "do not touch\n", 'target intact'), 'symlink target untouched');

# --- a symlink planted in a session directory instead of requestfile.bin --------
write_file("$out/victim.bin", 'V' x 1000, 0666);
my $vsum = sha256_file("$out/victim.bin");
my $ps = sid_of(create_session("/$S/planted.bin"));
my $pd = random_bytes(300);
$r = fragment("/$S/planted.bin", $ps, substr($pd, 0, 100), 0, 300);
ok(t_cmp(received_of($r), 100, 'planted setup'), 'planted: first 100 bytes held');
my $rf = request_file($root, $ps);
unlink $rf or die "unlink $rf: $!";
symlink("$out/victim.bin", $rf) or die "symlink: $!";
$r = fragment("/$S/planted.bin", $ps, substr($pd, 100, 100), 100, 300);
ok(t_cmp($r->code, 500, 'planted status'), 'Fragment into a session whose requestfile.bin is a symlink: 500');
ack_shape_ok($r, $r->header('BITS-Error-Code') // 'missing', 'planted symlink');
ok(t_cmp($r->header('BITS-Error-Code') // '', qr/^0x8/, 'planted code'), 'planted symlink: a failure HRESULT');
ok(t_cmp(sha256_file("$out/victim.bin"), $vsum, 'victim untouched'), 'the symlink target is untouched');
ok(t_cmp(-l $rf ? 1 : 0, 1, 'symlink stays'), 'the planted symlink is not followed or replaced');
$r = fragment("/$S/planted.bin", $ps, substr($pd, 100), 100, 300);
ok(t_cmp($r->code != 200 ? 1 : 0, 1, 'planted final'), 'the final fragment is refused too (' . $r->code . ')');
ok(t_cmp(sha256_file("$out/victim.bin"), $vsum, 'victim untouched 2'), 'the symlink target is still untouched');
ok(t_cmp(-e htdocs("$S/planted.bin") ? 1 : 0, 0, 'planted not published'), 'nothing was published from the symlink');

# --- row 21: request file not writable (I/O failure) -> 500 E_FAIL ---------------
my $es = sid_of(create_session("/$S/efail.bin"));
$r = fragment("/$S/efail.bin", $es, 'a' x 100, 0, 300);
ok(t_cmp(received_of($r), 100, 'efail setup'), 'efail: first 100 bytes held');
my $erf = request_file($root, $es);
my $keep = file_bytes($erf);
unlink $erf;
write_file($erf, $keep, 0400);
chown 0, 0, $erf;
$r = fragment("/$S/efail.bin", $es, 'b' x 100, 100, 300);
ack_is($r, 500, E_FAIL, 'request file not writable by the server (root-owned, 0400)');
ok(t_cmp(file_bytes($erf), 'a' x 100, 'efail file intact'), 'the request file is unchanged');
ok(t_cmp(read_state($root, $es)->{received}, 100, 'efail N'), 'received stays 100 after the I/O failure');

done_testing();
