# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# BITSMinimumFreeSpace (issue 12): below it, Create-Session and fragments
# get the disk-full answer (500 0x80070070) before the disk is full; a
# fragment that passed the check is written whole even if it takes the
# file system below; the upload resumes when space returns.  Bytes and a
# percentage, on an 8 MiB tmpfs mounted on the scenario (as t/10_diskfull.t).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use BitsTest::Client;

my $S   = 'minfree';
my $dir = htdocs($S);
my $MiB = 1024 * 1024;
my $mounted = 0;

END { unmount($dir) if $mounted }

unmount($dir);
reset_scenario($S);
$mounted = system('mount', '-t', 'tmpfs', '-o', 'size=8m,mode=0777', 'tmpfs', $dir) == 0;
ok($mounted && is_mounted($dir), "an 8 MiB tmpfs is mounted on $dir")
    or BAIL_OUT('cannot mount a tmpfs here (no CAP_SYS_ADMIN?)');
mkdir "$dir/pct" and chmod 0777, "$dir/pct";

sub avail {                          # bytes an unprivileged writer may use
    my @df = `df -B1 --output=avail "$dir"`;
    return $df[-1] =~ /(\d+)/ ? $1 : die "df: @df";
}

# Leaves about $left bytes available, with a ballast file.
sub leave_free {
    my ($left) = @_;
    my $ballast = avail() - $left;
    open my $fh, '>:raw', "$dir/ballast" or die "ballast: $!";
    my $chunk = "\0" x 65536;
    while ($ballast > 0) {
        my $n = syswrite $fh, $chunk, $ballast < 65536 ? $ballast : 65536;
        die "ballast: $!" unless $n;
        $ballast -= $n;
    }
    close $fh;
}

my $data = random_bytes(3 * $MiB);
my $path = "/$S/a.bin";
my $sid  = new_session($path);
ack_is(fragment($path, $sid, substr($data, 0, $MiB), 0, length $data), 200, undef,
       'the first MiB goes in while the disk is nearly empty');

# 2.5 MiB free: above 2M, below 50% (4 MiB).
leave_free(2.5 * $MiB);
ack_is(create_session("/$S/pct/p.bin"), 500, E_DISK_FULL,
       'Create-Session below 50% free gets the disk-full answer (BITSMinimumFreeSpace 50%)');
my $b = create_session("/$S/b.bin");
ack_is($b, 200, undef, 'above 2M free, Create-Session works (BITSMinimumFreeSpace 2M)');
cancel_session("/$S/b.bin", sid_of($b));

# This fragment passes the check and is written whole, although it takes
# the file system below the minimum.
my $r = fragment($path, $sid, substr($data, $MiB, $MiB), $MiB, length $data);
ack_is($r, 200, undef, 'a fragment that passed the check is written whole');
is(received_of($r), 2 * $MiB, 'the session holds 2 MiB');
ok(avail() < 2 * $MiB, 'and the file system is now below the minimum (' . avail() . ' bytes free)');

# Below the minimum: refused before anything is written.
$r = fragment($path, $sid, substr($data, 2 * $MiB), 2 * $MiB, length $data);
ack_is($r, 500, E_DISK_FULL, 'below 2M free, a fragment gets the disk-full answer');
is(received_of($r), 2 * $MiB, 'and the Ack still reports the 2 MiB held');
is(-s request_file(session_root($S), $sid), 2 * $MiB, 'nothing more was written');
ack_is(create_session("/$S/c.bin"), 500, E_DISK_FULL, 'so does Create-Session');
ok((grep { /BITS00009: BITS Fragment \Q$sid\E: 500 0x80070070: Fragment refused: \d+ bytes free .* BITSMinimumFreeSpace keeps \d+/ } error_log_lines()),
   'the refusal is logged with the disk-full id (BITS00009)');

# Space returns: the upload resumes from where it stopped.
unlink "$dir/ballast";
$r = fragment($path, $sid, substr($data, 2 * $MiB), 2 * $MiB, length $data);
ack_is($r, 200, undef, 'with space back, the last fragment goes in');
ack_is(close_session($path, $sid), 200, undef, 'Close-Session');
is(sha256_file("$dir/a.bin"), sha256_hex($data), 'the file arrived whole');

# The directive's values.
for my $bad ('150%', '0%', '5.5%', '10GB', '-1') {
    my ($rc, $out) = config_test("    BITSMinimumFreeSpace $bad");
    ok($rc != 0 && $out =~ /BITSMinimumFreeSpace: '\Q$bad\E' is not a number of bytes/,
       "BITSMinimumFreeSpace $bad is refused, naming the directive") or diag($out);
}
for my $good ('0', '512M', '10G', '5%') {
    my ($rc, $out) = config_test("    BITSMinimumFreeSpace $good");
    is($rc, 0, "BITSMinimumFreeSpace $good is accepted") or diag($out);
}

done_testing();
