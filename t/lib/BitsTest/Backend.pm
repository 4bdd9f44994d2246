# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
package BitsTest::Backend;
# A real, scriptable server application for the notification tests of
# issue #3 (spec §11, §12, §14), out of process: an HTTP::Daemon forked by
# the .t file, bound to a FIXED port on 127.0.0.1 (the notification URLs are
# in t/conf/notify.conf.in, written before any port is known):
#
#   18790  t/15_notify_ref.t       (type 1)
#   18791  t/16_notify_value.t     (type 2, copy, static URL, BITSHostId)
#   18792  t/17_notify_url.t       (relative URLs and query strings)
#   18793  t/18_notify_errors.t    (application errors)
#   18794  t/18_notify_errors.t    (timeout, BITSNotificationTimeout 2)
#   18795  t/18_notify_errors.t    (down, then up)
#   18796  t/19_notify_delivery.t  (retries, races, kill -9)
#   18797  t/37_reply_access.t     (reply owner, reply after Close/Cancel)
#   18802  t/22_app_limits.t       (notification backoff, reply limit)
#   18803  t/22_app_limits.t       (BITSMaxConcurrentNotifications, own httpd)
#   18810  t/29_vhost.t            (vhost a.test, <Location /n>, own httpd)
#   18811  t/29_vhost.t            (vhost c.test, own httpd)
#
# The daemon forks one process per connection (libcurl keeps connections
# alive, so one connection may carry several POSTs), drops to nobody:nogroup
# (the application must be able to write the reply file into the Replies
# directory httpd's children created), arms alarm() so that it can never
# outlive the test, and is stopped with kill TERM + waitpid.
#
# Script: a JSON file read at the arrival of every request, so a test can
# change the behaviour between requests (script()).  Keys:
#   status      HTTP status (default 200)
#   headers     [name, value, ...] extra response headers
#   body        response body (bytes)
#   delay       seconds to wait before answering (fractions allowed)
#   garbage     bytes written instead of an HTTP response, then close
#   hangup      close the connection without answering
#   reply_file  bytes the application writes to BITS-Response-DataFile-Name
#               (type 1) before answering
#   close       answer with Connection: close
#   stale       a request on a kept-alive connection (not its first) is
#               read and the connection closed without an answer
#   chunked     send the body chunked (no Content-Length)
#   tag         copied into the log records
# Log: one JSON line per event in t/logs/backend-<port>.log:
#   {ev:"req", id, n, pid, t, method, uri, proto, headers{lc name => value},
#    body_len, body_sha256, peer_port, tag, reused (not the first
#    request of its connection),
#    reqfile{path, exists, size, sha256}, respdir_exists}
#   {ev:"resp", id, t, status, sent}      (after the answer was written)
use strict;
use warnings;

use Exporter 'import';
use Apache::Test ();
use Test::More ();
use HTTP::Daemon ();
use HTTP::Response ();
use HTTP::Status ();
use HTTP::Request ();
use LWP::UserAgent ();
use IO::Socket::INET ();
use JSON::PP ();
use MIME::Base64 qw(encode_base64 decode_base64);
use Digest::SHA ();
use Fcntl qw(:flock O_WRONLY O_APPEND O_CREAT);
use File::Basename qw(dirname);
use POSIX ();
use Time::HiRes qw(time sleep);

use BitsTest::Client qw(logs_dir base_url auth_header file_bytes
                        httpd_parent_pid httpd_children);

our @EXPORT = qw(
    app_ack_is reply_url_for get_reply port_is_free wait_until
    send_all_but_last upload_parts child_with_socket_to raw_fragment_start
    CTX_APP E_HTTP_403 E_HTTP_500 E_HTTP_302 E_TIMEOUT
);

use constant CTX_APP     => '0x7';
use constant E_HTTP_403  => '0x80190193';
use constant E_HTTP_500  => '0x801901F4';
use constant E_HTTP_302  => '0x8019012E';
use constant E_TIMEOUT   => '0x800705B4';

my $JSON = JSON::PP->new->canonical(1);

# ------------------------------------------------------------ the daemon

# BitsTest::Backend->start(port => N, script => {...}, lifetime => secs)
sub start {
    my ($class, %o) = @_;
    my $port = $o{port} or die 'port required';
    my $self = bless {
        port     => $port,
        log      => logs_dir() . "/backend-$port.log",
        script   => logs_dir() . "/backend-$port.script",
        lifetime => $o{lifetime} || 120,
    }, $class;
    $self->script(%{ $o{script} || {} });
    unless ($o{keep_log}) {
        open my $fh, '>', $self->{log} or die "$self->{log}: $!";
        close $fh;
    }
    chmod 0666, $self->{log};

    pipe my $rd, my $wr or die "pipe: $!";
    my $pid = fork;
    die "fork: $!" unless defined $pid;
    if (!$pid) {
        close $rd;
        $self->_daemon($wr);
        POSIX::_exit(0);
    }
    close $wr;
    my $ready = <$rd>;
    close $rd;
    $ready = 'no answer' unless defined $ready;
    chomp $ready;
    if ($ready ne 'ok') {
        waitpid $pid, 0;
        die "back-end on 127.0.0.1:$port did not start: $ready\n";
    }
    $self->{pid} = $pid;
    return $self;
}

sub port { $_[0]{port} }
sub pid  { $_[0]{pid} }

sub stop {
    my $self = shift;
    my $pid = delete $self->{pid} or return;
    kill 'TERM', $pid;
    my $until = time + 10;
    while (time < $until) {
        my $w = waitpid $pid, POSIX::WNOHANG();
        return if $w == $pid || $w < 0;
        sleep 0.05;
    }
    kill 'KILL', $pid;
    waitpid $pid, 0;
}

sub DESTROY { my $self = shift; local ($?, $@); $self->stop if $self->{pid} }

# Replaces the script (atomically: written aside, renamed).
sub script {
    my ($self, %s) = @_;
    my %enc = %s;
    for my $k (qw(body garbage reply_file)) {
        $enc{"${k}_b64"} = encode_base64(delete $enc{$k}, '') if defined $enc{$k};
    }
    my $tmp = "$self->{script}.tmp.$$";
    open my $fh, '>', $tmp or die "$tmp: $!";
    print $fh $JSON->encode(\%enc);
    close $fh or die "$tmp: $!";
    chmod 0644, $tmp;
    rename $tmp, $self->{script} or die "rename $tmp: $!";
}

sub _read_script {
    my $self = shift;
    my $txt = file_bytes($self->{script});
    my $s = eval { $JSON->decode($txt) } || {};
    for my $k (qw(body garbage reply_file)) {
        $s->{$k} = decode_base64(delete $s->{"${k}_b64"}) if defined $s->{"${k}_b64"};
    }
    return $s;
}

sub _log {
    my ($self, $rec) = @_;
    my $line = $JSON->encode($rec) . "\n";
    sysopen my $fh, $self->{log}, O_WRONLY | O_APPEND | O_CREAT, 0666 or return;
    flock $fh, LOCK_EX;
    syswrite $fh, $line;
    flock $fh, LOCK_UN;
    close $fh;
}

sub _drop_privileges {
    my ($uid, $gid) = (getpwnam('nobody'))[2, 3];
    my $ng = getgrnam('nogroup');
    $gid = $ng if defined $ng;
    return unless defined $uid && $> == 0;
    POSIX::setgid($gid);
    $) = "$gid $gid";
    POSIX::setuid($uid);
}

sub _daemon {
    my ($self, $ready) = @_;
    POSIX::setpgid(0, 0);
    $SIG{TERM} = sub {
        local $SIG{TERM} = 'IGNORE';
        kill 'TERM', -$$;
        POSIX::_exit(0);
    };
    $SIG{PIPE} = 'IGNORE';
    $SIG{CHLD} = 'IGNORE';            # connection children reap themselves
    $SIG{ALRM} = sub { kill 'KILL', -$$; POSIX::_exit(1) };
    alarm $self->{lifetime};
    my $d = HTTP::Daemon->new(LocalAddr => '127.0.0.1', LocalPort => $self->{port},
                              ReuseAddr => 1, Listen => 64, Timeout => undef);
    if (!$d) {
        syswrite $ready, "bind 127.0.0.1:$self->{port}: $!\n";
        POSIX::_exit(1);
    }
    _drop_privileges();
    syswrite $ready, "ok\n";
    close $ready;
    my $n = 0;
    while (1) {
        my $conn = $d->accept;
        next unless $conn;            # EINTR
        $n++;
        my $pid = fork;
        if (!defined $pid) { close $conn; next }
        if (!$pid) {
            $SIG{TERM} = 'DEFAULT';
            $SIG{ALRM} = 'DEFAULT';
            alarm $self->{lifetime};
            # ($d stays open: HTTP::Daemon::ClientConn asks it for its URL)
            $self->_serve($conn, $n);
            POSIX::_exit(0);
        }
        close $conn;
    }
}

# Serves every request of one (keep-alive) connection.
sub _serve {
    my ($self, $conn, $cn) = @_;
    $conn->timeout(60);
    my $k = 0;
    while (my $req = $conn->get_request) {
        my $s = $self->_read_script;
        my $reused = $k;
        my $id = "$$-$cn-" . $k++;
        my %h;
        $req->headers->scan(sub { my ($n, $v) = @_;
            $h{lc $n} = exists $h{lc $n} ? "$h{lc $n}, $v" : $v });
        my $body = $req->content;
        my %rec = (
            ev => 'req', id => $id, pid => $$, t => time,
            method => $req->method, uri => $req->uri->as_string,
            proto => $req->protocol, headers => \%h,
            body_len => length $body, body_sha256 => Digest::SHA::sha256_hex($body),
            peer_port => $conn->peerport, tag => $s->{tag}, reused => $reused ? 1 : 0,
        );
        if (defined(my $f = $h{'bits-request-datafile-name'})) {
            my %rf = (path => $f, exists => (-f $f ? 1 : 0));
            if ($rf{exists}) {
                $rf{size} = -s _;
                my $d = Digest::SHA->new(256);
                $rf{sha256} = eval { $d->addfile($f, 'b'); $d->hexdigest };
            }
            $rec{reqfile} = \%rf;
        }
        if (defined(my $f = $h{'bits-response-datafile-name'})) {
            $rec{respdir_exists} = -d dirname($f) ? 1 : 0;
        }

        if ($s->{stale} && $reused) {
            # an application that closed this kept-alive connection just as
            # the next request came in: no answer
            $self->_log(\%rec);
            $self->_log({ ev => 'resp', id => $id, t => time, status => 0, sent => 0, stale => 1 });
            close $conn;
            return;
        }
        $self->_log(\%rec);

        sleep $s->{delay} if $s->{delay};
        if (defined $s->{reply_file} && defined $h{'bits-response-datafile-name'}) {
            if (open my $fh, '>:raw', $h{'bits-response-datafile-name'}) {
                print $fh $s->{reply_file};
                close $fh;
            }
        }
        if ($s->{hangup}) {
            $self->_log({ ev => 'resp', id => $id, t => time, status => 0, sent => 0 });
            close $conn;
            return;
        }
        if (defined $s->{garbage}) {
            my $ok = syswrite $conn, $s->{garbage};
            $self->_log({ ev => 'resp', id => $id, t => time, status => 0,
                          sent => $ok ? 1 : 0, garbage => 1 });
            shutdown $conn, 1;
            sleep 0.2;
            close $conn;
            return;
        }
        my $status = $s->{status} || 200;
        my $rb = defined $s->{body} ? $s->{body} : '';
        my $out = sprintf "HTTP/1.1 %d %s\r\n", $status,
                          HTTP::Status::status_message($status) || 'Whatever';
        my @hh = @{ $s->{headers} || [] };
        while (my ($n, $v) = splice @hh, 0, 2) { $out .= "$n: $v\r\n" }
        if ($s->{chunked}) {
            $out .= "Transfer-Encoding: chunked\r\n";
            $out .= "Connection: close\r\n" if $s->{close};
            $out .= "\r\n";
            $out .= sprintf("%x\r\n%s\r\n", length $_, $_) for unpack '(a1000)*', $rb;
            $out .= "0\r\n\r\n";
        }
        else {
            $out .= 'Content-Length: ' . length($rb) . "\r\n";
            $out .= "Connection: close\r\n" if $s->{close};
            $out .= "\r\n$rb";
        }
        local $SIG{PIPE} = 'IGNORE';
        my $off = 0;
        while ($off < length $out) {
            my $w = syswrite $conn, $out, length($out) - $off, $off;
            last unless $w;
            $off += $w;
        }
        my $sent = $off == length $out ? 1 : 0;
        $self->_log({ ev => 'resp', id => $id, t => time, status => $status,
                      sent => $sent });
        last if $s->{close} || !$sent;
    }
    close $conn;
}

# ------------------------------------------------------------ the log

# All requests recorded so far (each with its 'resp' merged in as
# {resp => {...}} when the answer was written), in arrival order.
sub requests {
    my $self = shift;
    my (@req, %by);
    open my $fh, '<', $self->{log} or return ();
    while (my $l = <$fh>) {
        my $r = eval { $JSON->decode($l) } or next;
        if ($r->{ev} eq 'req') { push @req, $r; $by{ $r->{id} } = $r }
        elsif ($by{ $r->{id} }) { $by{ $r->{id} }{resp} = $r }
    }
    close $fh;
    return @req;
}

sub count { scalar(my @r = $_[0]->requests) }

# Requests answered with a 2xx that was written completely (waits up to
# 3 s for the answers of the requests already logged to be recorded).
sub successes {
    $_[0]->wait_requests(0, 3, 1);
    grep { $_->{resp} && $_->{resp}{status} =~ /^2/ && $_->{resp}{sent} } $_[0]->requests;
}

# Empties the log (between scenarios of one .t file).
sub clear {
    my $self = shift;
    open my $fh, '>', $self->{log} or die "$self->{log}: $!";
    close $fh;
    chmod 0666, $self->{log};
}

# Waits until at least $n requests are logged (and answered, if $answered).
sub wait_requests {
    my ($self, $n, $timeout, $answered) = @_;
    return wait_until(sub {
        my @r = $self->requests;
        @r >= $n && (!$answered || !grep { !$_->{resp} } @r);
    }, $timeout || 15);
}

# ------------------------------------------------------------ helpers

sub wait_until {
    my ($cond, $timeout) = @_;
    my $until = time + ($timeout || 15);
    while (time < $until) {
        return 1 if $cond->();
        sleep 0.05;
    }
    return $cond->() ? 1 : 0;
}

sub port_is_free {
    my $port = shift;
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $port,
                                  ReuseAddr => 1, Listen => 1);
    return 0 unless $s;
    close $s;
    return 1;
}

# app_ack_is($res, $status, $code, $ctx, $msg): status, Ack shape and error
# headers (BITS-Error-Code/-Context exactly $code/$ctx; undef = absent).
sub app_ack_is {
    my ($res, $status, $code, $ctx, $msg) = @_;
    my @p;
    push @p, 'status ' . $res->code . ", expected $status" unless $res->code == $status;
    my $h = sub { scalar $res->header($_[0]) };
    push @p, 'BITS-Packet-Type is ' . ($h->('BITS-Packet-Type') // 'missing')
        unless ($h->('BITS-Packet-Type') // '') eq 'Ack';
    push @p, 'Content-Length is ' . ($h->('Content-Length') // 'missing')
        unless ($h->('Content-Length') // '') eq '0';
    push @p, 'body is not empty' if length $res->content;
    for ([ 'BITS-Error-Code', $code ], [ 'BITS-Error-Context', $ctx ]) {
        my ($n, $want) = @$_;
        my $got = $h->($n);
        if (defined $want) {
            push @p, "$n is " . ($got // 'missing') . ", expected $want"
                unless defined $got && $got eq $want;
        }
        elsif (defined $got) {
            push @p, "unexpected $n $got";
        }
    }
    my $ok = Test::More::ok(!@p, "$msg: Ack $status"
        . (defined $code ? " $code ctx $ctx" : ', no error headers'));
    Test::More::diag("  $msg: $_") for @p;
    Test::More::diag('  response: ' . $res->status_line . "\n" . $res->headers->as_string) if @p;
    return $ok;
}

# The reply URL the contract expects: directory of the destination URL (as
# addressed, query dropped, host replaced by $host if given) +
# BITS-Sessions/Replies/%7B<ID>%7D/responsefile.bin.
sub reply_url_for {
    my ($path, $sid, $host) = @_;
    $path =~ s/\?.*//s;
    $path =~ s{[^/]*$}{};
    (my $bare = $sid) =~ s/^\{|\}$//g;
    my $base = base_url();
    $base =~ s{^(http://)[^:/]+}{$1$host} if defined $host;
    return "$base${path}BITS-Sessions/Replies/%7B$bare%7D/responsefile.bin";
}

# GET/HEAD of a reply (or any) URL; the request goes to the test server on
# 127.0.0.1 whatever host the URL names (BITSHostId), with that host in the
# Host header.  %o: method, range, auth => [u, p], headers => [...]
sub get_reply {
    my ($url, %o) = @_;
    my $ua = LWP::UserAgent->new(keep_alive => 0, timeout => 30,
                                 agent => 'Microsoft BITS/7.8');
    my ($host) = $url =~ m{^https?://([^/]+)};
    my $port = Apache::Test::vars('port');
    (my $target = $url) =~ s{^(https?://)[^/]+}{${1}127.0.0.1:$port};
    my @h = ('Accept-Encoding' => 'identity');
    push @h, Host => $host if $host;
    push @h, Range => $o{range} if defined $o{range};
    push @h, auth_header(@{ $o{auth} }) if $o{auth};
    push @h, @{ $o{headers} } if $o{headers};
    return $ua->request(HTTP::Request->new($o{method} || 'GET', $target, \@h));
}

# Creates a session and sends all fragments but the last; returns
# ($sid, $last_fragment_sub) where $last_fragment_sub->(%opt) sends the
# final fragment (again) and returns the Ack.  %o: fragsize, create_opt,
# opt (passed to every fragment, e.g. auth).
sub send_all_but_last {
    my ($path, $data, %o) = @_;
    my $fs = $o{fragsize} || 4096;
    my $c = BitsTest::Client::create_session($path, %{ $o{create_opt} || {} },
                                             %{ $o{opt} || {} });
    my $sid = BitsTest::Client::sid_of($c);
    die "Create-Session on $path: " . $c->status_line . "\n" . $c->headers->as_string
        unless $c->code == 200 && $sid;
    my $total = length $data;
    my $last_off = $total > $fs ? $total - (($total % $fs) || $fs) : 0;
    my $off = 0;
    while ($off < $last_off) {
        my $r = BitsTest::Client::fragment($path, $sid, substr($data, $off, $fs), $off,
                                           $total, %{ $o{opt} || {} });
        die "fragment at $off: " . $r->status_line unless $r->code == 200;
        $off += $fs;
    }
    my $last = sub {
        my %x = @_;
        BitsTest::Client::fragment($path, $sid, substr($data, $last_off), $last_off,
                                   $total, %{ $o{opt} || {} }, %x);
    };
    return ($sid, $last, $last_off);
}

# The raw request of the final fragment (for concurrent sending): returns
# the socket after the whole request was written; read the Ack with
# BitsTest::Client::read_response($sock, $timeout).
sub raw_fragment_start {
    my ($path, $sid, $bytes, $first, $total) = @_;
    my $s = BitsTest::Client::raw_connect();
    my $last = $first + length($bytes) - 1;
    BitsTest::Client::raw_send($s, BitsTest::Client::raw_head(
        path => $path,
        headers => [ 'BITS-Packet-Type' => 'Fragment', 'BITS-Session-Id' => $sid,
                     'Content-Range' => "bytes $first-$last/$total",
                     'Content-Length' => length $bytes ]) . $bytes);
    return $s;
}

# The httpd child owning the TCP connection 127.0.0.1:$local_port ->
# 127.0.0.1:$remote_port (the notification the back-end is serving).
sub child_with_socket_to {
    my ($local_port, $remote_port) = @_;
    my %inode;
    for my $f ('/proc/net/tcp', '/proc/net/tcp6') {
        open my $fh, '<', $f or next;
        <$fh>;
        while (my $l = <$fh>) {
            my @c = split ' ', $l;
            my ($lp) = $c[1] =~ /:([0-9A-F]{4})$/i;
            my ($rp) = $c[2] =~ /:([0-9A-F]{4})$/i;
            next unless defined $lp && defined $rp;
            $inode{ $c[9] } = 1 if hex($lp) == $local_port && hex($rp) == $remote_port;
        }
        close $fh;
    }
    return () unless %inode;
    my $ppid = httpd_parent_pid() or return ();
    my @out;
    for my $pid (httpd_children($ppid)) {
        opendir my $dh, "/proc/$pid/fd" or next;
        for my $fd (readdir $dh) {
            my $t = readlink "/proc/$pid/fd/$fd" or next;
            if ($t =~ /^socket:\[(\d+)\]$/ && $inode{$1}) { push @out, $pid; last }
        }
        closedir $dh;
    }
    return @out;
}

1;
