# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# §7.7 publishing when the session directory and the destination are on
# different file systems (rename(2) fails with EXDEV): the module must
# copy to a temporary name in the destination directory and rename.
# A tmpfs is mounted on the configured BITSSessionDirectory.  Then the
# reverse: a full 1 MiB tmpfs as the destination directory, so that the
# publish copy runs out of space (row 20 at publish time).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use BitsTest::Client;
use File::Path ();

my $S    = 'xdev';
my $sdir = t_dir() . '/state/xdev-sessions';
my $fdir = htdocs('xdevfull');
my $mounted = 0;

sub is_mounted {
    my $d = shift // $sdir;
    open my $fh, '<', '/proc/mounts' or return 0;
    return scalar grep { (split ' ')[1] eq $d } <$fh>;
}
sub do_umount {
    my $d = shift // $sdir;
    return unless is_mounted($d);
    system('umount', $d) == 0 or system('umount', '-l', $d);
}
END { do_umount($sdir); do_umount($fdir) }

reset_scenario($S, 'sub');
do_umount();
File::Path::make_path($sdir);
File::Path::remove_tree($sdir, { keep_root => 1 });
my $rc = system('mount', '-t', 'tmpfs', '-o', 'size=16m,mode=0777', 'tmpfs', $sdir);
$mounted = $rc == 0;
ok(t_cmp($rc, 0, 'mount'), "a tmpfs is mounted on the session directory $sdir");
unless ($mounted) { done_testing(); exit 1 }
my @dev = ((stat $sdir)[0], (stat htdocs($S))[0]);
ok(t_cmp($dev[0] != $dev[1] ? 1 : 0, 1, 'different devices'), 'session directory and destination are on different file systems');

for my $case ([ 'big.bin', 3 * 1024 * 1024 + 17, 256 * 1024 ], [ 'sub/small.bin', 1000, 300 ], [ 'empty.bin', 0, 1 ]) {
    my ($name, $size, $fs) = @$case;
    my $data = random_bytes($size);
    my $u = upload_file("/$S/$name", $data, $fs);
    ok(t_cmp($u->{ok}, 1, "xdev $name"), "upload of $size bytes to $name completes across file systems");
    ok(t_cmp(sha256_file(htdocs("$S/$name")), sha256_hex($data), "xdev $name content"),
       "$name is published byte-identical across file systems");
    my $st = read_state($sdir, $u->{sid} // '');
    ok(t_cmp($st ? $st->{state} : 'missing', 'DONE', "xdev $name state"), "$name: the session state (on the tmpfs) is DONE");
    ack_is(close_session("/$S/$name", $u->{sid}), 200, undef, "xdev $name: Close-Session");
}
# no temporary copies left behind in the destination directories
my @stray = grep { !m{/(big\.bin|empty\.bin|sub|sub/small\.bin)$} }
            grep { $_ ne htdocs($S) } split /\n/, tree_snapshot(htdocs($S));
ok(t_cmp("@stray", '', 'no temp files'), 'no temporary files are left in the destination directory');

# the destination appears while the upload runs: 403, nothing replaced, no temp file
my $sid = sid_of(create_session("/$S/late.bin"));
open my $fh, '>', htdocs("$S/late.bin") or die; print $fh "mine\n"; close $fh;
my $r = fragment("/$S/late.bin", $sid, 'x' x 5000, 0, 5000);
ack_is($r, 403, E_ACCESSDENIED, 'xdev: destination appeared before completion');
ok(t_cmp(file_bytes(htdocs("$S/late.bin")), "mine\n", 'xdev late untouched'), 'the file that appeared is untouched');
@stray = grep { !m{/(big\.bin|empty\.bin|late\.bin|sub|sub/small\.bin)$} }
         grep { $_ ne htdocs($S) } split /\n/, tree_snapshot(htdocs($S));
ok(t_cmp("@stray", '', 'no temp files after 403'), 'no temporary file is left after the refused publish');
cancel_session("/$S/late.bin", $sid);

do_umount();
ok(t_cmp(is_mounted() ? 1 : 0, 0, 'umount'), 'the tmpfs is unmounted at the end');
$mounted = 0;

# --- the destination file system is full when the upload is published -------------
do_umount($fdir);
reset_scenario('xdevfull');
my $fsess = t_dir() . '/state/xdevfull-sessions';
File::Path::make_path($fsess);
File::Path::remove_tree($fsess, { keep_root => 1 });
chmod 0777, $fsess;
$rc = system('mount', '-t', 'tmpfs', '-o', 'size=1m,mode=0777', 'tmpfs', $fdir);
ok(t_cmp($rc, 0, 'mount full'), "a 1 MiB tmpfs is mounted on the destination directory $fdir");
if ($rc == 0) {
    open my $fill, '>:raw', "$fdir/filler.bin" or die "filler: $!";
    print $fill "\0" x (600 * 1024);
    close $fill;
    my $data = random_bytes(600 * 1024);
    my $sid  = sid_of(create_session('/xdevfull/pub.bin'));
    my $r = fragment('/xdevfull/pub.bin', $sid, substr($data, 0, 300 * 1024), 0, length $data);
    ack_is($r, 200, undef, 'publish-full: first half stored (on the session disk)');
    $r = fragment('/xdevfull/pub.bin', $sid, substr($data, 300 * 1024), 300 * 1024, length $data);
    ack_is($r, 500, E_DISK_FULL, 'publish-full: the publish copy runs out of space');
    ok(t_cmp(received_of($r), length $data, 'publish-full N'), 'publish-full: the Ack still reports N = total');
    ok(t_cmp(-e "$fdir/pub.bin" ? 1 : 0, 0, 'no partial publish'), 'publish-full: no partial file at the destination');
    my @stray = grep { !m{/filler\.bin$} && $_ ne $fdir } split /\n/, tree_snapshot($fdir);
    ok(t_cmp("@stray", '', 'publish-full no temp'), 'publish-full: no temporary copy left in the destination directory');
    my $st = read_state($fsess, $sid);
    ok(t_cmp($st ? $st->{state} : 'missing', 'COMPLETING', 'publish-full state'),
       'publish-full: the session stays COMPLETING so the client can retry');
    unlink "$fdir/filler.bin";
    $r = fragment('/xdevfull/pub.bin', $sid, substr($data, 300 * 1024), 300 * 1024, length $data);
    ack_is($r, 200, undef, 'publish-full: the resent final fragment publishes once space is back');
    ok(t_cmp(sha256_file("$fdir/pub.bin"), sha256_hex($data), 'publish-full result'),
       'publish-full: the published file is byte-identical');
    ack_is(close_session('/xdevfull/pub.bin', $sid), 200, undef, 'publish-full: Close-Session');
    do_umount($fdir);
    ok(t_cmp(is_mounted($fdir) ? 1 : 0, 0, 'umount full'), 'the destination tmpfs is unmounted at the end');
}

done_testing();
