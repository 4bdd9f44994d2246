# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
package BitsTest::StoreFixture;
# Committed session stores written by an older module (t/fixtures/), and
# the data of their uploads: installed where a test's node serves them,
# with the paths, URLs and times of their records rewritten.
use strict;
use warnings;

use Exporter 'import';
use Digest::SHA ();
use File::Path ();
use Time::HiRes ();
use Sys::Hostname ();
use BitsTest::Client ();

our @EXPORT_OK = qw(fixture_bytes fixture_ids install_store);

# The data of every fixture upload of `len` bytes (deterministic).
sub fixture_bytes {
    my $len = shift;
    my $s = '';
    $s .= Digest::SHA::sha256("mod_bits fixture " . length $s) while length $s < $len;
    return substr $s, 0, $len;
}

# name => session id, from the fixture's FIXTURE file.
sub fixture_ids {
    my $src = shift;
    open my $f, '<', "$src/FIXTURE" or die "$src/FIXTURE: $!";
    my %h = map { chomp; split /=/, $_, 2 } <$f>;
    return \%h;
}

# Copies the fixture store $src to $dst and rewrites every session record:
# destinations under $dir_now (was the FIXTURE's dir), URLs under $url_now,
# created/last_activity now (a fixture must not expire), and the writer of
# every progress slot that names one (version 2 on) this machine's kernel
# and host: an upgrade with a graceful restart, no reboot in between.
# Owned by the server user when the suite runs as root.
sub install_store {
    my ($src, $dst, $dir_now, $url_now) = @_;
    my $ids = fixture_ids($src);
    File::Path::remove_tree($dst);
    system('cp', '-a', $src, $dst) == 0 or die "cp $src $dst";
    unlink "$dst/FIXTURE";
    my $now = int(Time::HiRes::time() * 1e6);
    for my $state (glob "$dst/Requests/*/state") {
        open my $in, '<', $state or die "$state: $!";
        my $text = do { local $/; <$in> };
        close $in;
        $text =~ s{^(dest_path=)\Q$ids->{dir}\E}{$1$dir_now}m;
        $text =~ s{^(dest_url=)\Q$ids->{url}\E}{$1$url_now}m;
        $text =~ s{^(created|last_activity)=\d+$}{$1=$now}mg;
        open my $out, '>', $state or die "$state: $!";
        print $out $text;
        close $out or die "$state: $!";
    }
    my $boot = do { open my $b, '<', '/proc/sys/kernel/random/boot_id' or die $!; <$b> };
    chomp $boot;
    my $host = substr Sys::Hostname::hostname(), 0, 63;
    for my $progress (glob "$dst/Requests/*/progress") {
        my ($sid) = $progress =~ m{/Requests/([^/]+)/progress$};
        for my $slot (grep { $_->{version} >= 2 } BitsTest::Client::read_progress($dst, $sid)) {
            BitsTest::Client::rewrite_progress_slot($dst, $sid, $slot->{slot}, boot => $boot,
                                                    host => $host);
        }
    }
    system('chown', '-R', 'nobody:nogroup', $dst) if $> == 0;
    return $ids;
}

1;
