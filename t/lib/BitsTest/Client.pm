# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
package BitsTest::Client;
# Client-side helpers for the mod_bits Apache::Test suite: BITS packets over
# LWP, raw-socket requests for malformed framing, upload helpers, Ack shape
# assertions, paths of scenario/session directories, state-file parsing.
#
# All traffic goes to 127.0.0.1 (the test server listens there only).
use strict;
use warnings;

use Exporter 'import';
use Apache::Test ();
use Apache::TestUtil qw(t_cmp);
use Test::More ();
use LWP::UserAgent ();
use HTTP::Request ();
use HTTP::Response ();
use IO::Socket::INET ();
use IO::Select ();
use MIME::Base64 qw(encode_base64);
use Digest::SHA ();
use File::Find ();
use File::Path ();
use POSIX ();
use Time::HiRes qw(time sleep);

our @EXPORT = qw(
    PROTO_GUID E_INVALIDARG E_ACCESSDENIED E_DISK_FULL E_FAIL
    E_SESSION_NOT_FOUND E_TOO_LARGE E_HTTP_404 E_HTTP_413 E_HTTP_503
    base_url url ua bits_request ping create_session fragment
    close_session cancel_session upload_file send_fragments
    raw_request raw_head raw_connect raw_send read_response
    random_bytes sha256_hex sha256_file file_bytes
    reset_scenario htdocs t_dir logs_dir session_root session_dir state_file read_state
    read_progress rewrite_progress_slot
    request_file ack_is ack_shape_ok sid_of received_of
    auth_header find_files_named tree_snapshot
    httpd_parent_pid httpd_children wait_for_server
    write_file new_session config_test config_test_dir is_mounted unmount
    server_stop server_start error_log_lines
);

use constant PROTO_GUID          => '{7df0354d-249b-430f-820d-3d2a9bef4931}';
use constant E_INVALIDARG        => '0x80070057';
use constant E_ACCESSDENIED      => '0x80070005';
use constant E_DISK_FULL         => '0x80070070';
use constant E_FAIL              => '0x80004005';
use constant E_SESSION_NOT_FOUND => '0x8020001F';
use constant E_TOO_LARGE         => '0x80200020';
use constant E_HTTP_404          => '0x80190194';
use constant E_HTTP_413          => '0x8019019D';
use constant E_HTTP_503          => '0x801901F7';

# ---------------------------------------------------------------- paths

# 1 if a file system is mounted on $dir (/proc/mounts).
sub is_mounted {
    my $dir = shift;
    open my $fh, '<', '/proc/mounts' or return 0;
    return scalar grep { (split ' ')[1] eq $dir } <$fh>;
}

# Unmounts what a test mounted on $dir (lazily if it is still busy).
sub unmount {
    my $dir = shift;
    return unless is_mounted($dir);
    system('umount', $dir) == 0 or system('umount', '-l', $dir);
}

sub port     { Apache::Test::vars('port') }
sub base_url { 'http://127.0.0.1:' . port() }
sub url      { my $p = shift; return $p if $p =~ m{^https?://};
               $p = "/$p" unless $p =~ m{^/}; base_url() . $p }
sub t_dir    { Apache::Test::vars('serverroot') }
sub htdocs   { my $rel = shift; my $d = Apache::Test::vars('documentroot');
               defined $rel && length $rel ? "$d/$rel" : $d }
sub logs_dir { Apache::Test::vars('t_logs') }

# Default session root of a scenario directory: <dir>/BITS-Sessions.
sub session_root { my $scen = shift; htdocs($scen) . '/BITS-Sessions' }
sub session_dir  { my ($root, $sid) = @_; "$root/Requests/$sid" }
sub state_file   { session_dir(@_) . '/state' }
sub request_file { session_dir(@_) . '/requestfile.bin' }

# Parses a session state file: first line "BITS-Session 1", then key=value.
# Returns a hash ref (with _version = first line) or undef if missing.
# received and last_activity are what the module itself would load: the
# progress file's record counts if it names more (see read_progress).
sub read_state {
    my ($root, $sid) = @_;
    my $f = state_file($root, $sid);
    open my $fh, '<', $f or return undef;
    my $first = <$fh>;
    return { _version => '' } unless defined $first;
    chomp $first;
    my %h = (_version => $first);
    while (my $l = <$fh>) {
        chomp $l;
        next unless length $l;
        my ($k, $v) = split /=/, $l, 2;
        $h{$k} = defined $v ? $v : '';
    }
    close $fh;
    merge_progress(\%h, $root, $sid);
    return \%h;
}

# CRC-32C (Castagnoli), as include/core/bits_progress.h uses it.
sub crc32c {
    my $crc = 0xFFFFFFFF;
    for my $b (unpack 'C*', shift) {
        $crc ^= $b;
        $crc = ($crc >> 1) ^ (0x82F63B78 & -($crc & 1) & 0xFFFFFFFF) for 1 .. 8;
    }
    return ~$crc & 0xFFFFFFFF;
}

# The valid slots of a session's progress file (include/core/bits_progress.h):
# list of { version, slot, gen, received, last_activity, id, durable,
# dirty_since, boot (uuid text), host, total }.  Version 1 slots (before
# group commit) read as durable = received; versions 1 and 2 as total -1.
sub read_progress {
    my ($root, $sid) = @_;
    open my $fh, '<:raw', session_dir($root, $sid) . '/progress' or return ();
    local $/;
    my $buf = <$fh> // '';
    my @slots;
    for my $i (0, 1) {
        next unless length $buf >= 512 * $i + 172;
        my $slot = substr $buf, 512 * $i, 512;
        my ($magic, $gen, undef, $recv, $act, $id) = unpack 'a8 V V q< q< Z40', $slot;
        my %s = (slot => $i, gen => $gen, received => $recv, last_activity => $act, id => $id);
        if ($magic eq 'BITSPRG1') {
            next unless unpack('V', substr $slot, 72, 4) == crc32c(substr $slot, 0, 72);
            %s = (%s, version => 1, durable => $recv, dirty_since => 0, boot => '', host => '');
        }
        elsif ($magic eq 'BITSPRG2' || $magic eq 'BITSPRG3') {
            my $v = substr $magic, 7;
            my $crc_at = $v == 3 ? 176 : 168;
            next unless unpack('V', substr $slot, $crc_at, 4) == crc32c(substr $slot, 0, $crc_at);
            my ($dur, $dirty, $boot, $host, $total) = unpack 'q< q< a16 Z64 q<', substr $slot, 72, 104;
            %s = (%s, version => $v, durable => $dur, dirty_since => $dirty,
                  boot => boot_id_text($boot), host => $host, total => $v == 3 ? $total : -1);
            next unless $dur <= $recv && ($s{total} < 0 || $recv <= $s{total});
        }
        else { next }
        $s{total} //= -1;
        push @slots, \%s if $recv >= 0;
    }
    return @slots;
}

# A 16-byte boot id as the kernel prints it, and back.
sub boot_id_text { my $h = unpack 'H32', shift; $h =~ s/^(.{8})(.{4})(.{4})(.{4})/$1-$2-$3-$4-/; $h }
sub boot_id_bytes { my $t = shift; $t =~ s/-//g; pack 'H32', $t }

# Rewrites slot $i of a session's progress file: the fields given in %set
# (boot as uuid text, durable, received, host), with its CRC-32C recomputed,
# as an OS crash would leave a record written under another kernel.
sub rewrite_progress_slot {
    my ($root, $sid, $i, %set) = @_;
    my $f = session_dir($root, $sid) . '/progress';
    open my $fh, '+<:raw', $f or die "$f: $!";
    local $/;
    my $buf = <$fh>;
    my $slot = substr $buf, 512 * $i, 512;
    my $magic = substr $slot, 0, 8;
    die "slot $i of $f is not version 2 or 3" unless $magic =~ /^BITSPRG[23]$/;
    my $crc_at = $magic eq 'BITSPRG3' ? 176 : 168;
    substr($slot, 16, 8) = pack 'q<', $set{received} if defined $set{received};
    substr($slot, 72, 8) = pack 'q<', $set{durable} if defined $set{durable};
    substr($slot, 88, 16) = boot_id_bytes($set{boot}) if defined $set{boot};
    substr($slot, 104, 64) = pack 'a64', $set{host} if defined $set{host};
    substr($slot, $crc_at, 4) = pack 'V', crc32c(substr $slot, 0, $crc_at);
    seek $fh, 512 * $i, 0;
    print $fh $slot;
    close $fh or die "$f: $!";
}

# Newest valid slot of this session with state received <= N <= total (the
# state's total, or else the slot's own); sets received, durable,
# last_activity, total (when the state has none) and _progress (that slot).
sub merge_progress {
    my ($h, $root, $sid) = @_;
    return unless defined $h->{received} && defined $h->{id};
    my $total = defined $h->{total} && $h->{total} >= 0 ? $h->{total} : -1;
    my $best;
    for my $s (read_progress($root, $sid)) {
        my $max = $total >= 0 ? $total : $s->{total} >= 0 ? $s->{total} : $h->{received};
        next unless $s->{id} eq $h->{id} && $s->{received} >= $h->{received}
                    && $s->{received} <= $max
                    && ($total < 0 || $s->{total} < 0 || $s->{total} == $total);
        $best = $s if !$best || ((($s->{gen} - $best->{gen}) & 0xFFFFFFFF) < 0x80000000
                                 && $s->{gen} != $best->{gen});
    }
    $h->{durable} = $h->{received};    # a state file's N is always durable
    return unless $best;
    $h->{_progress} = $best;
    $h->{received} = $best->{received};
    $h->{total} = $best->{total} if $total < 0 && $best->{total} >= 0;
    $h->{durable} = $best->{durable} if $best->{durable} > $h->{durable};
    $h->{last_activity} = $best->{last_activity}
        if !defined $h->{last_activity} || $best->{last_activity} > $h->{last_activity};
}

# Empties a scenario directory (keeping the directory itself, which may be
# a mount point) and recreates the given subdirectories, all mode 0777, so
# that a .t file can be re-run on its own.
sub reset_scenario {
    my ($name, @subdirs) = @_;
    my $d = htdocs($name);
    File::Path::make_path($d) unless -d $d;
    opendir my $dh, $d or die "$d: $!";
    for my $e (grep { !/^\.\.?$/ } readdir $dh) {
        my $p = "$d/$e";
        if (-l $p || !-d _) { unlink $p or die "unlink $p: $!" }
        else                { File::Path::remove_tree($p) }
    }
    closedir $dh;
    chmod 0777, $d;
    for my $s (@subdirs) {
        File::Path::make_path("$d/$s");
        my $p = $d;
        for my $part (split m{/}, $s) { $p .= "/$part"; chmod 0777, $p }
    }
    return $d;
}

# ---------------------------------------------------------------- data

sub random_bytes {
    my $n = shift;
    open my $fh, '<:raw', '/dev/urandom' or die "urandom: $!";
    my $buf = '';
    while (length $buf < $n) {
        my $got = read $fh, $buf, $n - length $buf, length $buf;
        die "urandom read: $!" unless $got;
    }
    close $fh;
    return $buf;
}

sub sha256_hex { Digest::SHA::sha256_hex($_[0]) }

sub sha256_file {
    my $f = shift;
    return undef unless -f $f;
    my $d = Digest::SHA->new(256);
    $d->addfile($f, 'b');
    return $d->hexdigest;
}

sub file_bytes {
    my $f = shift;
    open my $fh, '<:raw', $f or return undef;
    local $/;
    my $c = <$fh>;
    close $fh;
    return defined $c ? $c : '';
}

# All files (or links) below $dir whose base name matches $re.
sub find_files_named {
    my ($dir, $re) = @_;
    my @out;
    return () unless -d $dir;
    File::Find::find({ no_chdir => 1, wanted => sub {
        my $b = $File::Find::name; $b =~ s{.*/}{};
        push @out, $File::Find::name if $b =~ $re;
    } }, $dir);
    return sort @out;
}

# Sorted list of every path below $dir (to show that nothing was created).
sub tree_snapshot {
    my $dir = shift;
    my @out;
    return '' unless -d $dir;
    File::Find::find({ no_chdir => 1, wanted => sub {
        push @out, $File::Find::name;
    } }, $dir);
    return join "\n", sort @out;
}

# ---------------------------------------------------------------- LWP

my $UA;
sub ua {
    $UA ||= LWP::UserAgent->new(keep_alive => 0, timeout => 60,
                                agent => 'Microsoft BITS/7.8 (mod_bits tests)');
    return $UA;
}

sub auth_header {
    my ($user, $pw) = @_;
    return ('Authorization' => 'Basic ' . encode_base64("$user:$pw", ''));
}

# bits_request($path, $packet_type, %opt) -> HTTP::Response
#   sid, range, body, headers => [..], auth => [user, pw],
#   method (default BITS_POST), no_type (omit BITS-Packet-Type)
sub bits_request {
    my ($path, $type, %o) = @_;
    my $body = defined $o{body} ? $o{body} : '';
    my @h;
    push @h, 'BITS-Packet-Type' => $type unless $o{no_type} || !defined $type;
    push @h, 'BITS-Session-Id' => $o{sid} if defined $o{sid};
    push @h, 'Content-Range' => $o{range} if defined $o{range};
    push @h, auth_header(@{ $o{auth} }) if $o{auth};
    push @h, @{ $o{headers} } if $o{headers};
    push @h, 'Content-Length' => length $body
        unless grep { lc $_ eq 'content-length' } @h[grep { !($_ % 2) } 0..$#h];
    my $req = HTTP::Request->new($o{method} || 'BITS_POST', url($path), \@h, $body);
    return ua()->request($req);
}

sub ping { my ($path, %o) = @_; bits_request($path, 'Ping', %o) }

sub create_session {
    my ($path, %o) = @_;
    my @h = exists $o{protocols}
        ? (defined $o{protocols} ? ('BITS-Supported-Protocols' => $o{protocols}) : ())
        : ('BITS-Supported-Protocols' => PROTO_GUID);
    delete $o{protocols};
    $o{headers} = [ @h, @{ $o{headers} || [] } ];
    return bits_request($path, 'Create-Session', %o);
}

# fragment($path, $sid, $bytes, $first, $total, %opt); range may be
# overridden with range => '...'.
sub fragment {
    my ($path, $sid, $bytes, $first, $total, %o) = @_;
    my $last = $first + length($bytes) - 1;
    my $range = exists $o{range} ? delete $o{range}
                                 : "bytes $first-$last/$total";
    return bits_request($path, 'Fragment', sid => $sid, range => $range,
                        body => $bytes, %o);
}

sub close_session  { my ($path, $sid, %o) = @_;
                     bits_request($path, 'Close-Session', sid => $sid, %o) }
sub cancel_session { my ($path, $sid, %o) = @_;
                     bits_request($path, 'Cancel-Session', sid => $sid, %o) }

sub sid_of      { scalar $_[0]->header('BITS-Session-Id') }
sub received_of { scalar $_[0]->header('BITS-Received-Content-Range') }

# send_fragments($path, $sid, $data, $fragsize, %opt): sends the file from
# offset 'from' (default 0) following the server's N.  Returns
# (ok, \@responses).
sub send_fragments {
    my ($path, $sid, $data, $fs, %o) = @_;
    my $total = length $data;
    my $off = $o{from} || 0;
    my @res;
    my $guard = 0;
    while ($off < $total) {
        my $len = $total - $off < $fs ? $total - $off : $fs;
        my $r = fragment($path, $sid, substr($data, $off, $len), $off, $total,
                         %{ $o{opt} || {} });
        push @res, $r;
        my $n = received_of($r);
        return (0, \@res) unless ($r->code == 200 || $r->code == 416)
                                 && defined $n && $n =~ /^\d+$/;
        return (0, \@res) if $n <= $off && $r->code == 200 && $len > 0;
        $off = $n;
        return (0, \@res) if ++$guard > 100000;
    }
    return (1, \@res);
}

# upload_file($path, $data, $fragsize, %opt): Create-Session + all
# fragments.  Returns a hash ref {ok, sid, create, acks => [...]}.
sub upload_file {
    my ($path, $data, $fs, %o) = @_;
    my $c = create_session($path, %{ $o{create_opt} || {} });
    my %r = (create => $c, sid => sid_of($c), ok => 0, acks => []);
    return \%r unless $c->code == 200 && defined $r{sid};
    if (length $data == 0) {
        my $f = fragment($path, $r{sid}, '', 0, 0, range => 'bytes 0--1/0',
                         %{ $o{opt} || {} });
        $r{acks} = [$f];
        $r{ok} = $f->code == 200;
        return \%r;
    }
    my ($ok, $acks) = send_fragments($path, $r{sid}, $data, $fs, %o);
    $r{ok} = $ok;
    $r{acks} = $acks;
    return \%r;
}

# ---------------------------------------------------------------- assertions

# Checks the Ack shape rules common to every module-produced answer.
# Returns the list of problems (empty = fine).
sub ack_problems {
    my ($res, $code) = @_;
    my @p;
    my $h = sub { scalar $res->header($_[0]) };
    push @p, 'BITS-Packet-Type is ' . (defined $h->('BITS-Packet-Type') ? "'" . $h->('BITS-Packet-Type') . "'" : 'missing')
        unless defined $h->('BITS-Packet-Type') && $h->('BITS-Packet-Type') eq 'Ack';
    my $cl = $h->('Content-Length');
    push @p, 'Content-Length is ' . (defined $cl ? "'$cl'" : 'missing')
        unless defined $cl && $cl eq '0';
    push @p, 'body is not empty (' . length($res->content) . ' bytes)'
        if length $res->content;
    push @p, 'Pragma is not no-cache'
        unless ($h->('Pragma') || '') =~ /\bno-cache\b/i;
    push @p, 'Cache-Control is not no-cache'
        unless ($h->('Cache-Control') || '') =~ /\bno-cache\b/i;
    if (defined $code) {
        my $ec = $h->('BITS-Error-Code');
        my $cx = $h->('BITS-Error-Context');
        push @p, 'BITS-Error-Code is ' . (defined $ec ? "'$ec'" : 'missing')
            . ", expected '$code'"
            unless defined $ec && $ec eq $code;
        push @p, 'BITS-Error-Context is ' . (defined $cx ? "'$cx'" : 'missing')
            . ", expected '0x5'"
            unless defined $cx && $cx eq '0x5';
    }
    else {
        push @p, 'unexpected BITS-Error-Code ' . $h->('BITS-Error-Code')
            if defined $h->('BITS-Error-Code');
        push @p, 'unexpected BITS-Error-Context ' . $h->('BITS-Error-Context')
            if defined $h->('BITS-Error-Context');
    }
    return @p;
}

sub ack_shape_ok {
    my ($res, $code, $msg) = @_;
    my @p = ack_problems($res, $code);
    my $ok = Test::More::ok(!@p, "$msg: Ack shape"
        . (defined $code ? " with BITS-Error-Code $code, context 0x5" : ', no error headers'));
    Test::More::diag("  $msg: $_") for @p;
    Test::More::diag('  response was: ' . $res->status_line . "\n" . $res->headers->as_string)
        if @p;
    return $ok;
}

# ack_is($res, $status, $code_or_undef, $msg): two assertions, the HTTP
# status and the Ack shape (incl. error headers exactly when $code given).
sub ack_is {
    my ($res, $status, $code, $msg) = @_;
    my $ok = Test::More::ok(t_cmp($res->code, $status, "$msg: status"),
                            "$msg: status $status");
    Test::More::diag('  got: ' . $res->status_line . "\n" . $res->headers->as_string)
        unless $res->code == $status;
    return ack_shape_ok($res, $code, $msg) && $ok;
}

# ---------------------------------------------------------------- raw sockets

sub raw_connect {
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => port(),
                                  Proto => 'tcp', Timeout => 10)
        or die "connect 127.0.0.1:" . port() . ": $!";
    binmode $s;
    $s->autoflush(1);
    return $s;
}

sub raw_send {
    my ($s, $data) = @_;
    local $SIG{PIPE} = 'IGNORE';
    my $off = 0;
    while ($off < length $data) {
        my $n = syswrite $s, $data, length($data) - $off, $off;
        return 0 unless defined $n && $n > 0;
        $off += $n;
    }
    return 1;
}

my %PENDING;     # bytes read past the end of a response, per socket

# read_response($sock, $timeout) -> HTTP::Response.  Reads the status line,
# the headers and a Content-Length delimited body.  On a timeout or EOF
# before the end of the headers the response has status 599 and an
# X-Raw-Error header (a real server answer never has 599).
sub read_response {
    my ($s, $timeout) = @_;
    $timeout ||= 30;
    my $sel = IO::Select->new($s);
    my $buf = defined $PENDING{"$s"} ? delete $PENDING{"$s"} : '';
    my $deadline = time + $timeout;
    my $fail = sub {
        my $why = shift;
        my $r = HTTP::Response->new(599, "raw read failed: $why");
        $r->header('X-Raw-Error' => $why);
        $r->header('X-Raw-Data' => length $buf);
        return $r;
    };
    while ($buf !~ /\r?\n\r?\n/) {
        my $left = $deadline - time;
        return $fail->('timeout') if $left <= 0 || !$sel->can_read($left);
        my $n = sysread $s, $buf, 65536, length $buf;
        return $fail->(defined $n ? 'eof' : "read: $!") unless $n;
    }
    my ($head, $rest) = split /\r?\n\r?\n/, $buf, 2;
    $rest = '' unless defined $rest;
    my @lines = split /\r?\n/, $head;
    my $sl = shift @lines;
    my ($code, $msg) = $sl =~ m{^HTTP/\d\.\d\s+(\d{3})\s*(.*)$};
    return $fail->("bad status line '$sl'") unless $code;
    my $res = HTTP::Response->new($code, $msg);
    for (@lines) {
        my ($k, $v) = /^([^:]+):\s*(.*?)\s*$/ or next;
        $res->push_header($k => $v);
    }
    my $len = $res->header('Content-Length');
    if (defined $len && $len =~ /^\d+$/) {
        while (length $rest < $len) {
            my $left = $deadline - time;
            last if $left <= 0 || !$sel->can_read($left);
            my $n = sysread $s, $rest, 65536, length $rest;
            last unless $n;
        }
    }
    $len = 0 unless defined $len && $len =~ /^\d+$/;
    if (length $rest > $len) {          # pipelined: keep the next response
        $PENDING{"$s"} = substr($rest, $len);
        $rest = substr($rest, 0, $len);
    }
    $res->content($rest);
    return $res;
}

# raw_request(%opt) -> HTTP::Response (see read_response).
#   method (BITS_POST), path, headers => [name => value, ...] (sent as is,
#   in order; no Content-Length is added), body (sent after the headers),
#   timeout.
sub raw_request {
    my (%o) = @_;
    my $s = raw_connect();
    raw_send($s, raw_head(%o) . (defined $o{body} ? $o{body} : ''));
    my $r = read_response($s, $o{timeout});
    close $s;
    return $r;
}

# The request line and headers of a raw request (incl. the blank line).
sub raw_head {
    my (%o) = @_;
    my $req = sprintf "%s %s HTTP/1.1\r\n", $o{method} || 'BITS_POST', $o{path};
    my @h = @{ $o{headers} || [] };
    $req .= "Host: 127.0.0.1:" . port() . "\r\n";
    while (my ($k, $v) = splice @h, 0, 2) { $req .= "$k: $v\r\n" }
    $req .= "Connection: close\r\n" unless $o{keepalive};
    return $req . "\r\n";
}

# ---------------------------------------------------------------- server

sub httpd_parent_pid {
    my $f = logs_dir() . '/httpd.pid';
    open my $fh, '<', $f or return undef;
    my $pid = <$fh>;
    close $fh;
    return undef unless defined $pid;
    chomp $pid;
    return $pid =~ /^\d+$/ ? $pid : undef;
}

# PIDs whose parent is $ppid (from /proc).
sub httpd_children {
    my $ppid = shift;
    my @kids;
    opendir my $dh, '/proc' or return ();
    for my $p (grep { /^\d+$/ } readdir $dh) {
        open my $fh, '<', "/proc/$p/stat" or next;
        my $st = <$fh>;
        close $fh;
        next unless defined $st;
        # pid (comm) state ppid ...
        my ($pp) = $st =~ /\)\s+\S+\s+(\d+)/;
        push @kids, $p if defined $pp && $pp == $ppid;
    }
    closedir $dh;
    return sort { $a <=> $b } @kids;
}

# Waits until a Ping on $path answers 200 (or $timeout seconds pass).
sub wait_for_server {
    my ($path, $timeout) = @_;
    my $until = time + ($timeout || 30);
    while (time < $until) {
        my $r = eval { ping($path) };
        return 1 if $r && $r->code == 200;
        sleep 0.2;
    }
    return 0;
}

# Stop/start the test server through Apache::Test's server object, with
# its chatter kept out of the TAP stream.
sub _quiet (&) {
    my $code = shift;
    open my $saved, '>&', \*STDOUT or die "dup: $!";
    open STDOUT, '>', '/dev/null' or die "devnull: $!";
    my @r = eval { $code->() };
    my $err = $@;
    open STDOUT, '>&', $saved or die "restore: $!";
    die $err if $err;
    return wantarray ? @r : $r[0];
}

sub server_stop {
    my $server = Apache::Test::config()->server;
    return _quiet { $server->stop };
}

sub server_start {
    my $server = Apache::Test::config()->server;
    local $SIG{CHLD} = 'DEFAULT';
    return _quiet { $server->start };
}

sub error_log_lines {
    my $f = logs_dir() . '/error_log';
    open my $fh, '<', $f or return ();
    my @l = <$fh>;
    close $fh;
    return @l;
}

# ---------------------------------------------------------------- small shared helpers

sub write_file {
    my ($f, $content, $mode) = @_;
    open my $fh, '>', $f or die "$f: $!";
    print $fh $content;
    close $fh;
    chmod $mode, $f if defined $mode;
}

# A session that must be created for the test to make sense.
sub new_session {
    my $path = shift;
    my $c = create_session($path);
    die "Create-Session $path failed: " . $c->status_line unless $c->code == 200;
    return sid_of($c);
}

# config_test($body, raw => 0|1, modules => [names]) -> (exit status, output)
# of `httpd -t` on a stand-alone configuration that loads the module (and
# mod_<name> for each of modules); $body goes inside a
# <Directory> with BITSUploadEnabled On unless raw.  The configuration
# lives in config_test_dir(), which has an "up" subdirectory.
my $CONF_TMP;
sub config_test_dir {
    $CONF_TMP ||= do {
        require File::Temp;
        my $d = File::Temp::tempdir('bits-conftest-XXXXXX', TMPDIR => 1, CLEANUP => 1);
        mkdir "$d/up" or die "mkdir: $!";
        $d;
    };
    return $CONF_TMP;
}

sub config_test {
    my ($body, %o) = @_;
    my $tmp   = config_test_dir();
    my $httpd = Apache::Test::vars('httpd') || '/usr/sbin/apache2';
    my $mods  = '/usr/lib/apache2/modules';
    require Cwd;
    my $so    = Cwd::abs_path(t_dir() . '/../.libs/mod_bits.so');
    my $more  = join '', map { "LoadModule ${_}_module $mods/mod_$_.so\n" }
                @{ $o{modules} || [] };
    $body = qq{<Directory "$tmp/up">
    BITSUploadEnabled On
$body
</Directory>}
        unless $o{raw};
    write_file("$tmp/httpd.conf", <<"EOC");
ServerRoot "$tmp"
ServerName 127.0.0.1
DefaultRuntimeDir "$tmp"
PidFile "$tmp/httpd.pid"
ErrorLog "$tmp/error_log"
Listen 127.0.0.1:9
LoadModule mpm_event_module $mods/mod_mpm_event.so
LoadModule authz_core_module $mods/mod_authz_core.so
${more}LoadModule bits_module "$so"
$body
EOC
    my $out = `"$httpd" -t -f "$tmp/httpd.conf" 2>&1`;
    return ($? >> 8, $out);
}

1;
