# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# Issue 6 items 3 and 4: no URL of the server serves a session store, and
# no BITS_POST writes into one.
#   item 3: a BITSSessionDirectory inside a served tree, reached through its
#           own URL, a second Alias, a symlink, and WebDAV; a default store
#           (BITS-Sessions) through a symlink: every method is 404, no data.
#   item 4: nested BITS locations (<Location /team> mapped inside
#           <Directory outer>, overwrites on) and a configured store of
#           another location inside outer: a Create-Session whose
#           destination lies in a store is 403 0x80070005 and nothing on
#           disk changes.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use BitsTest::Client;
use HTTP::Request ();

for my $s (qw(storeup storedef storeserved outer storecfg)) { reset_scenario($s) }
reset_scenario('outer', 'team');

my $store    = htdocs('storeserved/store');            # BITSSessionDirectory of /storeup
my $defstore = session_root('storedef');

sub req {
    my ($method, $path, @h) = @_;
    my $body = '';
    return ua()->request(HTTP::Request->new($method, url($path),
                                            [@h, 'Content-Length' => length $body], $body));
}

# Every method through every URL: 404, and neither the session id nor the
# uploaded bytes in the answer.
sub refused_everywhere {
    my ($what, $secret, @urls) = @_;
    for my $u (@urls) {
        for my $m (qw(GET HEAD OPTIONS POST PUT DELETE)) {
            my $r = req($m, $u);
            ok(t_cmp($r->code, 404, "$what: $m $u"), "$what: $m $u is 404");
            my $c = $r->content // '';
            ok(t_cmp(index($c, $secret) < 0 ? 1 : 0, 1, "$what: $m $u no data"),
               "$what: $m $u gives no session data");
        }
    }
}

# ---- item 3: a configured store inside a served tree ---------------------
my $data = 'SECRET-PARTIAL-UPLOAD-' . random_bytes(8) =~ tr/\0-\377/a-z/r;
my $sid  = new_session('/storeup/partial.bin');
ack_is(fragment('/storeup/partial.bin', $sid, $data, 0, 1000), 200, undef,
       'setup: a partial upload in the configured store');
ok(t_cmp(-f "$store/Requests/$sid/requestfile.bin" ? 1 : 0, 1, 'setup store'),
   'setup: the session lives in storeserved/store');
symlink($store, htdocs('storeserved/link')) or die "symlink: $!";
symlink($defstore, htdocs('storeserved/deflink')) or die "symlink: $!";

my $before = tree_snapshot(htdocs('storeserved'));
my $state  = file_bytes("$store/Requests/$sid/state");
my @paths  = ('Requests/', "Requests/$sid/", "Requests/$sid/state",
              "Requests/$sid/requestfile.bin", "Requests/$sid/lock", '');
for my $base ('/storeserved/store/', '/storealias/', '/storeserved/link/') {
    refused_everywhere('configured store', $sid, map { "$base$_" } @paths);
}
# the uploaded bytes themselves, through each URL
for my $u ('/storeserved/store', '/storealias', '/storeserved/link') {
    my $r = req('GET', "$u/Requests/$sid/requestfile.bin");
    ok(t_cmp(index($r->content // '', $data) < 0 ? 1 : 0, 1, "no bytes via $u"),
       "the partial upload is not served via $u");
}

# the default store of another location, through a symlink
my $dsid = new_session('/storedef/d.bin');
fragment('/storedef/d.bin', $dsid, $data, 0, 1000);
refused_everywhere('default store via symlink', $dsid,
                   map { "/storeserved/deflink/$_" } @paths);
# ... and under a case variant of its name (case-insensitive file systems)
ok(t_cmp(req('GET', '/storedef/bits-sessions/Requests/')->code, 404, 'case'),
   'a case variant of BITS-Sessions is 404 too');

# ---- item 3: WebDAV on a tree holding the store ---------------------------
SKIP: {
    my $probe = req('PROPFIND', '/storedav/', Depth => 0);
    skip 'mod_dav is not available', 1 unless $probe->code == 207;
    for my $u ('/storedav/store/', '/storedav/store/Requests/',
               "/storedav/store/Requests/$sid/", "/storedav/link/Requests/") {
        for my $depth (0, 1) {
            my $r = req('PROPFIND', $u, Depth => $depth);
            ok(t_cmp($r->code, 404, "PROPFIND $u depth $depth"), "PROPFIND $u (Depth $depth) is 404");
            ok(t_cmp(index($r->content // '', $sid) < 0 ? 1 : 0, 1, "PROPFIND $u no id"),
               "PROPFIND $u shows no session id");
        }
    }
    my $r = req('PROPFIND', '/storedav/', Depth => 1);
    ok(t_cmp(index($r->content // '', $sid) < 0 ? 1 : 0, 1, 'PROPFIND parent'),
       'PROPFIND of the parent lists no session id');
    write_file(htdocs('storeserved/evil.txt'), "BITS-Session 1\nforged\n", 0666);
    my $ev = tree_snapshot(htdocs('storeserved'));
    for my $m (qw(COPY MOVE)) {
        my $rr = req($m, '/storedav/evil.txt',
                     Destination => url("/storedav/store/Requests/$sid/state"),
                     Overwrite => 'T');
        ok(t_cmp($rr->code !~ /^2/ ? 1 : 0, 1, "$m into the store"),
           "$m of a file onto a session record is refused (" . $rr->code . ')');
    }
    for my $m (qw(MKCOL PUT DELETE PROPPATCH LOCK)) {
        my $rr = req($m, "/storedav/store/Requests/$sid/x");
        ok(t_cmp($rr->code, 404, "$m in the store"), "$m inside the store is 404");
    }
    ok(t_cmp(tree_snapshot(htdocs('storeserved')), $ev, 'dav nothing changed'),
       'WebDAV changed nothing in the tree');
    unlink htdocs('storeserved/evil.txt');
}
ok(t_cmp(tree_snapshot(htdocs('storeserved')), $before, 'store tree unchanged'),
   'nothing in the served tree changed');
ok(t_cmp(file_bytes("$store/Requests/$sid/state"), $state, 'record unchanged'),
   'the session record is byte-identical');
# the session itself still works (the refusals were not of the owner's BITS traffic)
ack_is(fragment('/storeup/partial.bin', $sid, 'x' x 10, length $data, 1000), 200, undef,
       'the session goes on through its own location');

# ---- item 4: nested BITS locations ----------------------------------------
my $teamroot = htdocs('outer/team/BITS-Sessions');
my $tsid = new_session('/team/victim.bin');
ack_is(fragment('/team/victim.bin', $tsid, 'v' x 10, 0, 100), 200, undef,
       'setup: a session of the inner location');
my $tstate = "$teamroot/Requests/$tsid/state";
ok(t_cmp(-f $tstate ? 1 : 0, 1, 'setup team state'), 'setup: the inner store holds its record');

my $csid = new_session('/storecfg/c.bin');
my $cstate = htdocs("outer/cfgstore/Requests/$csid/state");
ok(t_cmp(-f $cstate ? 1 : 0, 1, 'setup cfg state'), 'setup: the configured store inside outer holds a record');
symlink(htdocs('outer/cfgstore'), htdocs('outer/cfglink')) or die "symlink: $!";

my %orig = (team => file_bytes($tstate), cfg => file_bytes($cstate));
$before = tree_snapshot(htdocs('outer'));
for my $target ("/outer/team/BITS-Sessions/Requests/$tsid/state",
                "/outer/team/BITS-Sessions/Requests/$tsid/requestfile.bin",
                "/outer/team/BITS-Sessions/Requests/$tsid/new.bin",
                "/outer/cfgstore/Requests/$csid/state",
                "/outer/cfgstore/Requests/$csid/requestfile.bin",
                "/outer/cfgstore/evil.bin",
                "/outer/cfglink/Requests/$csid/state",
                '/outer/bits-sessions', '/outer/BITS-SESSIONS', '/outer/team/Bits-Sessions') {
    ack_is(create_session($target), 403, E_ACCESSDENIED,
           "Create-Session with its destination in a store: $target");
}
ok(t_cmp(tree_snapshot(htdocs('outer')), $before, 'outer unchanged'),
   'nothing was created or removed under outer');
ok(t_cmp(file_bytes($tstate), $orig{team}, 'team record'), 'the inner session record is byte-identical');
ok(t_cmp(file_bytes($cstate), $orig{cfg}, 'cfg record'), 'the configured store\'s record is byte-identical');
# and nothing under those URLs is served either
ok(t_cmp(req('GET', "/outer/cfgstore/Requests/$csid/state")->code, 404, 'GET cfg'),
   'GET of the configured store inside outer is 404');
ok(t_cmp(req('GET', "/team/BITS-Sessions/Requests/$tsid/state")->code, 404, 'GET team'),
   'GET of the inner store is 404');
# ordinary uploads of both locations still work
my $u = upload_file('/outer/plain.bin', 'outer data', 10);
ok(t_cmp($u->{ok}, 1, 'outer upload'), 'an ordinary upload to outer still works');
$u = upload_file('/team/plain.bin', 'team data', 10);
ok(t_cmp($u->{ok}, 1, 'team upload'), 'an ordinary upload to the inner location still works');
ok(t_cmp(file_bytes(htdocs('outer/team/plain.bin')), 'team data', 'team file'), 'and is published');

done_testing();
