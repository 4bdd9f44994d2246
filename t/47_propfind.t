# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# WebDAV on a tree holding session stores (issue 10): mod_dav_fs walks the
# file system itself, so without mod_bits' help a PROPFIND of an upload
# directory lists BITS-Sessions/ and a DELETE of its parent removes live
# sessions.  Here: PROPFIND (Depth 1 and infinity) lists the uploaded files
# and their live properties but no store (default or configured inside the
# tree); DELETE, MOVE and COPY of a collection holding a store (or COPY
# onto one) are 403 and change nothing; a DAV tree without stores lists and
# deletes as before; the sessions still complete afterwards.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use BitsTest::Client;
use BitsTest::Node qw(free_port start_node);
use HTTP::Request;

my $dir   = reset_scenario('propfind', 'tree/up', 'tree/cfg', 'tree/cfg-store',
                           'tree/other', 'plain/sub');
my $tree  = "$dir/tree";
my $plain = "$dir/plain";
my $port  = free_port();
start_node('propfind', <<"CONF", ping => "http://127.0.0.1:$port/tree/up/x",
Listen 127.0.0.1:$port
DavLockDB "$dir/davlock"
Alias /tree "$tree"
Alias /plain "$plain"
<Directory "$tree">
    DAV On
    DavDepthInfinity On
    Require all granted
</Directory>
<Directory "$tree/up">
    BITSUploadEnabled On
</Directory>
<Directory "$tree/cfg">
    BITSUploadEnabled On
    BITSSessionDirectory "$tree/cfg-store"
</Directory>
<Directory "$plain">
    DAV On
    DavDepthInfinity On
    Require all granted
</Directory>
CONF
           modules => ['dav', 'dav_fs']);
my $base = "http://127.0.0.1:$port";

sub dav {
    my ($method, $path, @h) = @_;
    return ua()->request(HTTP::Request->new($method, "$base$path",
                                            [@h, 'Content-Length' => 0], ''));
}
sub hrefs { my $c = shift->content // ''; return [ $c =~ m{<D:href>([^<]*)</D:href>}g ] }
sub lacks {
    my ($r, $what, @needles) = @_;
    my $c = $r->content // '';
    my @found = grep { index(lc $c, lc $_) >= 0 } @needles;
    ok(t_cmp("@found", '', "$what lists no store"), "$what: no store in the listing");
}

# ---- live sessions in the default store and in a configured one -----------
# Enough files that the answer spans several brigades, the store in between.
write_file("$tree/up/f$_.txt", "x" x $_, 0666) for 1 .. 150;
my $data = random_bytes(5000);
my $done = upload_file("$base/tree/up/done.bin", $data, 2000);
ok($done->{ok}, 'setup: a whole upload in the DAV tree');
my $sid  = new_session("$base/tree/up/part.bin");
ack_is(fragment("$base/tree/up/part.bin", $sid, substr($data, 0, 1000), 0, 5000),
       200, undef, 'setup: a partial upload in the default store');
my $csid = new_session("$base/tree/cfg/part.bin");
ack_is(fragment("$base/tree/cfg/part.bin", $csid, substr($data, 0, 1000), 0, 5000),
       200, undef, 'setup: a partial upload in the configured store');
ok(-d "$tree/up/BITS-Sessions/Requests/$sid" && -d "$tree/cfg-store/Requests/$csid",
   'setup: both stores hold their session');
my @stores = ('BITS-Sessions', 'cfg-store', $sid, $csid, 'Requests');

# ---- PROPFIND ------------------------------------------------------------
for my $depth ('1', 'infinity') {
    my $r = dav('PROPFIND', '/tree/up/', Depth => $depth);
    ok(t_cmp($r->code, 207, "up depth $depth"), "PROPFIND /tree/up/ Depth $depth is 207");
    lacks($r, "PROPFIND /tree/up/ Depth $depth", @stores);
    my %h = map { $_ => 1 } @{ hrefs($r) };
    ok(t_cmp(scalar(grep { $h{"/tree/up/f$_.txt"} } 1 .. 150), 150, "up files $depth"),
       "Depth $depth: every uploaded and served file is listed");
    ok($h{'/tree/up/done.bin'}, "Depth $depth: the completed upload is listed");
    ok(t_cmp(scalar(keys %h), 152, "up count $depth"), "Depth $depth: nothing else is listed");
    like($r->content, qr{<D:href>/tree/up/done\.bin</D:href>.*?<lp1:getcontentlength>5000<}s,
         "Depth $depth: live properties are intact");
    like($r->content, qr{</D:multistatus>\s*$}, "Depth $depth: the answer is complete");
}
{
    my $r = dav('PROPFIND', '/tree/', Depth => 'infinity');
    ok(t_cmp($r->code, 207, 'tree infinity'), 'PROPFIND /tree/ Depth infinity is 207');
    lacks($r, 'PROPFIND /tree/ Depth infinity', @stores);
    my %h = map { $_ => 1 } @{ hrefs($r) };
    ok($h{'/tree/cfg/'} && $h{'/tree/other/'} && $h{'/tree/up/f77.txt'},
       'Depth infinity of the parent lists the rest of the tree');
    $r = dav('PROPFIND', '/tree/', Depth => 1);
    lacks($r, 'PROPFIND /tree/ Depth 1', 'cfg-store');
    ok(t_cmp(scalar @{ hrefs($r) }, 4, 'tree depth 1'), 'Depth 1 of the parent: itself, up, cfg, other');
}

# ---- DELETE, MOVE, COPY never take a store along --------------------------
my $before = tree_snapshot($tree);
my %state  = (default => file_bytes("$tree/up/BITS-Sessions/Requests/$sid/state"),
              configured => file_bytes("$tree/cfg-store/Requests/$csid/state"));
for my $t (['DELETE', '/tree/up/'], ['DELETE', '/tree/'],
           ['MOVE', '/tree/up/', Destination => "$base/tree/moved/"],
           ['MOVE', '/tree/', Destination => "$base/plain/moved/"],
           ['COPY', '/tree/up/', Destination => "$base/plain/copy/"],
           ['COPY', '/plain/sub/', Destination => "$base/tree/up/", Overwrite => 'T'],
           ['COPY', '/plain/sub/', Destination => "$base/tree/", Overwrite => 'T']) {
    my ($m, $p, @h) = @$t;
    my $r = dav($m, $p, @h);
    ok(t_cmp($r->code, 403, "$m $p @h"), "$m $p @h is 403 (" . $r->code . ')');
}
ok(t_cmp(tree_snapshot($tree), $before, 'tree unchanged'), 'nothing in the tree changed');
ok(t_cmp(file_bytes("$tree/up/BITS-Sessions/Requests/$sid/state"), $state{default}, 'default'),
   'the session in the default store is intact');
ok(t_cmp(file_bytes("$tree/cfg-store/Requests/$csid/state"), $state{configured}, 'configured'),
   'the session in the configured store is intact');
ok(!-e "$plain/copy" && !-e "$plain/moved", 'nothing was copied or moved out');
{
    my $r = dav('COPY', '/tree/up/', Destination => "$base/plain/flat/", Depth => 0);
    ok(t_cmp($r->code, 201, 'copy depth 0'), 'COPY Depth 0 (the collection alone) still works');
}

# ---- the rest of the DAV tree, and a tree without BITS, work as before ------
write_file("$plain/a.txt", 'a', 0666);
write_file("$plain/sub/f$_.txt", 'b', 0666) for 1 .. 200;
for my $depth ('1', 'infinity') {
    my $r = dav('PROPFIND', '/plain/', Depth => $depth);
    ok(t_cmp($r->code, 207, "plain $depth"), "plain tree: PROPFIND Depth $depth is 207");
    my $want = $depth eq '1' ? 4 : 204;    # itself, a.txt, sub/, flat/ (+ 200 files)
    ok(t_cmp(scalar @{ hrefs($r) }, $want, "plain count $depth"),
       "plain tree: Depth $depth lists all $want members");
}
ok(t_cmp(dav('DELETE', '/tree/other/')->code, 204, 'delete other'),
   'DELETE of a collection without a store works');
ok(t_cmp(dav('DELETE', '/plain/sub/')->code, 204, 'delete plain'), 'DELETE in the plain tree works');
ok(!-e "$plain/sub" && !-e "$tree/other", 'and removed them');

# ---- the sessions still complete ------------------------------------------
for my $s (["$base/tree/up/part.bin", $sid, "$tree/up/part.bin"],
           ["$base/tree/cfg/part.bin", $csid, "$tree/cfg/part.bin"]) {
    my ($ok) = send_fragments($s->[0], $s->[1], $data, 2000, from => 1000);
    ok($ok, "the session of $s->[0] resumes");
    ack_is(close_session($s->[0], $s->[1]), 200, undef, "and closes");
    ok(t_cmp(sha256_file($s->[2]), sha256_hex($data), "sha $s->[2]"), 'byte-identical');
}

done_testing();
