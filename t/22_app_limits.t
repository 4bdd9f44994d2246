# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# Issue #6, items 6 and 7: the application path must not be a lever for
# unbounded work.
#   6a  a session whose notification failed waits (BITSNotificationRetryDelay,
#       doubled per failure) before it notifies again: resends of the last
#       byte meanwhile get 503 0x801901F7 context 0x7 and cost no POST;
#   6b  at most BITSMaxConcurrentNotifications requests of the whole server
#       wait on the application; beyond that 503 0x801901F7 context 0x7 at
#       once, and the rest of the server keeps answering;
#   7   a reply longer than BITSMaximumReplySize is not stored: 400
#       0x80070057 context 0x7, nothing kept, nothing published.
# Back-ends: 127.0.0.1:18802 (this server, t/conf/app.conf.in) and 18803
# (a second httpd with 8 workers started here, like node 2 of t/20_farm.t).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use BitsTest::Client;
use BitsTest::Backend;
use IO::Socket::INET;
use IO::Select;
use File::Path ();
use List::Util qw(sum0);
use Time::HiRes qw(time sleep);

use constant E_RETRY => E_HTTP_503;       # 0x801901F7

for my $s (qw(appbackoff appretry appreply appreplyref appcap)) { reset_scenario($s) }
for my $p (18802, 18803) {
    ok(port_is_free($p), "back-end port 127.0.0.1:$p is free")
        or BAIL_OUT("127.0.0.1:$p is in use");
}
my $be = BitsTest::Backend->start(port => 18802, lifetime => 300);

# Log lines of this server written since the mark.
my $log_mark = scalar(my @l = error_log_lines());
sub new_log_lines { my @all = error_log_lines(); my @new = @all[$log_mark .. $#all]; $log_mark = @all; @new }

# Everything below a scenario directory with its size (a file that changed
# size, or appeared, shows), leaving out the session records, which every
# packet rewrites (last activity), and the sweeper's stamp and lock.
sub disk_state {
    my $dir = htdocs(shift);
    join "\n", map { my $p = $_; (my $rel = $p) =~ s/^\Q$dir\E//;
                     -d $p ? "$rel/" : "$rel " . (-s $p || 0) }
               grep { !m{/Requests/[^/]+/state$|/\.sweep-(stamp|lock)$} } split /\n/, tree_snapshot($dir);
}

# A disk_state taken before the final fragment of session $sid, as it must
# be after it: the request file holds all $total bytes.
sub with_all_bytes {
    my ($state, $sid, $total) = @_;
    $state =~ s{(/Requests/\Q$sid\E/requestfile\.bin) \d+}{$1 $total};
    return $state;
}

# ============================================================================
# 6a. Ten resends of the last byte of a 4 MiB upload to a failing application
# ============================================================================
{
    my $S = 'appbackoff';
    my $root = session_root($S);
    my $size = 4 * 1024 * 1024;
    my $data = random_bytes($size);
    $be->clear;
    $be->script(status => 500);
    my ($sid, $last) = send_all_but_last("/$S/big.bin", $data, fragsize => 1024 * 1024);
    app_ack_is($last->(), 500, E_HTTP_500, CTX_APP, 'backoff: the first notification fails (500)');
    is($be->count, 1, 'backoff: one notification');
    my $st = read_state($root, $sid);
    is($st->{state}, 'COMPLETING', 'backoff: the session stays COMPLETING');
    is($st->{notify_failures}, 1, 'backoff: the failure is recorded');
    ok(($st->{notify_after} // 0) > 0, 'backoff: the time of the next attempt is recorded');
    my $before = disk_state($S);
    my $req_sha = sha256_file(request_file($root, $sid));
    new_log_lines();

    # The attack: the last byte, again and again.
    my @bad;
    for my $i (1 .. 10) {
        my $r = fragment("/$S/big.bin", $sid, substr($data, -1), $size - 1, $size);
        push @bad, "resend $i: " . $r->status_line . ' ' . ($r->header('BITS-Error-Code') // '-')
                   . ' ctx ' . ($r->header('BITS-Error-Context') // '-')
                   . ' N ' . (received_of($r) // '-')
            unless $r->code == 503 && ($r->header('BITS-Error-Code') // '') eq E_RETRY
                   && ($r->header('BITS-Error-Context') // '') eq CTX_APP
                   && (received_of($r) // '') eq $size && !defined $r->header('BITS-Reply-URL');
    }
    ok(!@bad, 'backoff: 10 resends of the last byte: each 503 0x801901F7 ctx 0x7 with N = total, no reply URL');
    diag("  $_") for @bad;
    my @reqs = $be->requests;
    is(scalar @reqs, 1, 'backoff: still one notification after 10 resends');
    is(sum0(map { $_->{body_len} } @reqs), $size, "backoff: $size bytes delivered in all (not 11 times that)");
    my $fr = app_ack_is(fragment("/$S/big.bin", $sid, substr($data, -(1024 * 1024)), $size - 1024 * 1024, $size),
                        503, E_RETRY, CTX_APP, 'backoff: a resend of the whole last fragment too');
    is($be->count, 1, 'backoff: ... without a notification');
    $st = read_state($root, $sid);
    is($st->{state}, 'COMPLETING', 'backoff: still COMPLETING after the resends');
    is($st->{notify_failures}, 1, 'backoff: the resends are not counted as failures');
    is(disk_state($S), $before, 'backoff: nothing changed on disk');
    is(sha256_file(request_file($root, $sid)), $req_sha, 'backoff: the upload is intact');
    ok(scalar(grep { /\Q$sid\E.*next one is allowed in \d+ s \(BITSNotificationRetryDelay\)/ } new_log_lines()),
       'backoff: the log says why nothing was notified');
    ack_is(close_session("/$S/big.bin", $sid), 200, undef, 'backoff: Close-Session of the COMPLETING session');
    is($be->count, 1, 'backoff: Close-Session did not notify');
    ok(!-e htdocs("$S/big.bin"), 'backoff: nothing published');
}

# ============================================================================
# 6a. After the delay the session notifies again; the delay doubles
# ============================================================================
{
    my $S = 'appretry';
    my $root = session_root($S);
    my $data = random_bytes(5000);
    $be->clear;
    $be->script(status => 500);
    my ($sid, $last) = send_all_but_last("/$S/r.bin", $data, fragsize => 4096);
    app_ack_is($last->(), 500, E_HTTP_500, CTX_APP, 'retry: first attempt fails');
    app_ack_is($last->(), 503, E_RETRY, CTX_APP, 'retry: an immediate resend waits out the 2 s delay');
    is($be->count, 1, 'retry: one notification so far');
    sleep 2.3;
    app_ack_is($last->(), 500, E_HTTP_500, CTX_APP, 'retry: after the delay the resend notifies again');
    is($be->count, 2, 'retry: two notifications');
    is(read_state($root, $sid)->{notify_failures}, 2, 'retry: two failures in a row recorded');
    sleep 2.3;    # past the first delay, not past the doubled one (4 s)
    app_ack_is($last->(), 503, E_RETRY, CTX_APP, 'retry: the second delay is twice as long');
    is($be->count, 2, 'retry: still two notifications');
    $be->script(status => 200, body => 'done');
    sleep 2.0;
    my $ok = $last->();
    app_ack_is($ok, 200, undef, undef, 'retry: the application recovered; the resend after the delay succeeds');
    is($ok->header('BITS-Reply-URL'), reply_url_for("/$S/r.bin", $sid), 'retry: reply URL');
    is($be->count, 3, 'retry: three notifications in all');
    is(get_reply($ok->header('BITS-Reply-URL') // base_url() . '/none')->content, 'done', 'retry: the reply');
    close_session("/$S/r.bin", $sid);

    # The upload of an empty file is completed by Close-Session: its resend
    # waits out the backoff too.
    $be->clear;
    $be->script(status => 500);
    my $e = new_session("/$S/empty.bin");
    app_ack_is(close_session("/$S/empty.bin", $e), 500, E_HTTP_500, CTX_APP,
               'empty upload: Close-Session notifies and fails');
    my $st = read_state($root, $e);
    is($st->{state}, 'COMPLETING', 'empty upload: COMPLETING');
    is($st->{total}, 0, 'empty upload: total 0 recorded');
    my $before = disk_state($S);
    app_ack_is(close_session("/$S/empty.bin", $e), 503, E_RETRY, CTX_APP,
               'empty upload: a resent Close-Session during the backoff');
    is($be->count, 1, 'empty upload: ... did not notify');
    is(disk_state($S), $before, 'empty upload: nothing changed on disk');
    $be->script(status => 200);
    sleep 2.3;
    app_ack_is(close_session("/$S/empty.bin", $e), 200, undef, undef,
               'empty upload: Close-Session after the delay notifies and closes');
    is($be->count, 2, 'empty upload: two notifications in all');
    is($be->requests ? ($be->requests)[-1]{body_len} : -1, 0, 'empty upload: the application got the empty file');
    is(read_state($root, $e)->{state}, 'CLOSED', 'empty upload: CLOSED');
}

# ============================================================================
# 7. Replies over BITSMaximumReplySize (1000 bytes)
# ============================================================================
{
    my $S = 'appreply';
    my $root = session_root($S);
    my $n = 0;
    # One upload whose application answers as scripted; returns ($sid, final Ack).
    my $upload = sub {
        my (%script) = @_;
        my $name = 'f' . ++$n . '.bin';
        $be->clear;
        $be->script(%script);
        my $data = random_bytes(3000);
        my ($sid, $last) = send_all_but_last("/$S/$name", $data, fragsize => 2048);
        my $before = disk_state($S);
        new_log_lines();
        return ($sid, $last->(), $name, $before);
    };
    for my $case ([ 'Content-Length', 0 ], [ 'chunked', 1 ]) {
        my ($how, $chunked) = @$case;
        my ($sid, $r, $name, $before) = $upload->(status => 200, body => 'R' x (4 * 1024 * 1024),
            chunked => $chunked, headers => [ 'BITS-Copy-File-To-Destination' => '1' ]);
        app_ack_is($r, 400, E_INVALIDARG, CTX_APP, "reply of 4 MiB ($how) over a limit of 1000 bytes");
        ok(!defined $r->header('BITS-Reply-URL'), "reply ($how): no BITS-Reply-URL");
        is($be->count, 1, "reply ($how): one notification");
        ok(!-e "$root/Replies/$sid/responsefile.bin", "reply ($how): no reply file");
        is(scalar(my @p = find_files_named(htdocs($S), qr/\.part$/)), 0, "reply ($how): no partial reply left");
        ok(!-e htdocs("$S/$name"), "reply ($how): nothing published despite BITS-Copy-File-To-Destination");
        my %want = map { ($_ => 1) } split /\n/, with_all_bytes($before, $sid, 3000);
        $want{$_} = 1 for '/BITS-Sessions/Replies/', "/BITS-Sessions/Replies/$sid/";
        is(join("\n", sort split /\n/, disk_state($S)), join("\n", sort keys %want),
           "reply ($how): on disk only the (empty) reply directory is new");
        is(read_state($root, $sid)->{state}, 'COMPLETING', "reply ($how): the session stays COMPLETING");
        ok(scalar(grep { /\Q$sid\E.*longer than BITSMaximumReplySize \(1000 bytes\)/ } new_log_lines()),
           "reply ($how): the log names the limit");
        cancel_session("/$S/$name", $sid);
    }
    {
        my ($sid, $r) = $upload->(status => 200, body => 'x' x 1000);
        app_ack_is($r, 200, undef, undef, 'a reply of exactly 1000 bytes is fine');
        is(length(get_reply($r->header('BITS-Reply-URL') // base_url() . '/none')->content), 1000,
           'the 1000-byte reply is served whole');
    }
    {
        my ($sid, $r) = $upload->(status => 200, body => 'y' x 5000,
            headers => [ 'BITS-Static-Response-URL' => 'http://127.0.0.1/static/reply.txt' ]);
        app_ack_is($r, 200, undef, undef, 'a static reply URL: the (ignored) body is not limited');
        is($r->header('BITS-Reply-URL'), 'http://127.0.0.1/static/reply.txt', 'static reply URL kept');
        ok(!-e "$root/Replies/$sid/responsefile.bin", 'static reply: the body was not stored');
    }
    {
        my ($sid, $r) = $upload->(status => 500, body => 'z' x 5000);
        app_ack_is($r, 500, E_HTTP_500, CTX_APP, 'an error answer with a long body keeps its own status');
    }

    # By reference: the application writes the reply file itself.
    my $R = 'appreplyref';
    my $rroot = session_root($R);
    $be->clear;
    $be->script(status => 200, reply_file => 'Q' x 5000, headers => [ 'BITS-Copy-File-To-Destination' => '1' ]);
    my ($sid, $last) = send_all_but_last("/$R/ref.bin", random_bytes(3000), fragsize => 2048);
    new_log_lines();
    app_ack_is($last->(), 400, E_INVALIDARG, CTX_APP, 'by reference: a reply file of 5000 bytes over the limit');
    is($be->count, 1, 'by reference: one notification');
    ok(!-e "$rroot/Replies/$sid/responsefile.bin", 'by reference: the reply file was removed');
    ok(!-e htdocs("$R/ref.bin"), 'by reference: nothing published');
    ok(scalar(grep { /\Q$sid\E.*longer than BITSMaximumReplySize \(1000 bytes\): 5000 bytes/ } new_log_lines()),
       'by reference: the log names the limit and the size');
    is(get_reply(reply_url_for("/$R/ref.bin", $sid))->code, 404, 'by reference: no reply is served');
    $be->clear;
    $be->script(status => 200, reply_file => 'q' x 1000);
    my ($sid2, $last2) = send_all_but_last("/$R/ref2.bin", random_bytes(3000), fragsize => 2048);
    my $ok = $last2->();
    app_ack_is($ok, 200, undef, undef, 'by reference: a reply file of exactly 1000 bytes is fine');
    is(length(get_reply($ok->header('BITS-Reply-URL') // base_url() . '/none')->content), 1000,
       'by reference: the reply is served');
}
$be->stop;

# ============================================================================
# 6b. BITSMaxConcurrentNotifications on a server with 8 workers
# ============================================================================
my $node_dir = t_dir() . '/state/appnode';
File::Path::remove_tree($node_dir);
File::Path::make_path("$node_dir/logs", "$node_dir/docs");
write_file("$node_dir/docs/index.html", "up\n", 0644);
chmod 0755, $node_dir, "$node_dir/docs";
my $port2 = do { my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1',
                                               LocalPort => 0) or die $!; $s->sockport };
my $cap_dir = htdocs('appcap');

sub node_conf {
    my ($cap) = @_;
    my $m = '/usr/lib/apache2/modules';
    my $user = $> == 0 ? "User nobody\nGroup nogroup" : '';
    my $module = t_dir() . '/../.libs/mod_bits.so';
    write_file("$node_dir/httpd.conf", <<"CONF");
ServerRoot "$node_dir"
ServerName 127.0.0.1
Listen 127.0.0.1:$port2
PidFile "$node_dir/logs/httpd.pid"
ErrorLog "$node_dir/logs/error_log"
LogLevel info
DefaultRuntimeDir "$node_dir/logs"
$user
LoadModule mpm_event_module $m/mod_mpm_event.so
LoadModule authz_core_module $m/mod_authz_core.so
LoadModule alias_module $m/mod_alias.so
LoadModule dir_module $m/mod_dir.so
LoadModule bits_module "$module"
StartServers 2
ServerLimit 2
ThreadsPerChild 4
MinSpareThreads 1
MaxSpareThreads 8
MaxRequestWorkers 8
DocumentRoot "$node_dir/docs"
<Directory "$node_dir/docs">
    Require all granted
</Directory>
BITSMaxConcurrentNotifications $cap
Alias /appcap "$cap_dir"
<Directory "$cap_dir">
    BITSUploadEnabled On
    BITSServerNotificationType 2
    BITSServerNotificationURL http://127.0.0.1:18803/app/slow
    BITSNotificationTimeout 60
    Require all granted
</Directory>
CONF
}
sub node_ctl { system('/usr/sbin/apache2', '-f', "$node_dir/httpd.conf", '-k', $_[0]) == 0 }
sub node_stop {
    return unless -f "$node_dir/logs/httpd.pid";
    node_ctl('stop');
    wait_until(sub { !-f "$node_dir/logs/httpd.pid" }, 15);
}
END { node_stop() if $node_dir }
my $node = "http://127.0.0.1:$port2";
sub node_up { wait_until(sub { ping("$node/appcap/x")->code == 200 }, 15) }
sub node_log { open my $fh, '<', "$node_dir/logs/error_log" or return (); my @l = <$fh>; @l }

# The final fragment, sent without waiting for its Ack.
sub node_final_start {
    my ($name, $sid, $bytes, $first) = @_;
    $first ||= 0;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port2, Timeout => 10)
        or die "connect 127.0.0.1:$port2: $!";
    binmode $s;
    my ($n, $last) = (length $bytes, $first + length($bytes) - 1);
    print $s "BITS_POST /appcap/$name HTTP/1.1\r\nHost: 127.0.0.1:$port2\r\n"
           . "BITS-Packet-Type: Fragment\r\nBITS-Session-Id: $sid\r\n"
           . "Content-Range: bytes $first-$last/3000\r\nContent-Length: $n\r\n"
           . "Connection: close\r\n\r\n$bytes";
    return $s;
}

{
    node_conf(2);
    ok(node_ctl('start'), 'cap: a server with 8 workers and BITSMaxConcurrentNotifications 2 starts');
    ok(node_up(), 'cap: it answers BITS');
    my $slots = "$node_dir/logs/mod_bits-notify";
    ok(-d $slots, 'cap: the slot directory is in the runtime directory');
    is((stat $slots)[2] & 07777, 0700, 'cap: the slot directory is private (0700)');
    is(scalar(my @f = glob("$slots/slot.*")), 2, 'cap: two slot files');
    if ($> == 0) {
        is((stat $slots)[4], scalar getpwnam('nobody'), 'cap: the slots belong to the server user');
    }

    my $bs = BitsTest::Backend->start(port => 18803, lifetime => 120,
                                      script => { status => 200, body => 'late', delay => 12 });
    # 2 completions hold the slots; 8 more would, without the cap, occupy
    # every one of the 8 workers until the application answers.
    my @more_ids = 3 .. 10;
    my %data = map { ($_ => random_bytes(3000)) } 1, 2, @more_ids;
    my %sid = map { ($_ => new_session("$node/appcap/c$_.bin")) } 1, 2, @more_ids;
    my @held = map { node_final_start("c$_.bin", $sid{$_}, $data{$_}) } 1, 2;
    ok($bs->wait_requests(2, 15), 'cap: two notifications wait on the slow application');
    # The others have all but their last byte; then the last byte comes.
    for my $i (@more_ids) {
        my $r = fragment("$node/appcap/c$i.bin", $sid{$i}, substr($data{$i}, 0, 2999), 0, 3000);
        die "fragment of c$i.bin: " . $r->status_line unless $r->code == 200;
    }
    my $before = disk_state('appcap');
    $before = with_all_bytes($before, $sid{$_}, 3000) for @more_ids;
    my @more = map { node_final_start("c$_.bin", $sid{$_}, substr($data{$_}, 2999), 2999) } @more_ids;
    # Until they are answered, or (without a cap) every worker is taken.
    my $sel = IO::Select->new(@more);
    wait_until(sub { $bs->count >= 8 || (my @ready = $sel->can_read(0)) == @more }, 15);
    # (Without the cap GET / would now wait 12 s for a worker.)
    my $ua = LWP::UserAgent->new(timeout => 5);
    my $get = $ua->get("$node/");
    is($get->code, 200, 'cap: GET / still works while the application is slow');
    is($get->content, "up\n", 'cap: GET / answers its page');
    my @r = map { read_response($_, 30) } @more;
    close $_ for @more;
    my @bad;
    for my $i (0 .. $#r) {
        push @bad, 'completion ' . ($i + 3) . ': ' . $r[$i]->status_line . ' '
                   . ($r[$i]->header('BITS-Error-Code') // '-') . ' ctx '
                   . ($r[$i]->header('BITS-Error-Context') // '-')
            unless $r[$i]->code == 503 && ($r[$i]->header('BITS-Error-Code') // '') eq E_RETRY
                   && ($r[$i]->header('BITS-Error-Context') // '') eq CTX_APP;
    }
    ok(!@bad, 'cap: eight more completions beyond the cap: 503 0x801901F7 ctx 0x7');
    diag("  $_") for @bad;
    is($bs->count, 2, 'cap: ... and none of them reached the application');
    is(disk_state('appcap'), $before, 'cap: nothing changed on disk for the refused completions');
    for my $i (@more_ids) {
        is(read_state("$cap_dir/BITS-Sessions", $sid{$i})->{state}, 'COMPLETING',
           "cap: session $i stays COMPLETING");
    }
    ok(scalar(grep { /2 notifications are already waiting for the application \(BITSMaxConcurrentNotifications\)/ }
              node_log()), 'cap: the log names the directive');
    my @h = map { read_response($_, 30) } @held;
    close $_ for @held;
    app_ack_is($h[$_], 200, undef, undef, 'cap: held completion ' . ($_ + 1) . ' succeeds') for 0, 1;
    # A refusal by the cap is no failed attempt: no backoff, the resend notifies.
    $bs->script(status => 200, body => 'now');
    my $again = fragment("$node/appcap/c3.bin", $sid{3}, $data{3}, 0, 3000);
    app_ack_is($again, 200, undef, undef, 'cap: the refused completion, resent once slots are free');
    is($bs->count, 3, 'cap: ... notified');
    $bs->stop;
    node_stop();

    # More slots than workers: said at startup.
    node_conf(20);
    ok(node_ctl('start'), 'cap: BITSMaxConcurrentNotifications 20 with 8 workers starts');
    ok(node_up(), 'cap: and answers');
    ok(scalar(grep { /BITSMaxConcurrentNotifications 20 is more than the 8 workers/ } node_log()),
       'cap: the startup log warns that the cap exceeds the workers');
    node_stop();
}
File::Path::remove_tree($node_dir);

done_testing();
