# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
package BitsTest::Farm;
# The web farm of t/farm/farm.t: HAProxy (conf/farm-haproxy.cfg) in front of
# three private httpds (BitsTest::Node, conf/farm-node.conf) on 127.0.0.31-33,
# all sharing one store.  The store is either a local directory or a shared
# file system that every node mounts ITSELF, at the same path, in its own
# mount namespace (three FUSE clients, as on three machines: a session
# records its destination as a path, so the path must be the same on every
# node).  The test reads results through its own view of the store.
#
# BitsTest::Farm->start(kind => 'local'|'glusterfs', store => DIR,
#                       check => DIR, mount => 'mount -t glusterfs H:/V',
#                       app => 'http://127.0.0.1:PORT/notify')
#   store  the path the nodes use (/srv/bits in the examples)
#   check  where the test sees the same files (= store without a mount)
#   mount  command (words) that mounts the shared file system on its last
#          argument; run in each node's new mount namespace
use strict;
use warnings;

use File::Path ();
use IO::Socket::UNIX ();
use POSIX ();
use Time::HiRes qw(sleep time);
use BitsTest::Client qw(t_dir ping httpd_children);
use BitsTest::Node qw(free_port start_node);

my @FARMS;       # started farms, stopped at exit

sub top { t_dir() . '/..' }

sub start {
    my ($class, %o) = @_;
    my $self = bless { %o, nodes => [] }, $class;
    $self->{dir} = t_dir() . "/state/farm-$o{kind}";
    File::Path::remove_tree($self->{dir});
    File::Path::make_path($self->{dir});
    push @FARMS, $self;
    $self->_start_node($_) for 1 .. 3;
    $self->_start_lb;
    return $self;
}

# The example file with the test's paths, addresses and application.
sub _example {
    my ($self, $name, @subst) = @_;
    open my $in, '<', top() . "/conf/$name" or die "conf/$name: $!";
    local $/;
    my $text = <$in>;
    close $in;
    while (my ($re, $to) = splice @subst, 0, 2) {
        my $n = ref $to ? ($text =~ s/$re/$to->()/ge) : ($text =~ s/$re/$to/g);
        die "conf/$name: nothing matches $re" unless $n;
    }
    my $out = "$self->{dir}/$name";
    open my $fh, '>', $out or die "$out: $!";
    print $fh $text;
    close $fh;
    return $out;
}

sub _start_node {
    my ($self, $i) = @_;
    my $addr = '127.0.0.' . (30 + $i);
    my $port = free_port($addr);
    # BITSFragmentSync On (every Ack durable) when the run asks for it
    my @sync = $self->{fragment_sync}
        ? (qr{BITSLockTimeout 10\n} => "BITSLockTimeout 10\n    BITSFragmentSync On\n") : ();
    my $conf = $self->{node_conf} ||= $self->_example('farm-node.conf',
        qr{/srv/bits} => $self->{store},
        qr{http://app\.internal:8080/bits/notify} => $self->{app}, @sync);
    my @prefix;
    if ($self->{mount}) {
        # its own mount namespace, the shared file system mounted in it
        @prefix = ('unshare', '--mount', '--propagation', 'private', 'sh', '-c',
                   "$self->{mount} \"\$0\" && exec \"\$@\"", $self->{store});
    }
    my $name = "farm-$self->{kind}/node$i";
    my $dir = start_node($name, "Listen $addr:$port\nInclude \"$conf\"\n",
                         modules => ['reqtimeout'], prefix => \@prefix,
                         ping => "http://$addr:$port/uploads/ping");
    my $node = { i => $i, name => "node$i", addr => $addr, port => $port, dir => $dir };
    $node->{pid} = _read_pid("$dir/logs/httpd.pid");
    $node->{ns} = readlink "/proc/$node->{pid}/ns/mnt";
    push @{ $self->{nodes} }, $node;
}

sub _read_pid {
    my $f = shift;
    open my $fh, '<', $f or return undef;
    my $p = <$fh>;
    close $fh;
    chomp $p if defined $p;
    return $p;
}

sub _start_lb {
    my ($self) = @_;
    my $d = $self->{dir};
    $self->{lb_addr} = '127.0.0.30';
    $self->{lb_port} = free_port($self->{lb_addr});
    $self->{sock} = "$d/admin.sock";
    my $n = 0;
    my @nodes = @{ $self->{nodes} };
    my $cfg = $self->_example('farm-haproxy.cfg',
        qr{log /dev/log local0} => 'log stderr format raw local0 info',
        qr{/run/haproxy/admin\.sock} => $self->{sock},
        qr{bind :80} => "bind $self->{lb_addr}:$self->{lb_port}",
        qr{server (node\d) \S+:80} => sub { my $x = $nodes[$n++]; "server $x->{name} $x->{addr}:$x->{port}" });
    $self->{lb_cfg} = $cfg;
    $self->{lb_check} = system("haproxy -c -q -f '$cfg' >'$d/haproxy-check.log' 2>&1");
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', "$d/haproxy.log";
        open STDERR, '>&', \*STDOUT;
        exec 'haproxy', '-db', '-f', $cfg or POSIX::_exit(127);
    }
    $self->{lb_pid} = $pid;
    my $until = time + 20;
    while (time < $until) {
        my %st = $self->lb_status;
        return if 3 == grep { ($st{$_}{status} // '') eq 'UP'
                              && ($st{$_}{check_status} // '') =~ /^L7OK/ } keys %st;
        sleep 0.2;
    }
    die "HAProxy did not see three healthy nodes (see $d/haproxy.log)";
}

# The URL of a file in the farm's upload directory, through the balancer.
sub url { my ($self, $name) = @_; "http://$self->{lb_addr}:$self->{lb_port}/uploads/$name" }
sub lb_addr { $_[0]{lb_addr} }
sub lb_port { $_[0]{lb_port} }
sub nodes   { @{ $_[0]{nodes} } }
sub node    { $_[0]{nodes}[ $_[1] - 1 ] }

# The configuration checks of the generated files: haproxy -c's exit code
# and apache2 -t's for every node.
sub lb_config_status { $_[0]{lb_check} }
sub node_config_status {
    my ($self, $i) = @_;
    my $conf = $self->node($i)->{dir} . '/httpd.conf';
    return system("/usr/sbin/apache2 -t -f '$conf' >/dev/null 2>&1");
}

# HAProxy's runtime API: sends one command, returns the answer.
sub lb_command {
    my ($self, $cmd) = @_;
    my $s = IO::Socket::UNIX->new(Peer => $self->{sock}) or return '';
    print $s "$cmd\n";
    local $/;
    my $out = <$s>;
    close $s;
    return $out // '';
}

# { node1 => {status => 'UP', check_status => 'L7OK', ...}, ... } of the
# nodes' back-end (`show stat`).
sub lb_status {
    my ($self) = @_;
    my @lines = split /\n/, $self->lb_command('show stat');
    my $head = shift @lines or return ();
    $head =~ s/^#\s*//;
    my @f = split /,/, $head;
    my %out;
    for my $l (@lines) {
        my %r;
        @r{@f} = split /,/, $l, -1;
        next unless ($r{pxname} // '') eq 'bits_nodes' && ($r{svname} // '') =~ /^node\d$/;
        # "* L7OK": the last result while the next check is under way
        $r{check_status} =~ s/^\* // if defined $r{check_status};
        $out{ $r{svname} } = \%r;
    }
    return %out;
}

# Access log of node $i: list of {type, sid, range, status}.
sub node_log {
    my ($self, $i) = @_;
    open my $fh, '<', $self->node($i)->{dir} . '/logs/access_log' or return ();
    my @out;
    while (my $l = <$fh>) {
        my ($req, $status, $type, $sid, $range) =
            $l =~ /^\S+ \[[^\]]*\] "([^"]*)" (\d+) (\S+) (\S+) "([^"]*)"/ or next;
        push @out, { req => $req, status => $status, type => $type, sid => $sid,
                     range => $range };
    }
    close $fh;
    return @out;
}

# { node index => number of logged packets } for which $match->(record)
# holds.  httpd logs a request after answering it: with $want, the logs are
# read again (for up to 5 s) until $want->(\%n) holds.
sub served {
    my ($self, $match, $want) = @_;
    my $until = time + 5;
    while (1) {
        my %n;
        for my $i (1 .. 3) { $n{$i} = grep { $match->($_) } $self->node_log($i) }
        return %n if !$want || $want->(\%n) || time > $until;
        sleep 0.1;
    }
}

# The index of the node whose httpd is working on session $sid right now
# (has a file of the session open), or undef.
sub holder_of {
    my ($self, $sid) = @_;
    for my $n ($self->nodes) {
        next if $n->{dead};
        for my $pid (httpd_children($n->{pid})) {
            opendir my $dh, "/proc/$pid/fd" or next;
            for my $fd (readdir $dh) {
                my $t = readlink "/proc/$pid/fd/$fd" // next;
                return $n->{i} if index($t, "/Requests/$sid/") >= 0;
            }
        }
    }
    return undef;
}

# kill -9 of node $i's whole httpd (parent and children) at once.
sub kill_node {
    my ($self, $i) = @_;
    my $n = $self->node($i);
    my @pids = ($n->{pid}, httpd_children($n->{pid}));
    kill 'STOP', @pids;          # none of them may answer or respawn meanwhile
    kill 'KILL', @pids;
    $n->{dead} = 1;
    return scalar @pids;
}

# Waits (up to $timeout s) until HAProxy reports node $i as $state.
sub wait_lb_state {
    my ($self, $i, $state, $timeout) = @_;
    my $until = time + ($timeout || 20);
    while (time < $until) {
        my %st = $self->lb_status;
        return $st{"node$i"} if ($st{"node$i"}{status} // '') eq $state;
        sleep 0.2;
    }
    return undef;
}

# Processes living in node $n's mount namespace (the httpd, the FUSE
# client of its mount).
sub _ns_pids {
    my ($n) = @_;
    return () unless $n->{ns};
    opendir my $dh, '/proc' or return ();
    my @p = grep { /^\d+$/ && (readlink("/proc/$_/ns/mnt") // '') eq $n->{ns} } readdir $dh;
    closedir $dh;
    return @p;
}

sub stop {
    my ($self) = @_;
    if (my $pid = delete $self->{lb_pid}) {
        kill 'TERM', $pid;
        waitpid $pid, 0;
    }
    for my $n (@{ $self->{nodes} }) {
        if (!$n->{dead}) {
            system('/usr/sbin/apache2', '-f', "$n->{dir}/httpd.conf", '-k', 'stop');
            $n->{dead} = 1;
        }
        next unless $self->{mount};
        # wait for the httpd to go, then unmount in its namespace; the FUSE
        # client exits when its mount is gone
        my $until = time + 15;
        sleep 0.1 while kill(0, $n->{pid}) && time < $until;
        my @in = _ns_pids($n) or next;
        system('nsenter', "--target=$in[0]", '--mount', 'umount', $self->{store}) == 0
            or system('nsenter', "--target=$in[0]", '--mount', 'umount', '-l', $self->{store});
        $until = time + 10;
        sleep 0.1 while _ns_pids($n) && time < $until;
        kill 'TERM', _ns_pids($n);
    }
}

END {
    local $?;
    $_->stop for reverse @FARMS;
}

1;
