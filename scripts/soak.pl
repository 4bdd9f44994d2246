#!/usr/bin/perl
# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# make soak: random uploads for SOAK_SECONDS (default 1800) against a
# private httpd, with bitsup as the client, while things get killed:
#   - kill -9 of a running bitsup, then the same command again (it resumes
#     from its state file);
#   - kill -9 of an httpd child in the middle of fragments (the parent
#     starts a new one; clients retry; a process crash must lose nothing).
# Every finished upload must be byte-identical to its source, and no httpd
# child may grow past SOAK_MAX_RSS_MB (default 128) of VmRSS; either
# failing makes the soak fail.  Four uploads run at once, 0 to 48 MiB,
# fragments of 4 KiB to 8 MiB, some rate-limited so that kills land
# mid-upload.  SOAK_SEED makes a run repeatable.
use strict;
use warnings;
use Cwd ();
use File::Compare ();
use File::Path qw(make_path remove_tree);
use File::Temp qw(tempdir);
use POSIX qw(WNOHANG);
use Time::HiRes qw(time sleep);
use lib Cwd::abs_path($ENV{BITS_TOP} // '.') . '/t/bench';
use BitsBench qw(start_httpd children child_stat free_port);

my $top     = Cwd::abs_path($ENV{BITS_TOP} // '.');
my $module  = $ENV{BITS_MODULE} // "$top/.libs/mod_bits.so";
my $bitsup  = "$top/bitsup/bitsup";
my $seconds = $ENV{SOAK_SECONDS} // 1800;
my $max_rss = ($ENV{SOAK_MAX_RSS_MB} // 128) * 1024;
my $seed    = $ENV{SOAK_SEED} // time;
my $slots   = 4;
srand $seed;
-x $bitsup or die "soak: build bitsup first (make)\n";

my $dir = tempdir('/tmp/mod_bits-soak.XXXXXX', CLEANUP => !$ENV{SOAK_KEEP});
chmod 0755, $dir;
make_path("$dir/htdocs/up", "$dir/src", "$dir/state");
chmod 0777, "$dir/htdocs/up";
my $port = free_port();
start_httpd($dir, $port, $module,
    "<Directory $dir/htdocs/up>\n    BITSUploadEnabled On\n</Directory>\n");
printf "soak: %d s, seed %d, httpd on 127.0.0.1:%d\n", $seconds, $seed, $port;

my %job;                       # pid => job
my ($n, $done, $bad, $client_kills, $child_kills, $rss_peak) = (0, 0, 0, 0, 0, 0);
my @failures;
my $t_end = time + $seconds;
my $next_kill = time + 2 + rand 5;
my $next_report = time + 60;

while (time < $t_end || %job) {
    start_job() while time < $t_end && keys %job < $slots;
    reap();
    watch_rss();
    if (time >= $next_kill && %job) {
        kill_something();
        $next_kill = time + 2 + rand 8;
    }
    if (time >= $next_report) {
        progress();
        $next_report = time + 60;
    }
    sleep 0.2;
}
progress();
if (@failures) {
    print "soak: FAILED\n", map { "  $_\n" } @failures;
    exit 1;
}
print "soak: ok\n";
exit 0;

sub start_job {
    my $id = ++$n;
    my $size = rand() < 0.1 ? int rand 4096 : int(exp(rand log(48 << 20)));
    my $frag = (4096, 65536, 1 << 20, 8 << 20)[rand 4];
    my $src = "$dir/src/f$id.bin";
    system("head -c $size /dev/urandom > $src") == 0 or die "soak: $src: $!\n";
    my @cmd = ($bitsup, '-q', '--fragment-size', $frag, '--max-delay', 1, '--give-up', 300,
               '--state-dir', "$dir/state/$id",
               (rand() < 0.5 ? ('--limit-rate', (1 << 20) * (2 + int rand 20)) : ()),
               $src, "http://127.0.0.1:$port/up/f$id.bin");
    spawn({ id => $id, src => $src, size => $size, cmd => \@cmd, dest => "$dir/htdocs/up/f$id.bin" });
}

sub spawn {
    my ($j) = @_;
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        open STDOUT, '>', '/dev/null';
        exec @{ $j->{cmd} } or exit 127;
    }
    $job{$pid} = $j;
}

sub reap {
    while ((my $pid = waitpid(-1, WNOHANG)) > 0) {
        my $j = delete $job{$pid} or next;
        my $status = $?;
        if ($j->{killed}) {             # killed on purpose: run it again, it resumes
            $j->{killed} = 0;
            spawn($j);
            next;
        }
        $done++;
        if ($status != 0) {
            fail("upload $j->{id} ($j->{size} bytes): bitsup exit " . ($status >> 8));
        } elsif (File::Compare::compare($j->{src}, $j->{dest}) != 0) {
            fail("upload $j->{id} ($j->{size} bytes): published file differs from its source");
        }
        unlink $j->{src}, $j->{dest};
        remove_tree("$dir/state/$j->{id}");
    }
}

sub kill_something {
    if (rand() < 0.5) {
        my @pids = keys %job;
        my $pid = $pids[rand @pids];
        $job{$pid}{killed} = 1;
        kill 'KILL', $pid;
        $client_kills++;
    } else {
        my @kids = children($dir);
        return unless @kids;
        kill 'KILL', $kids[rand @kids];
        $child_kills++;
    }
}

sub watch_rss {
    for my $c (children($dir)) {
        my $s = child_stat($c) or next;
        next unless defined $s->{rss};      # a child that is exiting
        $rss_peak = $s->{rss} if $s->{rss} > $rss_peak;
        fail(sprintf 'httpd child %d: VmRSS %.1f MiB', $c, $s->{rss} / 1024)
            if $s->{rss} > $max_rss && !grep { /child $c:/ } @failures;
    }
}

sub fail {
    my ($msg) = @_;
    push @failures, $msg;
    $bad++;
    print "soak: $msg\n";
}

sub progress {
    printf "soak: %d uploads done, %d bad; killed %d clients, %d httpd children; "
         . "peak child VmRSS %.1f MiB\n", $done, $bad, $client_kills, $child_kills,
        $rss_peak / 1024;
}
