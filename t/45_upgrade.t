# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# Issue 9, upgrades keep sessions: a store written by an older module keeps
# working after the upgrade and a graceful restart.
#   t/fixtures/store-v1: before group commit (progress slots "BITSPRG1",
#     state "BITS-Session 1"); a version 1 slot's N counts, all durable.
#   t/fixtures/store-v2: 1.0.0 (slots "BITSPRG2": a durable N and the
#     writer, no total; sessions made without a progress file); unsynced
#     bytes of this same kernel (no reboot) count.
# Records are read as they are and written in the new format (slots
# "BITSPRG3"); every upload in progress completes byte-identical.
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

# fixture => [slot versions as installed, N, durable N, the versions
#             after the upgraded module's first record, durable N then]
# (v2's unsynced bytes are older than the 1 s batch: that record syncs.)
my %was = (
    v1 => ['1,1', 210000, 210000, '1,3', 210000],
    v2 => ['2,2', 210000, 100000, '2,3', 250000],
);

my ($port, $store, $ids);    # of the fixture being tested
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

upgrade_from($_, @{ $was{$_} }) for sort keys %was;
done_testing();

sub upgrade_from {
    my ($fx, $versions, $n, $durable, $after, $durable_after) = @_;
    my $dir = reset_scenario('upgrade', 'up');
    $store = "$dir/store";
    $port = free_port();
    $ids = install_store("$FindBin::Bin/fixtures/store-$fx", $store, "$dir/up",
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
    my $node = start_node("upgrade-$fx", $conf, ping => "http://127.0.0.1:$port/up/x");

    # ---- the records as the old module left them ------------------------------------
    ok(t_cmp(slot_versions('inprogress'), $versions, "$fx slots"),
       "$fx: the fixture holds two slots of its version");
    my $st = read_state($store, $ids->{inprogress});
    ok(t_cmp("$st->{_version} $st->{received} $st->{durable}", "BITS-Session 1 $n $durable",
             "$fx state"), "$fx: a version 1 state file; N = $n from the newer slot, "
                           . "durable N = $durable");

    # ---- the upgraded module reads them ------------------------------------------------
    my $r = piece('inprogress', 220000, 230000, 300000);
    ack_is($r, 416, '0x0', "$fx: a fragment past N");
    ok(t_cmp(received_of($r), 210000, 'old N'), "$fx: 416 reports the old slot's N = 210000");
    $r = piece('inprogress', 210000, 250000, 300000);
    ack_is($r, 200, undef, "$fx: the next fragment continues the upload");
    ok(t_cmp(received_of($r), 250000, 'N 250000'), "$fx: N = 250000");
    ok(t_cmp(slot_versions('inprogress'), $after, 'v3 written'),
       "$fx: the new record went into the older slot, in version 3; the newer old slot stays");
    $st = read_state($store, $ids->{inprogress});
    ok(t_cmp($st->{durable}, $durable_after, 'durable'),
       "$fx: durable N = $durable_after (the old one counts until a sync)");

    $r = piece('onefragment', 20000, 30000, 50000);
    ack_is($r, 200, undef, "$fx: a session with a state file only continues");
    ok(t_cmp(received_of($r), 30000, 'one N'), "$fx: N = 30000");
    $r = piece('nofragment', 0, 5000, 5000);
    ack_is($r, 200, undef, "$fx: a session with no fragment yet is uploaded whole");
    ok(t_cmp(sha256_file("$dir/up/nofragment.bin"), sha256_hex(fixture_bytes(5000)), 'nofrag sha'),
       "$fx: and published byte-identical");
    ack_is(close_session(up('done.bin'), $ids->{done}), 200, undef,
           "$fx: a completed session of before is closed");
    ok(t_cmp(read_state($store, $ids->{done})->{state}, 'CLOSED', 'closed'),
       "$fx: its record says CLOSED");

    # ---- a graceful restart, then the rest ----------------------------------------------
    system('/usr/sbin/apache2', '-f', "$node/httpd.conf", '-k', 'graceful') == 0
        or die 'graceful restart failed';
    Time::HiRes::sleep(1);
    for (1 .. 100) { last if eval { ping(up('x'))->code == 200 }; Time::HiRes::sleep(0.1) }
    my ($ok) = send_fragments(up('inprogress.bin'), $ids->{inprogress}, fixture_bytes(300000),
                              32768, from => 250000);
    ok(t_cmp($ok, 1, 'inprogress done'), "$fx: after a graceful restart the upload completes");
    ok(t_cmp(sha256_file("$dir/up/inprogress.bin"), sha256_hex(fixture_bytes(300000)),
             'inprogress sha'), "$fx: byte-identical, the old and the new bytes");
    ($ok) = send_fragments(up('onefragment.bin'), $ids->{onefragment}, fixture_bytes(50000),
                           8192, from => 30000);
    ok(t_cmp($ok, 1, 'onefragment done'), "$fx: so does the other");
    ok(t_cmp(sha256_file("$dir/up/onefragment.bin"), sha256_hex(fixture_bytes(50000)),
             'onefragment sha'), "$fx: byte-identical");
    for my $name (qw(inprogress onefragment nofragment)) {
        ack_is(close_session(up("$name.bin"), $ids->{$name}), 200, undef,
               "$fx: Close-Session $name");
    }
    system('/usr/sbin/apache2', '-f', "$node/httpd.conf", '-k', 'stop');
}
