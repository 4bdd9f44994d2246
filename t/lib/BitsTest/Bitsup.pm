# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
package BitsTest::Bitsup;
# Runs bitsup (bitsup/bitsup of the tree) for t/30_bitsup.t: in the
# foreground with its stdout, stderr and exit code captured, or in the
# background so that a test can kill it or restart the server under it.
# Every run gets --state-dir t/state/bitsup-state, so resumes are seen and
# nothing lands in root's home.
use strict;
use warnings;

use Exporter 'import';
use File::Path ();
use POSIX ();
use Time::HiRes qw(time sleep);
use BitsTest::Client qw(t_dir file_bytes);

our @EXPORT = qw(bitsup_bin bitsup_state_dir run_bitsup start_bitsup
                 wait_bitsup wait_for_output bitsup_state_files);

my $N = 0;

sub bitsup_bin       { t_dir() . '/../bitsup/bitsup' }
sub bitsup_state_dir { my $d = t_dir() . '/state/bitsup-state'; File::Path::make_path($d); $d }
sub bitsup_state_files { my $d = bitsup_state_dir(); return grep { -f } glob "$d/*.state" }

# start_bitsup([args], env => {...}) -> {pid, out, err}
sub start_bitsup {
    my ($args, %o) = @_;
    my $base = t_dir() . '/logs/bitsup-' . $$ . '-' . $N++;
    my %run = (out => "$base.out", err => "$base.err");
    my $pid = fork;
    die "fork: $!" unless defined $pid;
    if (!$pid) {
        # A session of its own: no controlling terminal to prompt on, and
        # a kill reaches bitsup alone.
        POSIX::setsid();
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', $run{out} or POSIX::_exit(126);
        open STDERR, '>', $run{err} or POSIX::_exit(126);
        delete $ENV{BITSUP_PASSWORD};
        $ENV{$_} = $o{env}{$_} for keys %{ $o{env} || {} };
        exec(bitsup_bin(), '--state-dir', bitsup_state_dir(), @$args) or POSIX::_exit(127);
    }
    $run{pid} = $pid;
    return \%run;
}

# Waits for a background run (at most $timeout seconds, then kills it);
# fills in rc, out and err.
sub wait_bitsup {
    my ($run, $timeout) = @_;
    my $until = time + ($timeout || 120);
    while (time < $until) {
        my $w = waitpid $run->{pid}, POSIX::WNOHANG();
        if ($w == $run->{pid}) {
            $run->{rc} = $? & 127 ? 128 + ($? & 127) : $? >> 8;
            last;
        }
        sleep 0.05;
    }
    unless (defined $run->{rc}) {
        kill 'KILL', $run->{pid};
        waitpid $run->{pid}, 0;
        $run->{rc} = 'timeout';
    }
    $run->{stdout} = file_bytes($run->{out}) // '';
    $run->{stderr} = file_bytes($run->{err}) // '';
    return $run;
}

sub run_bitsup {
    my ($args, %o) = @_;
    return wait_bitsup(start_bitsup($args, %o), $o{timeout});
}

# Waits until the background run's stderr matches $re $count times.
sub wait_for_output {
    my ($run, $re, $count, $timeout) = @_;
    my $until = time + ($timeout || 30);
    while (time < $until) {
        my $txt = file_bytes($run->{err}) // '';
        my $n = () = $txt =~ /$re/g;
        return 1 if $n >= $count;
        sleep 0.05;
    }
    return 0;
}

1;
