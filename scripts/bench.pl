#!/usr/bin/perl
# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# make bench: upload throughput of mod_bits against mod_dav's ranged PUT of
# the same bytes in the same fragments, on one private httpd, in one run.
# mod_dav writes each range and answers; mod_bits also locks the session,
# fdatasyncs the fragment and writes its progress record (in place,
# fdatasync), so the ratio shows what durability and resumability cost.  It also reads
# the httpd children's peak RSS to show that fragments are streamed, not
# held in memory.  Figures are only comparable within one run.
use strict;
use warnings;
use File::Temp qw(tempdir);
use File::Path qw(make_path);
use IO::Socket::INET;
use LWP::UserAgent;
use HTTP::Request;
use Time::HiRes qw(time);
use Digest::SHA;
use Cwd ();

my $top    = Cwd::abs_path($ENV{BITS_TOP} // ".");
# BITS_MODULE: another build to compare (e.g. the previous commit's).
my $module = $ENV{BITS_MODULE} // "$top/.libs/mod_bits.so";
my $mb     = $ENV{BENCH_MB} // 256;                 # file size
my @frags  = map { $_ * 1024 } split /,/, ($ENV{BENCH_FRAGMENTS_KB} // '4,64,1024,8192');
# Small fragments upload a smaller file: at most this many fragments each.
my $max_frags = $ENV{BENCH_MAX_FRAGMENTS} // 4096;
my $rounds = $ENV{BENCH_ROUNDS} // 3;
my $proto  = '{7df0354d-249b-430f-820d-3d2a9bef4931}';
die "build the module first (make)\n" unless -f $module;

my $dir = tempdir("/tmp/mod_bits-bench.XXXXXX", CLEANUP => !$ENV{BENCH_KEEP});
chmod 0755, $dir;
make_path("$dir/logs", "$dir/lockdb", "$dir/htdocs/bits", "$dir/htdocs/dav");
chmod 0777, "$dir/lockdb", "$dir/htdocs/bits", "$dir/htdocs/dav";
my $port = free_port();
my $user = $> == 0 ? "User nobody\nGroup nogroup" : '';
my $m = '/usr/lib/apache2/modules';
open my $c, '>', "$dir/httpd.conf" or die $!;
print $c <<"EOF";
ServerRoot $dir
ServerName 127.0.0.1
Listen 127.0.0.1:$port
PidFile $dir/httpd.pid
ErrorLog $dir/logs/error_log
LogLevel warn
DefaultRuntimeDir $dir/logs
$user
LoadModule mpm_event_module $m/mod_mpm_event.so
LoadModule authz_core_module $m/mod_authz_core.so
LoadModule dav_module $m/mod_dav.so
LoadModule dav_fs_module $m/mod_dav_fs.so
LoadModule bits_module $module
DAVLockDB $dir/lockdb/davlock
DocumentRoot $dir/htdocs
LimitRequestBody 0
<Directory $dir/htdocs/bits>
    BITSUploadEnabled On
    BITSAllowOverwrites On
</Directory>
<Directory $dir/htdocs/dav>
    Dav On
</Directory>
EOF
close $c;
system('/usr/sbin/apache2', '-f', "$dir/httpd.conf", '-k', 'start') == 0 or die "httpd did not start\n";
END { system('/usr/sbin/apache2', '-f', "$dir/httpd.conf", '-k', 'stop') if $dir && -f "$dir/httpd.pid"; }
wait_port($port);

my $full = "$dir/source.bin";
system("head -c ${mb}M /dev/urandom > $full") == 0 or die;
my ($src, $size, $want);
my $ua = LWP::UserAgent->new(keep_alive => 4, timeout => 600);
my $base = "http://127.0.0.1:$port";

printf "mod_bits bench: up to %d MiB per upload (at most %d fragments), best of %d rounds, same httpd, same fragments\n",
    $mb, $max_frags, $rounds;
printf "%-10s %8s %12s %12s %8s\n", 'fragment', 'MiB', 'BITS MB/s', 'DAV MB/s', 'ratio';
for my $frag (@frags) {
    my ($bits, $dav) = (0, 0);
    use_source($frag);
    for (1 .. $rounds) {
        my $t = bits_upload("$base/bits/f.bin", $frag);
        die "BITS upload corrupted\n" unless sha_of("$dir/htdocs/bits/f.bin") eq $want;
        $bits = $t if $t > $bits;
        $t = dav_upload("$base/dav/f.bin", $frag);
        die "DAV upload corrupted\n" unless sha_of("$dir/htdocs/dav/f.bin") eq $want;
        $dav = $t if $t > $dav;
    }
    printf "%-10s %8d %12.1f %12.1f %8.2f\n", kib($frag), $size / 1048576, $bits, $dav,
        $bits / $dav;
}
my @rss = child_rss_kb();
printf "httpd children peak RSS (VmHWM): %s KiB; largest fragment %d KiB\n",
    join(', ', @rss), $frags[-1] / 1024;

# The first min(file, fragment x max_frags) bytes of the random file.
sub use_source {
    my ($frag) = @_;
    my $bytes = $frag * $max_frags;
    $src = $full;
    if ($bytes < -s $full) {
        $src = "$dir/source-$frag.bin";
        system("head -c $bytes $full > $src") == 0 or die;
    }
    $size = -s $src;
    $want = sha_of($src);
}

sub bits_upload {
    my ($url, $frag) = @_;
    my $t0 = time;
    my $res = post($url, 'Create-Session', 'BITS-Supported-Protocols' => $proto);
    my $sid = $res->header('BITS-Session-Id') or die "no session: " . $res->status_line . "\n";
    open my $in, '<:raw', $src or die $!;
    for (my $off = 0; $off < $size; $off += $frag) {
        my $len = $off + $frag > $size ? $size - $off : $frag;
        read($in, my $buf, $len) == $len or die;
        $res = post($url, 'Fragment', $buf, 'BITS-Session-Id' => $sid,
                    'Content-Range' => sprintf('bytes %d-%d/%d', $off, $off + $len - 1, $size));
        $res->code == 200 or die 'fragment: ' . $res->status_line . "\n";
    }
    post($url, 'Close-Session', 'BITS-Session-Id' => $sid)->code == 200 or die "close\n";
    return $size / 1e6 / (time - $t0);
}

sub dav_upload {
    my ($url, $frag) = @_;
    my $t0 = time;
    $ua->request(HTTP::Request->new(DELETE => $url));
    open my $in, '<:raw', $src or die $!;
    for (my $off = 0; $off < $size; $off += $frag) {
        my $len = $off + $frag > $size ? $size - $off : $frag;
        read($in, my $buf, $len) == $len or die;
        my $res = $ua->request(HTTP::Request->new(PUT => $url, [
            'Content-Length' => $len,
            'Content-Range'  => sprintf('bytes %d-%d/%d', $off, $off + $len - 1, $size)], $buf));
        $res->is_success or die 'PUT: ' . $res->status_line . "\n";
    }
    return $size / 1e6 / (time - $t0);
}

sub post {
    my ($url, $type, @rest) = @_;
    my $body = @rest % 2 ? shift @rest : '';
    return $ua->request(HTTP::Request->new(BITS_POST => $url, [
        'BITS-Packet-Type' => $type, 'Content-Length' => length $body, @rest], $body));
}

sub sha_of { Digest::SHA->new(256)->addfile($_[0])->hexdigest }
sub kib    { $_[0] >= 1048576 ? ($_[0] / 1048576) . ' MiB' : ($_[0] / 1024) . ' KiB' }

sub child_rss_kb {
    open my $p, '<', "$dir/httpd.pid" or return;
    chomp(my $parent = <$p>);
    my @kb;
    for my $status (glob '/proc/[0-9]*/status') {
        open my $s, '<', $status or next;
        my %f = map { /^(\w+):\s*(.*)/ ? ($1, $2) : () } <$s>;
        push @kb, ($f{VmHWM} =~ /(\d+)/)[0] if ($f{PPid} // '') eq $parent;
    }
    return sort { $a <=> $b } @kb;
}

sub free_port {
    my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1', LocalPort => 0) or die $!;
    return $s->sockport;
}

sub wait_port {
    for (1 .. 100) {
        return if IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $_[0]);
        select undef, undef, undef, 0.1;
    }
    die "httpd is not answering\n";
}
