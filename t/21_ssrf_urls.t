# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# Issue 6 items 1, 4, 9 and 11: the client never chooses where the server
# connects, and never puts a byte into a URL that breaks it.
#   1  a Host header or an absolute-form request line naming 127.0.0.2
#      still notifies the configured application (via this server's
#      ServerName); a Host the virtual host does not answer to is replaced by
#      its ServerName in BITS-Original-Request-URL and BITS-Reply-URL.
#   4  a tampered session record's notify_type / notify_url are ignored.
#   9  a BITS-Static-Response-URL with a control character (or otherwise not
#      an absolute http(s) URL) is refused (400 0x80070057 ctx 0x7) and does
#      not poison the session; a record that holds such a URL anyway never
#      puts it into an Ack.
#   11 names with %3F and %20, origin-form and absolute-form, keep their
#      escaping in every URL.
# Configuration: t/conf/url.conf.in.  The application is a back-end on
# 127.0.0.1:18800; a listener on 127.0.0.2:18801 (the Host-given target)
# records every connection and must see none.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use BitsTest::Client;
use BitsTest::Backend;
use IO::Socket::INET ();
use IO::Select ();
use POSIX ();

my $APP       = 18800;
my $TRAP_ADDR = '127.0.0.2';
my $TRAP_PORT = 18801;
my $VHOST     = '127.0.0.1:18801';         # the virtual host of url.conf.in
my $server    = '127.0.0.1:' . Apache::Test::vars('port');
my $evil      = "$TRAP_ADDR:$TRAP_PORT";

for my $n (qw(ussrf ussrfref utamper utype0 ustatic uesc)) { reset_scenario($n) }

ok(port_is_free($APP), "back-end port 127.0.0.1:$APP is free")
    or BAIL_OUT("127.0.0.1:$APP is in use");
my $be = BitsTest::Backend->start(port => $APP);

# ---------------------------------------------------------------- the trap

my $TRAP_LOG = logs_dir() . "/trap-$TRAP_PORT.log";

# A listener on 127.0.0.2:18801 that logs one line per connection.
sub start_trap {
    open my $fh, '>', $TRAP_LOG or die "$TRAP_LOG: $!";
    close $fh;
    my $l = IO::Socket::INET->new(LocalAddr => $TRAP_ADDR, LocalPort => $TRAP_PORT,
                                  ReuseAddr => 1, Listen => 16)
        or BAIL_OUT("cannot listen on $TRAP_ADDR:$TRAP_PORT: $!");
    my $pid = fork;
    die "fork: $!" unless defined $pid;
    if (!$pid) {
        alarm 600;                     # never outlives the test
        while (1) {
            my $c = $l->accept or next;
            open my $log, '>>', $TRAP_LOG or POSIX::_exit(1);
            $log->autoflush(1);
            print $log "connection\n";
            # the request line, if one comes, for the diagnostics
            my $line = '';
            sysread $c, $line, 200 if IO::Select->new($c)->can_read(1);
            $line = '' unless defined $line;
            $line =~ s/[\r\n].*//s;
            print $log "  request line: $line\n";
            close $log;
            close $c;
        }
    }
    close $l;
    return $pid;
}

sub trap_count {
    open my $fh, '<', $TRAP_LOG or return 0;
    my @l = grep { /^connection/ } <$fh>;
    return scalar @l;
}

# No connection reached the trap (a connection made while the Ack was
# produced has been logged by the time this is asked: give the logger a
# moment to write it).
sub trap_untouched {
    my $msg = shift;
    wait_until(sub { trap_count() > 0 }, 1);
    is(trap_count(), 0, "$msg: nothing connected to $evil")
        or diag(BitsTest::Client::file_bytes($TRAP_LOG));
}

my $trap = start_trap();
END { local $?; if ($trap) { kill 'KILL', $trap; waitpid $trap, 0 } }
{   # the trap does catch a connection (otherwise its silence proves nothing)
    my $c = IO::Socket::INET->new(PeerAddr => $TRAP_ADDR, PeerPort => $TRAP_PORT,
                                  Timeout => 5);
    ok($c, "the trap listens on $evil");
    print $c "PROBE\r\n" if $c;
    close $c if $c;
    ok(wait_until(sub { trap_count() == 1 }, 10), 'the trap records a connection');
    open my $fh, '>', $TRAP_LOG or die $!;
    close $fh;
}

# ---------------------------------------------------------------- raw packets

# One BITS packet with the request line as given (absolute-form).
sub raw_bits {
    my ($target, $type, %o) = @_;
    my $body = defined $o{body} ? $o{body} : '';
    my @h = ('BITS-Packet-Type' => $type);
    push @h, 'BITS-Supported-Protocols' => PROTO_GUID if $type eq 'Create-Session';
    push @h, 'BITS-Session-Id' => $o{sid} if defined $o{sid};
    push @h, 'Content-Range' => $o{range} if defined $o{range};
    push @h, 'Content-Length' => length $body;
    return raw_request(path => $target, headers => \@h, body => $body);
}

# Create-Session and every fragment with an absolute-form request line.
sub raw_upload {
    my ($target, $data, $fs) = @_;
    my $c = raw_bits($target, 'Create-Session');
    my %u = (create => $c, sid => sid_of($c), acks => []);
    return \%u unless $c->code == 200 && $u{sid};
    for (my $off = 0; $off < length $data; $off += $fs) {
        my $part = substr($data, $off, $fs);
        my $last = $off + length($part) - 1;
        push @{ $u{acks} }, raw_bits($target, 'Fragment', sid => $u{sid}, body => $part,
                                     range => "bytes $off-$last/" . length $data);
    }
    return \%u;
}

sub reply_url_on {
    my ($origin, $dir, $sid) = @_;
    (my $bare = $sid) =~ s/^\{|\}$//g;
    return "$origin$dir/BITS-Sessions/Replies/%7B$bare%7D/responsefile.bin";
}

sub only_request {
    my ($msg) = @_;
    $be->wait_requests(1, 5, 1);
    my @r = $be->requests;
    is(scalar @r, 1, "$msg: the configured application was notified once");
    return $r[0] || { headers => {} };
}

# ================================================================ item 1

# --- Host: 127.0.0.2:18801 on the main server (type 2, "notify") -------------
{
    $be->clear;
    $be->script(status => 200, body => 'reply-1');
    my $d = random_bytes(9000);
    my @H = (headers => [ Host => $evil ]);
    my $before = tree_snapshot(htdocs('ussrf'));
    my $u = upload_file('/ussrf/h1.bin?acct=7', $d, 4096, create_opt => {@H}, opt => {@H});
    my $a = $u->{acks}[-1];
    app_ack_is($a, 200, undef, undef, 'Host attack: final fragment');
    my $q = only_request('Host attack');
    is($q->{uri}, '/ussrf/notify?acct=7', 'Host attack: the configured URL, resolved');
    is($q->{headers}{'x-forwarded-host'}, $server,
       'Host attack: the notification went to the ServerName, not the Host');
    is($q->{body_sha256}, sha256_hex($d), 'Host attack: the upload reached the application');
    is($q->{headers}{'bits-original-request-url'}, "http://$server/ussrf/h1.bin?acct=7",
       'Host attack: BITS-Original-Request-URL names the ServerName instead of the Host');
    is($a->header('BITS-Reply-URL'), reply_url_on("http://$server", '/ussrf', $u->{sid}),
       'Host attack: BITS-Reply-URL on the ServerName');
    trap_untouched('Host attack');
    ok(!-e htdocs('ussrf/h1.bin'), 'Host attack: nothing published (type 2, no copy)');
    ack_is(close_session('/ussrf/h1.bin?acct=7', $u->{sid}, @H), 200, undef,
           'Host attack: Close-Session');
    is(tree_snapshot(htdocs('ussrf')) =~ s{\n?[^\n]*BITS-Sessions[^\n]*}{}gr,
       $before =~ s{\n?[^\n]*BITS-Sessions[^\n]*}{}gr,
       'Host attack: nothing new outside the session store');
}

# --- absolute-form request line naming 127.0.0.2:18801 (type 1, "/uapp/hook") --
{
    $be->clear;
    $be->script(status => 200, reply_file => 'reply-2');
    my $d = random_bytes(6000);
    my $u = raw_upload("http://$evil/ussrfref/a1.bin?acct=8", $d, 4096);
    ok($u->{sid}, 'absolute-form: Create-Session');
    my $a = $u->{acks}[-1];
    app_ack_is($a, 200, undef, undef, 'absolute-form: final fragment');
    my $q = only_request('absolute-form');
    is($q->{uri}, '/uapp/hook?acct=8', 'absolute-form: the configured URL, resolved');
    is($q->{headers}{'x-forwarded-host'}, $server,
       'absolute-form: the notification went to the ServerName');
    is($q->{reqfile}{sha256}, sha256_hex($d), 'absolute-form: type 1 request file intact');
    is($q->{headers}{'bits-original-request-url'}, "http://$server/ussrfref/a1.bin?acct=8",
       'absolute-form: BITS-Original-Request-URL names the ServerName');
    is($a->header('BITS-Reply-URL'), reply_url_on("http://$server", '/ussrfref', $u->{sid}),
       'absolute-form: BITS-Reply-URL on the ServerName');
    trap_untouched('absolute-form');
    ack_is(raw_bits("http://$evil/ussrfref/a1.bin?acct=8", 'Close-Session', sid => $u->{sid}),
           200, undef, 'absolute-form: Close-Session');
}

# --- a virtual host with an alias: the alias is kept, a foreign Host is not ----
{
    $be->clear;
    $be->script(status => 200, body => 'reply-3');
    my @H = (headers => [ Host => 'bits-alias.test:18801' ]);
    my $u = upload_file("http://$VHOST/ussrf/v1.bin?k=1", random_bytes(100), 4096,
                        create_opt => {@H}, opt => {@H});
    my $a = $u->{acks}[-1];
    app_ack_is($a, 200, undef, undef, 'Host alias: final fragment');
    my $q = only_request('Host alias');
    is($q->{headers}{'x-forwarded-host'}, $VHOST,
       'Host alias: notified through the virtual host\'s ServerName');
    is($q->{headers}{'bits-original-request-url'}, 'http://bits-alias.test:18801/ussrf/v1.bin?k=1',
       'Host alias: BITS-Original-Request-URL is the URL as the client addressed it');
    is($a->header('BITS-Reply-URL'),
       reply_url_on('http://bits-alias.test:18801', '/ussrf', $u->{sid}),
       'Host alias: the reply on the host the client used');

    $be->clear;
    @H = (headers => [ Host => $evil ]);
    $u = upload_file("http://$VHOST/ussrf/v2.bin", random_bytes(100), 4096,
                     create_opt => {@H}, opt => {@H});
    app_ack_is($u->{acks}[-1], 200, undef, undef, 'virtual host, foreign Host: final fragment');
    $q = only_request('virtual host, foreign Host');
    is($q->{headers}{'x-forwarded-host'}, $VHOST, 'virtual host, foreign Host: its ServerName');
    is($q->{headers}{'bits-original-request-url'}, "http://$VHOST/ussrf/v2.bin",
       'virtual host, foreign Host: replaced by its ServerName');
    trap_untouched('virtual host, foreign Host');
}

# ================================================================ item 4

# Rewrites fields of a session record (as a BITS_POST overwriting it would).
sub tamper_state {
    my ($scen, $sid, %set) = @_;
    my $f = state_file(session_root($scen), $sid);
    open my $in, '<', $f or die "$f: $!";
    my @l = <$in>;
    close $in;
    for my $k (sort keys %set) {
        @l = grep { !/^\Q$k\E=/ } @l;
        push @l, "$k=$set{$k}\n";
    }
    open my $out, '>', "$f.tamper" or die "$f.tamper: $!";
    print $out @l;
    close $out;
    chmod 0666, "$f.tamper";
    rename "$f.tamper", $f or die "rename: $!";
}

{
    $be->clear;
    $be->script(status => 200, body => 'reply-4');
    my $d = random_bytes(9000);
    my ($sid, $last) = send_all_but_last('/utamper/t1.bin', $d);
    tamper_state('utamper', $sid, notify_type => 1,
                 notify_url => "http://$evil/forged");
    my $a = $last->();
    app_ack_is($a, 200, undef, undef, 'tampered record: final fragment');
    my $q = only_request('tampered record');
    is($q->{uri}, '/utamper/app', 'tampered record: the configured URL, not the record\'s');
    is($q->{body_sha256}, sha256_hex($d), 'tampered record: the configured type (2, by value)');
    ok(!exists $q->{headers}{'bits-request-datafile-name'},
       'tampered record: no by-reference header (the record\'s type 1 is ignored)');
    trap_untouched('tampered record');
    my $st = read_state(session_root('utamper'), $sid);
    is($st->{notify_type}, 2, 'tampered record: the record now says what was done');
    ok(!exists $st->{notify_url}, 'tampered record: no notification URL is recorded');
    close_session('/utamper/t1.bin', $sid);
}

# A record claiming a notification where the configuration has none (type 0).
{
    $be->clear;
    my $d = random_bytes(9000);
    my ($sid, $last) = send_all_but_last('/utype0/t2.bin', $d);
    tamper_state('utype0', $sid, notify_type => 2,
                 notify_url => "http://$evil/forged");
    my $a = $last->();
    app_ack_is($a, 200, undef, undef, 'type 0, tampered record: final fragment');
    is(sha256_file(htdocs('utype0/t2.bin')), sha256_hex($d),
       'type 0, tampered record: published as the configuration says');
    ok(!defined $a->header('BITS-Reply-URL'), 'type 0, tampered record: no reply URL');
    is($be->count, 0, 'type 0, tampered record: no application notified');
    trap_untouched('type 0, tampered record');
    ack_is(close_session('/utype0/t2.bin', $sid), 200, undef,
           'type 0, tampered record: Close-Session');
}

# ================================================================ item 9

for my $bad ("http://127.0.0.1/r\x01.txt", "http://127.0.0.1/r\x7f.txt",
             'http:///no-host.txt', 'javascript:alert(1)', 'http://') {
    (my $show = $bad) =~ s/([^\x21-\x7e])/sprintf '\\x%02x', ord $1/ge;
    $be->clear;
    $be->script(status => 200, headers => [ 'BITS-Static-Response-URL' => $bad ]);
    my $d = random_bytes(5000);
    my ($sid, $last) = send_all_but_last('/ustatic/s.bin', $d);
    my $st0 = read_state(session_root('ustatic'), $sid);
    my $a = $last->();
    app_ack_is($a, 400, E_INVALIDARG, CTX_APP, "static URL '$show': final fragment");
    is(sid_of($a), $sid, "static URL '$show': the Ack names the session");
    my $st = read_state(session_root('ustatic'), $sid);
    is($st->{state}, 'COMPLETING', "static URL '$show': the session is still completing");
    is($st->{reply_url}, '', "static URL '$show': no reply URL recorded");
    is($st->{static_reply}, 0, "static URL '$show': no static reply recorded");
    ok(!-e htdocs('ustatic/s.bin'), "static URL '$show': nothing published");

    # later packets get ordinary Acks: an earlier fragment again, then the
    # final one once the application answers properly
    my $r = fragment('/ustatic/s.bin', $sid, substr($d, 0, 4096), 0, 5000);
    is(sid_of($r), $sid, "static URL '$show': a later Ack names the session");
    ok($r->code != 500 || ($r->header('BITS-Error-Code') // '') ne '0x80004005',
       "static URL '$show': a later Ack is no internal error");
    my $good = "http://$server/ustatic/answer.txt?for=me";
    $be->script(status => 200, headers => [ 'BITS-Static-Response-URL' => $good ]);
    $a = $last->();
    app_ack_is($a, 200, undef, undef, "static URL '$show': resent final fragment, good URL");
    is($a->header('BITS-Reply-URL'), $good, "static URL '$show': the good static URL");
    is(sid_of($a), $sid, "static URL '$show': the session id again");
    my $c = close_session('/ustatic/s.bin', $sid);
    ack_is($c, 200, undef, "static URL '$show': Close-Session");
    is(sid_of($c), $sid, "static URL '$show': Close-Session names the session");
    reset_scenario('ustatic');
}

# A record that holds a reply URL with a control character anyway (written
# by an older version, or forged): it never reaches an Ack.
{
    $be->clear;
    my $good = "http://$server/ustatic/answer.txt";
    $be->script(status => 200, headers => [ 'BITS-Static-Response-URL' => $good ]);
    my $d = random_bytes(5000);
    my ($sid, $last) = send_all_but_last('/ustatic/p.bin', $d);
    app_ack_is($last->(), 200, undef, undef, 'poisoned record: completion');
    tamper_state('ustatic', $sid, reply_url => 'http://127.0.0.1/x%01y%0D%0AX-Evil:%201');
    my $a = $last->();
    app_ack_is($a, 200, undef, undef, 'poisoned record: the resent final fragment');
    is(sid_of($a), $sid, 'poisoned record: the Ack names the session');
    ok(!defined $a->header('BITS-Reply-URL'), 'poisoned record: the bad reply URL is left out');
    ok(!defined $a->header('X-Evil'), 'poisoned record: no header injected');
    my $c = close_session('/ustatic/p.bin', $sid);
    ack_is($c, 200, undef, 'poisoned record: Close-Session');
    is(sid_of($c), $sid, 'poisoned record: Close-Session names the session');
}

# ================================================================ item 11

$be->script(status => 200, body => 'esc', headers => [ 'BITS-Copy-File-To-Destination' => 'true' ]);
for my $case ([ 'origin-form',   '/uesc/a%3Fb.bin', 'a?b.bin' ],
              [ 'origin-form',   '/uesc/a%20b.bin', 'a b.bin' ],
              [ 'absolute-form', "http://$server/uesc/c%3Fd.bin", 'c?d.bin' ],
              [ 'absolute-form', "http://$server/uesc/c%20d.bin", 'c d.bin' ]) {
    my ($form, $target, $name) = @$case;
    (my $path = $target) =~ s{^http://[^/]+}{};
    my $msg = "$form $path";
    $be->clear;
    my $d = random_bytes(6000);
    my $u = $form eq 'absolute-form' ? raw_upload($target, $d, 4096)
                                     : upload_file($path, $d, 4096);
    my $a = $u->{acks}[-1];
    app_ack_is($a, 200, undef, undef, "$msg: final fragment");
    my $q = only_request($msg);
    is($q->{uri}, '/uesc/notify', "$msg: notified next to the upload, no query added");
    is($q->{headers}{'bits-original-request-url'}, "http://$server$path",
       "$msg: BITS-Original-Request-URL keeps the escaping");
    is($q->{body_sha256}, sha256_hex($d), "$msg: the upload reached the application");
    is($a->header('BITS-Reply-URL'), reply_url_on("http://$server", '/uesc', $u->{sid}),
       "$msg: BITS-Reply-URL");
    is(sha256_file(htdocs("uesc/$name")), sha256_hex($d), "$msg: published as '$name'");
}
opendir my $dh, htdocs('uesc') or die $!;
is(join(',', sort grep { !/^\.\.?$/ && $_ ne 'BITS-Sessions' } readdir $dh),
   'a b.bin,a?b.bin,c d.bin,c?d.bin', 'escaped names: exactly the four uploads, nothing else');
closedir $dh;

trap_untouched('the whole test');
$be->stop;
done_testing();
