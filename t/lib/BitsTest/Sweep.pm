# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
package BitsTest::Sweep;
# Helpers for the tests of the background sweep (t/42_sweep_timer.t,
# t/26_flood.t, t/25_perms.t): sessions made to look long idle, a store
# built aside and moved into place whole (so that no sweep sees half of
# it), the store's sweep lock held as another farm node would, and waiting
# for the sweeper's log lines.
use strict;
use warnings;

use Exporter 'import';
use Fcntl qw(:flock);
use File::Path ();
use Time::HiRes ();
use BitsTest::Client qw(state_file session_dir read_state);

our @EXPORT_OK = qw(new_guid clone_idle_sessions build_store hold_sweep_lock
                    sweep_due wait_for_lines sweep_lines state_of_session);

sub new_guid {
    my @h = map { sprintf '%04X', int rand 65536 } 1 .. 8;
    return "{$h[0]$h[1]-$h[2]-$h[3]-$h[4]-$h[5]$h[6]$h[7]}";
}

# Copies the record of live session $sid of store $from into $n new
# sessions of store $to, last active (and created) $idle seconds ago;
# returns their ids.  Without a progress file, the record is all there is.
sub clone_idle_sessions {
    my ($from, $sid, $to, $n, $idle) = @_;
    open my $fh, '<', state_file($from, $sid) or die "state of $sid: $!";
    my $text = do { local $/; <$fh> };
    close $fh;
    my $t = int((Time::HiRes::time() - $idle) * 1e6);
    my @ids;
    for (1 .. $n) {
        my $id = new_guid();
        (my $copy = $text) =~ s/^id=.*$/id=$id/m;
        $copy =~ s/^(created|last_activity)=\d+$/$1=$t/mg;
        my $dir = session_dir($to, $id);
        File::Path::make_path($dir);
        open my $out, '>', "$dir/state" or die "$dir/state: $!";
        print $out $copy;
        close $out;
        open $out, '>', "$dir/requestfile.bin" or die "$dir: $!";
        close $out;
        push @ids, $id;
    }
    return @ids;
}

# Builds a store at $root through $build->($aside) in a directory beside it,
# hands it to the server user and renames it into place.
sub build_store {
    my ($root, $build) = @_;
    my $aside = "$root.building";
    File::Path::remove_tree($aside);
    File::Path::make_path("$aside/Requests");
    my @r = $build->($aside);
    system('chown', '-R', 'nobody:nogroup', $aside) == 0 or die "chown $aside" if $> == 0;
    rename $aside, $root or die "rename $aside $root: $!";
    return @r;
}

# Holds the store's sweep lock (flock, as the module takes it) until the
# returned handle is closed.
sub hold_sweep_lock {
    my $root = shift;
    open my $fh, '>>', "$root/.sweep-lock" or die "$root/.sweep-lock: $!";
    flock $fh, LOCK_EX or die "flock: $!";
    return $fh;
}

# Makes the store's sweep due: its last sweep is long ago.
sub sweep_due {
    my $root = shift;
    my $stamp = "$root/.sweep-stamp";
    utime 0, 0, $stamp if -e $stamp;
}

# Waits up to $timeout seconds until $lines->() returns something; returns it.
sub wait_for_lines {
    my ($lines, $timeout) = @_;
    my $until = Time::HiRes::time() + ($timeout || 30);
    while (1) {
        my @l = $lines->();
        return @l if @l || Time::HiRes::time() > $until;
        Time::HiRes::sleep(0.2);
    }
}

# The sweeper's lines about $root in @log matching $re (e.g. qr/started/).
sub sweep_lines {
    my ($root, $re, @log) = @_;
    return grep { /BITS sweep of \Q$root\E\b/ && $_ =~ $re } @log;
}

sub state_of_session {
    my $st = read_state(@_);
    return $st ? $st->{state} : 'gone';
}

1;
