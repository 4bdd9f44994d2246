# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# mod_dav and mod_bits on one directory (issue 10): mod_dav's fixup claims
# every method but GET and POST on a DAV On location, and Debian loads
# mods-enabled/*.load alphabetically, so `a2enmod bits dav_fs` loads
# mod_bits first.  BITS_POST must reach mod_bits in either order, while
# WebDAV keeps working for its own methods.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use BitsTest::Client;
use BitsTest::Node qw(free_port start_node);
use HTTP::Request;

my $dir = reset_scenario('davorder');
my %order = (bits_first => 1, dav_first => 0);
for my $name (sort keys %order) {
    my $port = free_port();
    my $up   = "$dir/$name";
    mkdir $up; chmod 0777, $up;
    my $dav  = "LoadModule dav_module /usr/lib/apache2/modules/mod_dav.so\n"
             . "LoadModule dav_fs_module /usr/lib/apache2/modules/mod_dav_fs.so\n";
    # start_node loads its `modules` before mod_bits, and the text after it.
    start_node("davorder-$name", <<"CONF", ping => "http://127.0.0.1:$port/up/x",
@{[ $order{$name} ? $dav : '' ]}Listen 127.0.0.1:$port
DavLockDB "$dir/$name.davlock"
Alias /up "$up"
<Directory "$up">
    DAV On
    BITSUploadEnabled On
    Require all granted
</Directory>
CONF
               modules => $order{$name} ? [] : ['dav', 'dav_fs']);
    my $base = "http://127.0.0.1:$port/up";
    my $data = random_bytes(3000);
    ack_is(ping("$base/x"), 200, undef, "$name: Ping is answered by mod_bits");
    my $r = create_session("$base/f.bin");
    ack_is($r, 200, undef, "$name: Create-Session is answered by mod_bits");
    my $u = upload_file("$base/g.bin", $data, 1000);
    ok(t_cmp($u->{ok}, 1, "$name upload"), "$name: a whole upload succeeds");
    ok(t_cmp(sha256_file("$up/g.bin"), sha256_hex($data), "$name sha"), "$name: byte-identical");
    my $put = ua()->request(HTTP::Request->new(PUT => "$base/dav.txt", [], 'dav'));
    ok($put->is_success, "$name: mod_dav still takes PUT (" . $put->code . ')');
    my $pf = ua()->request(HTTP::Request->new(PROPFIND => "$base/", [Depth => 1], ''));
    ok(t_cmp($pf->code, 207, "$name propfind"), "$name: mod_dav still answers PROPFIND");
}

done_testing();
