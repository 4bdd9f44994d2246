# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
package BitsBench;
# The private httpd of `make bench` and `make soak`: mod_bits and
# mod_dav_fs on 127.0.0.1, event MPM with a fixed set of children (none
# started or stopped by the MPM during a run, so that their memory can be
# watched), children as nobody when run as root.  And the /proc readings
# both scripts take of those children.
use strict;
use warnings;
use Exporter 'import';
use IO::Socket::INET ();
use Time::HiRes ();

our @EXPORT_OK = qw(start_httpd stop_httpd children child_stat free_port);

my @RUNNING;

sub free_port {
    my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1', LocalPort => 0)
        or die "no free port: $!";
    return $s->sockport;
}

# start_httpd($dir, $port, $module, $sections): writes $dir/httpd.conf with
# the basics and $sections (the <Directory> blocks), starts httpd and waits
# until it answers.
sub start_httpd {
    my ($dir, $port, $module, $sections) = @_;
    my $m = '/usr/lib/apache2/modules';
    my $user = $> == 0 ? "User nobody\nGroup nogroup" : '';
    mkdir "$dir/logs";
    mkdir "$dir/lockdb";
    chmod 0777, "$dir/lockdb";
    open my $c, '>', "$dir/httpd.conf" or die "$dir/httpd.conf: $!";
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
StartServers 2
ServerLimit 2
ThreadsPerChild 40
MaxRequestWorkers 80
MinSpareThreads 1
MaxSpareThreads 80
MaxConnectionsPerChild 0
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 60
Timeout 600
DAVLockDB $dir/lockdb/davlock
DocumentRoot $dir/htdocs
LimitRequestBody 0
$sections
EOF
    close $c;
    system('/usr/sbin/apache2', '-f', "$dir/httpd.conf", '-k', 'start') == 0
        or die "httpd did not start (see $dir/logs/error_log)\n";
    push @RUNNING, $dir;
    for (1 .. 100) {
        return if IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port);
        Time::HiRes::sleep(0.1);
    }
    die "httpd is not answering on 127.0.0.1:$port\n";
}

sub stop_httpd {
    my ($dir) = @_;
    return unless grep { $_ eq $dir } @RUNNING;
    @RUNNING = grep { $_ ne $dir } @RUNNING;
    system('/usr/sbin/apache2', '-f', "$dir/httpd.conf", '-k', 'stop');
    for (1 .. 200) { last unless -f "$dir/httpd.pid"; Time::HiRes::sleep(0.1) }
}

END { stop_httpd($_) for @RUNNING }

# The children of the httpd whose pid file is in $dir.
sub children {
    my ($dir) = @_;
    open my $f, '<', "$dir/httpd.pid" or return;
    chomp(my $parent = <$f> // '');
    my @kids;
    for my $st (glob '/proc/[0-9]*/stat') {
        open my $s, '<', $st or next;
        my $l = <$s> // next;
        push @kids, $1 if $l =~ /^(\d+) \(.*\) \S (\d+)/ && $2 == $parent;
    }
    return @kids;
}

# { rss => VmRSS in KiB, wchar => bytes written } of one process, or undef.
sub child_stat {
    my ($pid) = @_;
    my %s;
    local $_;
    open my $f, '<', "/proc/$pid/status" or return undef;
    while (<$f>) { $s{rss} = $1 if /^VmRSS:\s+(\d+)/ }
    $s{wchar} = 0;
    if (open my $io, '<', "/proc/$pid/io") {
        while (<$io>) { $s{wchar} = $1 if /^wchar:\s+(\d+)/ }
    }
    return \%s;
}

1;
