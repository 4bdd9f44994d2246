# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# Error-table row 20: out of disk space -> 500 0x80070070 (ERROR_DISK_FULL),
# earlier bytes kept, the upload resumes once space returns; also on
# Create-Session.  A 1 MiB tmpfs is mounted on the BITS directory (its
# session directory lives inside it) and unmounted at the end.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use BitsTest::Client;

my $S    = 'diskfull';
my $dir  = htdocs($S);
my $root = session_root($S);
my $mounted = 0;

END { unmount($dir) if $mounted }

unmount($dir);
reset_scenario($S);
my $rc = system('mount', '-t', 'tmpfs', '-o', 'size=1m,mode=0777', 'tmpfs', $dir);
$mounted = $rc == 0;
ok(t_cmp($rc, 0, 'mount tmpfs'), "a 1 MiB tmpfs is mounted on $dir");
ok(t_cmp(is_mounted($dir) ? 1 : 0, 1, 'mounted'), 'the tmpfs shows up in /proc/mounts');
unless ($mounted && is_mounted($dir)) {
    diag('cannot mount a tmpfs here (no CAP_SYS_ADMIN?): the disk-full checks cannot run');
    done_testing();
    exit 1;
}

sub fill {                       # writes $bytes (or until ENOSPC if undef) into $name
    my ($name, $bytes) = @_;
    open my $fh, '>:raw', "$dir/$name" or die "$name: $!";
    my $chunk = "\0" x 4096;
    my $w = 0;
    while (!defined $bytes || $w < $bytes) {
        my $n = syswrite $fh, $chunk;
        last unless $n;
        $w += $n;
    }
    close $fh;
    return $w;
}

# --- a fragment hits ENOSPC --------------------------------------------------------
fill('filler.bin', 600 * 1024);
my $total = 600 * 1024;
my $data  = random_bytes($total);
my $c = create_session("/$S/big.bin");
ack_is($c, 200, undef, 'Create-Session on the small file system');
my $sid = sid_of($c);
my ($last_ok, $err, $off) = (0, undef, 0);
my $fs = 128 * 1024;
while ($off < $total) {
    my $r = fragment("/$S/big.bin", $sid, substr($data, $off, $fs), $off, $total);
    if ($r->code == 200) { $last_ok = received_of($r); $off = $last_ok; next }
    $err = $r;
    last;
}
ok(t_cmp($last_ok > 0 ? 1 : 0, 1, 'some fragments fit'), "fragments were stored before the disk filled up (N=$last_ok)");
ok(t_cmp(defined $err ? 1 : 0, 1, 'disk full reached'), 'a fragment failed once the file system was full');
$err ||= HTTP::Response->new(599, 'no error seen');
ack_is($err, 500, E_DISK_FULL, 'fragment on a full disk');
my $n_err = received_of($err);
ok(t_cmp(defined $n_err && $n_err >= $last_ok && $n_err <= $total ? 1 : 0, 1, 'disk full N'),
   'the disk-full Ack keeps the earlier bytes (N >= last acknowledged N)');
my $st = read_state($root, $sid);
ok(t_cmp($st && $st->{received} >= $last_ok ? 1 : 0, 1, 'state keeps bytes'), 'state file: received >= last acknowledged N');
my $held = $st ? $st->{received} : 0;
ok(t_cmp(-s request_file($root, $sid) >= $held ? 1 : 0, 1, 'bytes on disk'),
   'received never exceeds the bytes really in requestfile.bin');
ok(t_cmp(substr(file_bytes(request_file($root, $sid)) // '', 0, $held), substr($data, 0, $held), 'prefix'),
   'the bytes held are the bytes sent');
ok(t_cmp(-e "$dir/big.bin" ? 1 : 0, 0, 'not published'), 'nothing published while the upload is incomplete');
my $r = fragment("/$S/big.bin", $sid, substr($data, $held, $fs), $held, $total);
ack_is($r, 500, E_DISK_FULL, 'retry while the disk is still full');

# --- space comes back: resume ------------------------------------------------
unlink "$dir/filler.bin";
my ($ok, $acks) = send_fragments("/$S/big.bin", $sid, $data, $fs, from => $held);
ok(t_cmp($ok, 1, 'resume'), 'after freeing space the upload resumes and completes');
ok(t_cmp(sha256_file("$dir/big.bin"), sha256_hex($data), 'diskfull result'),
   'the published file is byte-identical');
ack_is(close_session("/$S/big.bin", $sid), 200, undef, 'Close-Session after the disk-full episode');
unlink "$dir/big.bin";

# --- Create-Session on a completely full disk ----------------------------------
my $w = fill('filler2.bin');
ok(t_cmp($w > 0 ? 1 : 0, 1, 'filled'), "the file system is filled completely ($w bytes)");
my $cf = create_session("/$S/late.bin");
ack_is($cf, 500, E_DISK_FULL, 'Create-Session on a full disk');
ok(t_cmp(defined sid_of($cf) ? 1 : 0, 0, 'no id on full disk'), 'no session id when the session cannot be stored');
unlink "$dir/filler2.bin";
my $u = upload_file("/$S/late.bin", $data, 256 * 1024);
ok(t_cmp($u->{ok}, 1, 'after space returns'), 'Create-Session and upload work again after space returns');
ok(t_cmp(sha256_file("$dir/late.bin"), sha256_hex($data), 'late result'), 'and publish intact');

# --- unmount --------------------------------------------------------------------
if ($mounted) {
    unmount($dir);
    ok(t_cmp(is_mounted($dir) ? 1 : 0, 0, 'umount'), 'the tmpfs is unmounted at the end');
    $mounted = 0;
}

done_testing();
