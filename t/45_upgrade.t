# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# Issue 9, upgrades keep sessions: a store written by the module before
# group commit (t/fixtures/store-v1: progress slots "BITSPRG1", state
# "BITS-Session 1") keeps working after the upgrade and a graceful
# restart.  Its records are read as they are (a version 1 slot's N counts,
# all of it durable) and written in the new format; every upload in
# progress completes byte-identical.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use BitsTest::Client;
use BitsTest::Node qw(free_port start_node);
use BitsTest::StoreFixture qw(fixture_bytes install_store);
use Time::HiRes ();

my $dir = reset_scenario('upgrade', 'up');
my $store = "$dir/store";
my $port = free_port();
my $ids = install_store("$FindBin::Bin/fixtures/store-v1", $store, "$dir/up",
                        "http://127.0.0.1:$port/up");
my $conf = <<"CONF";
Listen 127.0.0.1:$port
Alias /up "$dir/up"
<Directory "$dir/up">
    BITSUploadEnabled On
    BITSSessionDirectory "$store"
    Require all granted
</Directory>
CONF
my $node = start_node('upgrade', $conf, ping => "http://127.0.0.1:$port/up/x");
sub up { "http://127.0.0.1:$port/up/$_[0]" }
sub piece {
    my ($name, $from, $to, $total) = @_;
    return fragment(up("$name.bin"), $ids->{$name},
                    substr(fixture_bytes($total), $from, $to - $from), $from, $total);
}
sub slot_versions {
    join ',', map { $_->{version} } sort { $a->{slot} <=> $b->{slot} }
        read_progress($store, $ids->{shift()});
}

# ---- the records as the old module left them ------------------------------------
ok(t_cmp(slot_versions('inprogress'), '1,1', 'v1 slots'), 'the fixture holds two version 1 slots');
my $st = read_state($store, $ids->{inprogress});
ok(t_cmp("$st->{_version} $st->{received}", 'BITS-Session 1 210000', 'v1 state'),
   'and a version 1 state file; N = 210000 from the newer slot');

# ---- the upgraded module reads them ------------------------------------------------
my $r = piece('inprogress', 220000, 230000, 300000);
ack_is($r, 416, '0x0', 'a fragment past N');
ok(t_cmp(received_of($r), 210000, 'old N'), "416 reports the version 1 slot's N = 210000");
$r = piece('inprogress', 210000, 250000, 300000);
ack_is($r, 200, undef, 'the next fragment continues the upload');
ok(t_cmp(received_of($r), 250000, 'N 250000'), 'N = 250000');
ok(t_cmp(slot_versions('inprogress'), '1,2', 'v2 written'),
   'the new record went into the older slot, in version 2; the version 1 slot stays');
$st = read_state($store, $ids->{inprogress});
ok(t_cmp($st->{durable}, 210000, 'durable'), 'what version 1 recorded counts as durable');

$r = piece('onefragment', 20000, 30000, 50000);
ack_is($r, 200, undef, 'a session with a state file only continues');
ok(t_cmp(received_of($r), 30000, 'one N'), 'N = 30000');
$r = piece('nofragment', 0, 5000, 5000);
ack_is($r, 200, undef, 'a session with no fragment yet is uploaded whole');
ok(t_cmp(sha256_file("$dir/up/nofragment.bin"), sha256_hex(fixture_bytes(5000)), 'nofrag sha'),
   'and published byte-identical');
ack_is(close_session(up('done.bin'), $ids->{done}), 200, undef,
       'a completed session of before is closed');
ok(t_cmp(read_state($store, $ids->{done})->{state}, 'CLOSED', 'closed'), 'its record says CLOSED');

# ---- a graceful restart, then the rest ----------------------------------------------
system('/usr/sbin/apache2', '-f', "$node/httpd.conf", '-k', 'graceful') == 0
    or die 'graceful restart failed';
Time::HiRes::sleep(1);
for (1 .. 100) { last if eval { ping(up('x'))->code == 200 }; Time::HiRes::sleep(0.1) }
my ($ok) = send_fragments(up('inprogress.bin'), $ids->{inprogress}, fixture_bytes(300000),
                          32768, from => 250000);
ok(t_cmp($ok, 1, 'inprogress done'), 'after a graceful restart the upload completes');
ok(t_cmp(sha256_file("$dir/up/inprogress.bin"), sha256_hex(fixture_bytes(300000)),
         'inprogress sha'), 'byte-identical, the old and the new bytes');
($ok) = send_fragments(up('onefragment.bin'), $ids->{onefragment}, fixture_bytes(50000),
                       8192, from => 30000);
ok(t_cmp($ok, 1, 'onefragment done'), 'so does the other');
ok(t_cmp(sha256_file("$dir/up/onefragment.bin"), sha256_hex(fixture_bytes(50000)),
         'onefragment sha'), 'byte-identical');
for my $name (qw(inprogress onefragment nofragment)) {
    ack_is(close_session(up("$name.bin"), $ids->{$name}), 200, undef, "Close-Session $name");
}

done_testing();
