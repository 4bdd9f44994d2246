# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
package BitsTest::Node;
# A private httpd besides the Apache::Test server, for tests that need
# server-level settings the shared test server must not get (vhosts with
# their own RequestReadTimeout, a second farm node, ...).  It listens on
# 127.0.0.1 only, loads mod_bits from the tree and runs as nobody when the
# suite runs as root.  Stopped when the test ends.
use strict;
use warnings;

use Exporter 'import';
use File::Path ();
use IO::Socket::INET ();
use Time::HiRes ();
use BitsTest::Client qw(t_dir ping);

our @EXPORT_OK = qw(free_port start_node);

my @RUNNING;     # config files of nodes to stop at exit

# A TCP port on 127.0.0.1 (or the given loopback address) that nothing
# listens on right now.
sub free_port {
    my $addr = shift // '127.0.0.1';
    my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => $addr, LocalPort => 0)
        or die "no free port on $addr: $!";
    return $s->sockport;
}

# start_node($name, $conf, modules => [...], ping => '/path/x', prefix => [...])
# writes t/state/<name>/httpd.conf with the basics and $conf, starts it and
# waits until a Ping to the 'ping' URL (absolute) answers 200.  'prefix' is
# a command the start is run under (the farm tests start each node in its
# own mount namespace, with the shared file system mounted there).
sub start_node {
    my ($name, $conf, %o) = @_;
    my $dir  = t_dir() . "/state/$name";
    my $m    = '/usr/lib/apache2/modules';
    my $user = $> == 0 ? "User nobody\nGroup nogroup" : '';
    my $so   = t_dir() . '/../.libs/mod_bits.so';
    my $load = join '', map { "LoadModule ${_}_module $m/mod_$_.so\n" }
        ('mpm_event', 'authz_core', 'alias', @{ $o{modules} || [] });
    File::Path::make_path("$dir/logs");
    open my $c, '>', "$dir/httpd.conf" or die "$dir/httpd.conf: $!";
    print $c <<"CONF";
ServerRoot "$dir"
ServerName 127.0.0.1
PidFile "$dir/logs/httpd.pid"
ErrorLog "$dir/logs/error_log"
LogLevel info bits:debug
DefaultRuntimeDir "$dir/logs"
$user
${load}LoadModule bits_module "$so"
StartServers 1
$conf
CONF
    close $c;
    system(@{ $o{prefix} || [] }, '/usr/sbin/apache2', '-f', "$dir/httpd.conf", '-k', 'start') == 0
        or die "private httpd $name did not start";
    push @RUNNING, "$dir/httpd.conf";
    if ($o{ping}) {
        for (1 .. 100) {
            my $r = eval { ping($o{ping}) };
            return $dir if $r && $r->code == 200;
            Time::HiRes::sleep(0.1);
        }
        die "private httpd $name does not answer $o{ping}";
    }
    return $dir;
}

END {
    system('/usr/sbin/apache2', '-f', $_, '-k', 'stop') for @RUNNING;
}

1;
