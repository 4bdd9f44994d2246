# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# Racing requests on one session from parallel processes (§16 item 4,
# §7.4 steps 7-8): 8 processes send overlapping and identical fragments
# of one session at once; every Ack must be consistent, the result
# byte-identical; parallel resends of the final fragment publish once;
# parallel Close-Session calls all succeed; parallel Create-Session calls
# get distinct ids.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use BitsTest::Client;
use File::Temp qw(tempdir);
use POSIX ();
use Time::HiRes qw(time sleep);

reset_scenario('race');
my $S     = 'race';
my $root  = session_root($S);
my $tmp   = tempdir('bits-race-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $NPROC = 8;

# Runs $code->($i) in $NPROC children started at the same moment; each
# child's return value (list of lines) is collected.  Returns ([lines of
# child 0], [lines of child 1], ...).
sub in_parallel {
    my ($code) = @_;
    my $go = time + 0.5;
    my @pids;
    for my $i (0 .. $NPROC - 1) {
        my $pid = fork;
        die "fork: $!" unless defined $pid;
        if (!$pid) {
            my @out = eval { sleep($go - time) if $go > time; $code->($i) };
            push @out, "ERROR $@" if $@;
            if (open my $fh, '>', "$tmp/out.$i") { print $fh "$_\n" for @out; close $fh }
            POSIX::_exit(0);
        }
        push @pids, $pid;
    }
    waitpid $_, 0 for @pids;
    my @res;
    for my $i (0 .. $NPROC - 1) {
        my @l;
        if (open my $fh, '<', "$tmp/out.$i") { chomp(@l = <$fh>); close $fh; unlink "$tmp/out.$i" }
        push @res, \@l;
    }
    return @res;
}

# --- 8 processes, one session ---------------------------------------------------
my $total = 1024 * 1024;
my $data  = random_bytes($total);
my $c = create_session("/$S/race.bin");
ack_is($c, 200, undef, 'Create-Session for the race');
my $sid = sid_of($c);
my $K = 64 * 1024;

# children 0-3: 8 overlapping 96 KiB fragments at 64 KiB strides;
# children 4-7: the same 8 non-overlapping 64 KiB fragments.
my @res = in_parallel(sub {
    my $i = shift;
    my @out;
    for my $j (0 .. 7) {
        my $first = $j * $K;
        my $len   = $i < 4 ? $K + $K / 2 : $K;
        my $r = fragment("/$S/race.bin", $sid, substr($data, $first, $len), $first, $total);
        push @out, join ' ', $r->code, received_of($r) // -1, $first, $first + $len - 1,
                             $r->header('BITS-Error-Code') // '-';
    }
    return @out;
});
my $max_end = 7 * $K + $K + $K / 2;            # largest last+1 sent
my (@problems, $n_acks);
for my $i (0 .. $#res) {
    my $prev = 0;
    push @problems, "child $i sent " . scalar(@{ $res[$i] }) . " requests, expected 8"
        unless @{ $res[$i] } == 8;
    for my $l (@{ $res[$i] }) {
        $n_acks++;
        my ($code, $n, $first, $last, $ec) = split ' ', $l;
        push @problems, "child $i: $l (status)" unless $code eq '200';
        push @problems, "child $i: $l (N below last+1)" unless $n >= $last + 1;
        push @problems, "child $i: $l (N beyond any byte sent)" unless $n <= $max_end;
        push @problems, "child $i: $l (N went backwards from $prev)" if $n < $prev;
        $prev = $n;
    }
}
ok(t_cmp($n_acks, 64, 'acks'), '64 Acks came back from 8 racing processes');
ok(t_cmp(scalar(@problems), 0, 'consistent acks'),
   'every racing Ack is 200 with last+1 <= N <= max end, never decreasing per process');
diag($_) for @problems[0 .. ($#problems < 9 ? $#problems : 9)];
my $st = read_state($root, $sid);
ok(t_cmp($st && $st->{received}, $max_end, 'state after race'), "state file: received = $max_end after the race");
ok(t_cmp(substr(file_bytes(request_file($root, $sid)) // '', 0, $max_end) eq substr($data, 0, $max_end) ? 1 : 0, 1, 'race prefix'),
   'the request file holds exactly the bytes sent so far');
ok(t_cmp(-e htdocs("$S/race.bin") ? 1 : 0, 0, 'race not yet published'), 'nothing published yet');

# finish the upload from the server's N
my ($ok) = send_fragments("/$S/race.bin", $sid, $data, 200_000, from => $st ? $st->{received} : 0);
ok(t_cmp($ok, 1, 'finish'), 'the upload is finished after the race');
ok(t_cmp(sha256_file(htdocs("$S/race.bin")), sha256_hex($data), 'race result'),
   'the published file is byte-identical');

# --- 8 parallel resends of the final fragment: one publish --------------------------
my @st0 = stat htdocs("$S/race.bin");
sleep 1.1;
@res = in_parallel(sub {
    my $r = fragment("/$S/race.bin", $sid, substr($data, $total - 1000), $total - 1000, $total);
    return join ' ', $r->code, received_of($r) // -1;
});
my @bad = grep { $_ ne "200 $total" } map { @$_ } @res;
ok(t_cmp(scalar(@bad), 0, 'parallel final resends'), "8 parallel resends of the final fragment all get 200 with N=$total");
diag("bad: @bad") if @bad;
my @st1 = stat htdocs("$S/race.bin");
ok(t_cmp("$st1[1]/$st1[9]", "$st0[1]/$st0[9]", 'single publish'), 'the file was not published again (inode/mtime)');

# --- 8 parallel Close-Session ---------------------------------------------------
@res = in_parallel(sub { my $r = close_session("/$S/race.bin", $sid); return $r->code });
@bad = grep { $_ ne '200' } map { @$_ } @res;
ok(t_cmp(scalar(@bad), 0, 'parallel close'), '8 parallel Close-Session calls all get 200');
ok(t_cmp(read_state($root, $sid)->{state}, 'CLOSED', 'closed after race'), 'the session ends CLOSED');
ok(t_cmp(sha256_file(htdocs("$S/race.bin")), sha256_hex($data), 'still intact'), 'the published file is intact');

# --- 8 parallel Create-Session -----------------------------------------------------
@res = in_parallel(sub { my $r = create_session("/$S/many.bin"); return ($r->code . ' ' . (sid_of($r) // '-')) });
my @lines = map { @$_ } @res;
my %ids = map { (split ' ')[1] => 1 } grep { /^200 \{/ } @lines;
ok(t_cmp(scalar(keys %ids), $NPROC, 'distinct ids'), '8 parallel Create-Session calls get 8 distinct session ids');

# --- 8 processes uploading 8 different files at once -----------------------------
my @files = map { random_bytes(300_000 + $_) } 0 .. $NPROC - 1;
@res = in_parallel(sub {
    my $i = shift;
    my $u = upload_file("/$S/multi$i.bin", $files[$i], 40_000);
    return $u->{ok} ? 'ok' : 'failed';
});
my @okc = grep { $_ eq 'ok' } map { @$_ } @res;
ok(t_cmp(scalar(@okc), $NPROC, 'parallel uploads'), '8 parallel uploads of different files all complete');
my @mismatch = grep { (sha256_file(htdocs("$S/multi$_.bin")) // '') ne sha256_hex($files[$_]) } 0 .. $NPROC - 1;
ok(t_cmp("@mismatch", '', 'parallel results'), 'all 8 files are byte-identical');

# --- 8 sessions racing to publish the same destination (overwrites off) ---------
# Exactly one may win; the others must get 403 at completion, and the file
# must be exactly one of the uploads (publish is atomic, never mixed).
my @cands = map { random_bytes(200_000) } 0 .. $NPROC - 1;
my @sids  = map { sid_of(create_session("/$S/contended.bin")) } 0 .. $NPROC - 1;
ok(t_cmp(scalar(grep { defined } @sids), $NPROC, 'contended sessions'), '8 sessions for the same destination');
# everything but the last byte first, so the completions can race
for my $i (0 .. $NPROC - 1) {
    fragment("/$S/contended.bin", $sids[$i], substr($cands[$i], 0, 199_999), 0, 200_000);
}
@res = in_parallel(sub {
    my $i = shift;
    my $r = fragment("/$S/contended.bin", $sids[$i], substr($cands[$i], 199_999), 199_999, 200_000);
    return join ' ', $i, $r->code, $r->header('BITS-Error-Code') // '-';
});
my @fin = map { @$_ } @res;
my @won = grep { (split ' ')[1] eq '200' } @fin;
my @lost = grep { my @f = split ' '; $f[1] eq '403' && $f[2] eq E_ACCESSDENIED } @fin;
ok(t_cmp(scalar(@won), 1, 'one winner'), 'exactly one of 8 racing completions publishes (got: ' . join(', ', @fin) . ')');
ok(t_cmp(scalar(@lost), $NPROC - 1, 'others 403'), 'the 7 others get 403 0x80070005');
my $pub = sha256_file(htdocs("$S/contended.bin")) // '';
my @match = grep { sha256_hex($cands[$_]) eq $pub } 0 .. $NPROC - 1;
ok(t_cmp(scalar(@match), 1, 'one complete upload'), 'the published file is exactly one of the uploads');
ok(t_cmp(@won ? (split ' ', $won[0])[0] : -1, @match ? $match[0] : -2, 'winner content'),
   'and it is the upload whose completion got 200');

done_testing();
