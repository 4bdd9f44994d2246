# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# Issue 11: bitsup, the BITS upload client, against the test server:
# plain uploads (0 bytes, 1 byte, several MB, a UTF-8 name), the wire shape
# of its packets, resume after bitsup is killed and after the server is
# restarted, 413 shrinking, cancel, Basic auth (challenge and preemptive),
# upload-reply with the reply download, exit codes and messages, JSON, the
# progress bar in a pseudo-terminal, and a web farm whose pinned node goes
# away, HTTPS with a test CA (trusted, untrusted, wrong name).  Back-ends: 127.0.0.1:18820 (reply), 127.0.0.1:18821 (a scripted,
# IIS-like BITS server); node 2 of the farm listens on 127.0.0.2.
use strict;
use warnings;
use utf8;
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use BitsTest::Client;
use BitsTest::Backend;
use BitsTest::Bitsup;
use BitsTest::Node qw(start_node free_port);
use Encode ();
use IO::Socket::INET ();
use File::Path ();
use JSON::PP ();
use Time::HiRes qw(sleep);

my $S = 'bitsup';
for my $n (qw(bitsup bitsupreply bitsupfarm bitsuptls)) { reset_scenario($n) }
File::Path::remove_tree(bitsup_state_dir(), { keep_root => 1 });
ok(-x bitsup_bin(), 'bitsup is built') or BAIL_OUT('bitsup/bitsup missing: run make');

my $tmp = t_dir() . '/state/bitsup-files';
File::Path::remove_tree($tmp);
File::Path::make_path($tmp);

sub make_file {
    my ($name, $bytes) = @_;
    my $p = "$tmp/$name";
    open my $fh, '>:raw', $p or die "$p: $!";
    print $fh $bytes;
    close $fh;
    return $p;
}
sub sid_in { my $t = shift; $t =~ /^session (\{[0-9A-F-]{36}\})/m ? $1 : undef }
sub url_of { base_url() . shift }
sub common { ('--give-up', 30, '--max-delay', 1, @_) }
sub access_lines {
    my $re = shift;
    return grep { /$re/ } split /\n/, file_bytes(logs_dir() . '/access_log') // '';
}

# ---------------------------------------------------------------- plain uploads
{
    my %files = (
        'empty.bin' => '',
        'one.bin'   => 'x',
        'big.bin'   => random_bytes(3 * 1024 * 1024 + 12345),
    );
    for my $name (sort keys %files) {
        my $src = make_file($name, $files{$name});
        my $r = run_bitsup([common($src, url_of("/$S/"))]);
        is($r->{rc}, 0, "$name: exit 0") or diag($r->{stderr});
        ok(defined sid_in($r->{stdout}), "$name: prints the session id");
        like($r->{stdout}, qr/^uploaded .*\Q$name\E .*\(\Q${\ length $files{$name}}\E bytes\)$/m,
             "$name: prints the result");
        my $dst = htdocs("$S/$name");
        ok(-f $dst, "$name: published under the file's name (URL ending in /)");
        is(sha256_file($dst), sha256_hex($files{$name}), "$name: sha256 of the published file");
    }
    my $four = run_bitsup([common('--no-state', make_file('four.bin', random_bytes(4 * 1024 * 1024)),
                                  url_of("/$S/four.bin"))]);
    my $frags = () = $four->{stderr} =~ /^bitsup: fragment /mg;
    is($frags, 4, 'default fragment size 1 MiB: a 4 MiB file goes in 4 fragments');

    # 100 MB, streamed from the file in 8 MiB fragments
    my $huge = "$tmp/huge.bin";
    system("head -c 104857600 /dev/urandom > '$huge'") == 0 or die "cannot write $huge";
    my $hr = run_bitsup([common('--no-state', '--fragment-size', '8M', $huge, url_of("/$S/"))], timeout => 300);
    is($hr->{rc}, 0, '100 MB: exit 0') or diag($hr->{stderr});
    is(sha256_file(htdocs("$S/huge.bin")), sha256_file($huge), '100 MB: sha256 of the published file');
    unlink $huge, htdocs("$S/huge.bin");

    # UTF-8 name: percent-encoded in the URL, published with its own name
    my $uname = Encode::encode_utf8('Grüße €.txt');
    my $data = random_bytes(5000);
    my $src = make_file($uname, $data);
    my $r = run_bitsup([common('--fragment-size', '2k', $src, url_of("/$S/"))]);
    is($r->{rc}, 0, 'UTF-8 name: exit 0') or diag($r->{stderr});
    is(sha256_file(htdocs("$S/$uname")), sha256_hex($data), 'UTF-8 name: published under its UTF-8 name, sha256 ok');
    ok(scalar(access_lines(qr{/$S/Gr%C3%BC%C3%9Fe%20%E2%82%AC\.txt}i)) >= 3,
       'UTF-8 name: the URL carries the percent-encoded UTF-8 name');
    is(scalar(bitsup_state_files()), 0, 'no state file left after finished uploads');
}

# ---------------------------------------------------------------- wire shape (IIS-like server)
# A scripted server that answers like IIS might: lower-case header names,
# 201 to nothing but still a valid Ack.  Checks what bitsup sends.
{
    my $be = BitsTest::Backend->start(port => 18821);
    my $sid = '{11111111-2222-3333-4444-555555555555}';
    $be->script(status => 200, headers => [
        'bits-packet-type' => 'ack', 'bits-protocol' => uc PROTO_GUID,
        'bits-session-id' => $sid, 'bits-received-content-range' => 3 ]);
    my $r = run_bitsup([common('--no-state', make_file('wire.bin', 'abc'),
                               'http://127.0.0.1:18821/up/wire.bin')]);
    is($r->{rc}, 0, 'IIS-like server (lower-case headers, upper-case GUID): exit 0') or diag($r->{stderr});
    my @req = $be->requests;
    is(join(',', map { $_->{headers}{'bits-packet-type'} // '?' } @req),
       'Ping,Create-Session,Fragment,Close-Session', 'packets: Ping, Create-Session, Fragment, Close-Session');
    is(scalar(grep { $_->{method} eq 'BITS_POST' } @req), 4, 'every packet is BITS_POST');
    is(scalar(grep { exists $_->{headers}{expect} } @req), 0, 'no Expect: 100-continue');
    is(scalar(grep { exists $_->{headers}{'content-type'} } @req), 0, 'no Content-Type');
    is(scalar(grep { defined $_->{headers}{'content-length'} } @req), 4, 'Content-Length on every packet');
    is($req[1]{headers}{'bits-supported-protocols'}, PROTO_GUID, 'Create-Session offers the upload protocol GUID');
    is($req[2]{headers}{'content-range'}, 'bytes 0-2/3', 'Fragment: Content-Range');
    is($req[2]{headers}{'bits-session-id'}, $sid, 'Fragment: the session id verbatim');
    is($req[2]{body_sha256}, sha256_hex('abc'), 'Fragment: the bytes');
    is($req[3]{headers}{'bits-session-id'}, $sid, 'Close-Session: the session id');

    # a 200 that is not an Ack: a server that does not speak BITS
    $be->script(status => 200, body => '<html>hello</html>');
    $r = run_bitsup([common('--no-state', make_file('nobits.bin', 'abc'), 'http://127.0.0.1:18821/x/')]);
    is($r->{rc}, 1, 'not a BITS server: exit 1');
    like($r->{stderr}, qr/does not speak BITS.*HTTP 200/, 'not a BITS server: says so, with the status');
    $be->stop;
}

# ---------------------------------------------------------------- JSON
{
    my $data = random_bytes(20000);
    my $r = run_bitsup([common('--json', make_file('j.bin', $data), url_of("/$S/j.bin"))]);
    is($r->{rc}, 0, '--json: exit 0');
    my $j = eval { JSON::PP->new->decode($r->{stdout}) } || {};
    is($j->{result}, 'uploaded', '--json: result');
    is($j->{bytes}, 20000, '--json: bytes');
    like($j->{session_id} // '', qr/^\{[0-9A-F-]{36}\}$/, '--json: session_id');
    is($j->{exit_code}, 0, '--json: exit_code');
    is($r->{stderr}, '', '--json: nothing on stderr');
    my $q = run_bitsup([common('-q', make_file('q.bin', $data), url_of("/$S/q.bin"))]);
    is($q->{rc} . $q->{stdout} . $q->{stderr}, '0', '-q: exit 0 and silence');
}

# ---------------------------------------------------------------- resume after kill -9
{
    my $data = random_bytes(400000);
    my $src = make_file('killed.bin', $data);
    my @args = common('--fragment-size', '16k', '--limit-rate', '100k', $src, url_of("/$S/killed.bin"));
    my $run = start_bitsup(\@args);
    ok(wait_for_output($run, qr/^bitsup: fragment /m, 3), 'killed: three fragments went');
    kill 'KILL', $run->{pid};
    wait_bitsup($run);
    my $sid = sid_in($run->{stdout});
    ok(defined $sid, 'killed: had printed its session id');
    ok(!-e htdocs("$S/killed.bin"), 'killed: nothing published yet');
    is(scalar(bitsup_state_files()), 1, 'killed: the state file remains');
    my $r = run_bitsup([grep { $_ ne '--limit-rate' && $_ ne '100k' } @args]);
    is($r->{rc}, 0, 'killed: re-run exits 0') or diag($r->{stderr});
    like($r->{stdout}, qr/^session \Q$sid\E \(resumed\)/m, 'killed: re-run continues the same session');
    unlike($r->{stderr}, qr/fragment bytes 0-/, 'killed: re-run does not start at byte 0');
    is(sha256_file(htdocs("$S/killed.bin")), sha256_hex($data), 'killed: sha256 of the published file');
    is(scalar(bitsup_state_files()), 0, 'killed: state file removed after success');
}

# ---------------------------------------------------------------- resume after a server restart
{
    my $data = random_bytes(300000);
    my $src = make_file('restart.bin', $data);
    my $run = start_bitsup([common('--fragment-size', '16k', '--limit-rate', '100k', $src,
                                   url_of("/$S/restart.bin"))]);
    ok(wait_for_output($run, qr/^bitsup: fragment /m, 3), 'restart: three fragments went');
    server_stop();
    ok(wait_for_output($run, qr/retrying in/, 1), 'restart: bitsup retries while the server is down');
    server_start();
    wait_bitsup($run, 120);
    is($run->{rc}, 0, 'restart: exit 0') or diag($run->{stderr});
    my @sids = $run->{stdout} =~ /^session (\S+)/mg;
    is(scalar @sids, 1, 'restart: one session throughout');
    unlike($run->{stderr}, qr/starting over/, 'restart: no new session');
    is(sha256_file(htdocs("$S/restart.bin")), sha256_hex($data), 'restart: sha256 of the published file');
}

# ---------------------------------------------------------------- 413: smaller fragments
{
    reset_scenario('limits');
    my $data = random_bytes(90000);
    my $r = run_bitsup([common('--fragment-size', 80000, make_file('shrink.bin', $data),
                               url_of('/limits/shrink.bin'))]);
    is($r->{rc}, 0, '413: exit 0') or diag($r->{stderr});
    like($r->{stderr}, qr/413 .*fragment size now 40000/, '413: halves the fragment');
    is(sha256_file(htdocs('limits/shrink.bin')), sha256_hex($data), '413: sha256 of the published file');
    is(scalar(access_lines(qr{/limits/shrink\.bin HTTP/1\.1" 413})), 1, '413: one refused fragment');
}

# ---------------------------------------------------------------- cancel
{
    my $src = make_file('cancel.bin', random_bytes(200000));
    my $run = start_bitsup([common('--fragment-size', '16k', '--limit-rate', '50k', $src,
                                   url_of("/$S/cancel.bin"))]);
    ok(wait_for_output($run, qr/^bitsup: fragment /m, 1), 'cancel: upload under way');
    kill 'KILL', $run->{pid};
    wait_bitsup($run);
    my $sid = sid_in($run->{stdout});
    my $r = run_bitsup(['--cancel', url_of("/$S/cancel.bin"), $sid]);
    is($r->{rc}, 0, 'cancel: exit 0') or diag($r->{stderr});
    like($r->{stdout}, qr/^cancelled session \Q$sid\E$/m, 'cancel: says so');
    is(scalar(bitsup_state_files()), 0, 'cancel: the state file of that session is gone');
    ack_is(fragment("/$S/cancel.bin", $sid, 'x', 0, 200000), 500, E_SESSION_NOT_FOUND,
           'cancel: the server no longer knows the session');
    ok(!-e htdocs("$S/cancel.bin"), 'cancel: nothing published');
    $r = run_bitsup(['--cancel', url_of("/$S/cancel.bin"), $sid]);
    is($r->{rc}, 0, 'cancel again: the server remembers it cancelled (exit 0)');
    $r = run_bitsup(['--cancel', url_of("/$S/cancel.bin"), '{00000000-0000-0000-0000-000000000000}']);
    is($r->{rc}, 1, 'cancel of an unknown session: exit 1');
    like($r->{stderr}, qr/0x8020001F: the server does not know the session/, 'cancel of an unknown session: message');
}

# ---------------------------------------------------------------- Basic auth
{
    reset_scenario('auth');
    my $data = random_bytes(30000);
    my $r = run_bitsup([common('-u', 'alice:alice-secret', make_file('ch.bin', $data), url_of('/auth/ch.bin'))]);
    is($r->{rc}, 0, 'Basic after a challenge: exit 0') or diag($r->{stderr});
    is(sha256_file(htdocs('auth/ch.bin')), sha256_hex($data), 'Basic after a challenge: sha256');
    is(scalar(access_lines(qr{"BITS_POST /auth/ch\.bin HTTP/1\.1" 401})), 1, 'Basic after a challenge: one 401');
    $r = run_bitsup([common('--basic', '-u', 'bob', make_file('pre.bin', $data), url_of('/auth/pre.bin'))],
                    env => { BITSUP_PASSWORD => 'bob-secret' });
    is($r->{rc}, 0, 'preemptive Basic, password from BITSUP_PASSWORD: exit 0') or diag($r->{stderr});
    is(scalar(access_lines(qr{"BITS_POST /auth/pre\.bin HTTP/1\.1" 401})), 0, 'preemptive Basic: no 401');
    is(sha256_file(htdocs('auth/pre.bin')), sha256_hex($data), 'preemptive Basic: sha256');
    $r = run_bitsup([common('-u', 'alice:wrong-secret', make_file('bad.bin', $data), url_of('/auth/bad.bin'))]);
    is($r->{rc}, 1, 'wrong password: exit 1');
    like($r->{stderr}, qr/authentication failed \(HTTP 401/, 'wrong password: message');
    unlike($r->{stdout} . $r->{stderr}, qr/secret/, 'the password is never printed');
    $r = run_bitsup([common(make_file('none.bin', $data), url_of('/auth/none.bin'))]);
    is($r->{rc}, 1, 'no credentials: exit 1');
    $r = run_bitsup([common('-u', 'alice', make_file('np.bin', $data), url_of('/auth/np.bin'))]);
    is($r->{rc}, 2, 'no password and no terminal: exit 2');
    my $in_url = url_of('/auth/inurl.bin');
    $in_url =~ s{^http://}{http://alice:alice-secret\@};
    $r = run_bitsup([common('--json', make_file('inurl.bin', $data), $in_url)]);
    is($r->{rc}, 0, 'credentials in the URL: exit 0') or diag($r->{stderr});
    unlike($r->{stdout} . $r->{stderr}, qr/secret/, 'credentials in the URL: the password is never printed');
    like($r->{stdout}, qr{"url":"http://127\.0\.0\.1:\d+/auth/inurl\.bin"}, 'credentials in the URL: shown without them');
    # credentials refused in the middle of an upload: the state stays, and the
    # right ones continue the same session
    my $big = random_bytes(300000);
    my @mid = common('--fragment-size', '16k', '--limit-rate', '100k',
                     make_file('mid.bin', $big), url_of('/auth/mid.bin'));
    my $run = start_bitsup(['-u', 'alice:alice-secret', @mid]);
    ok(wait_for_output($run, qr/^bitsup: fragment /m, 2), '401 mid-upload: under way');
    kill 'KILL', $run->{pid};
    wait_bitsup($run);
    my $mid_sid = sid_in($run->{stdout});
    $r = run_bitsup(['-u', 'alice:wrong-secret', grep { $_ ne '--limit-rate' && $_ ne '100k' } @mid]);
    is($r->{rc}, 1, '401 mid-upload: exit 1');
    like($r->{stderr}, qr/authentication failed \(HTTP 401/, '401 mid-upload: message');
    like($r->{stderr}, qr/session \Q$mid_sid\E is kept/, '401 mid-upload: says the session is kept');
    is(scalar(bitsup_state_files()), 1, '401 mid-upload: the state file remains');
    $r = run_bitsup(['-u', 'alice:alice-secret', grep { $_ ne '--limit-rate' && $_ ne '100k' } @mid]);
    is($r->{rc}, 0, '401 mid-upload: the right password continues') or diag($r->{stderr});
    like($r->{stdout}, qr/^session \Q$mid_sid\E \(resumed\)/m, '401 mid-upload: the same session');
    is(sha256_file(htdocs('auth/mid.bin')), sha256_hex($big), '401 mid-upload: sha256');
    is(scalar(bitsup_state_files()), 0, '401 mid-upload: state file removed after success');
    my $netrc = make_file('netrc', "machine 127.0.0.1 login alice password alice-secret\n");
    chmod 0600, $netrc;
    $r = run_bitsup([common('--netrc-file', $netrc, make_file('nr.bin', $data), url_of('/auth/nr.bin'))]);
    is($r->{rc}, 0, 'credentials from a netrc: exit 0') or diag($r->{stderr});
}

# ---------------------------------------------------------------- upload-reply
{
    ok(port_is_free(18820), 'back-end port 18820 free') or BAIL_OUT('127.0.0.1:18820 in use');
    my $be = BitsTest::Backend->start(port => 18820);
    my $data  = random_bytes(150000);
    my $reply = random_bytes(70000);
    $be->script(status => 200, body => $reply);
    my $out = "$tmp/reply.out";
    my $r = run_bitsup([common('--fragment-size', '64k', '-o', $out, make_file('r.bin', $data),
                               url_of('/bitsupreply/r.bin'))]);
    is($r->{rc}, 0, 'upload-reply: exit 0') or diag($r->{stderr});
    is(sha256_file($out), sha256_hex($reply), 'upload-reply: the reply downloaded to -o');
    ok(!-e "$out.part", 'upload-reply: no .part file left');
    my ($req) = $be->requests;
    is($req->{body_sha256}, sha256_hex($data), 'upload-reply: the application got the upload');
    ok(scalar(access_lines(qr{"GET /bitsupreply/BITS-Sessions/Replies/%7B.*HTTP/1\.1" 200})) >= 1,
       'upload-reply: reply fetched with GET');

    # a partial reply from an earlier run: continued with a Range request
    $be->script(status => 200, body => $reply);
    make_file('reply2.out.part', substr($reply, 0, 30000));
    $r = run_bitsup([common('-o', "$tmp/reply2.out", make_file('r2.bin', $data),
                            url_of('/bitsupreply/r2.bin'))]);
    is($r->{rc}, 0, 'reply resume: exit 0') or diag($r->{stderr});
    is(sha256_file("$tmp/reply2.out"), sha256_hex($reply), 'reply resume: whole reply');
    ok(scalar(access_lines(qr{"GET /bitsupreply/BITS-Sessions/Replies/.*HTTP/1\.1" 206})) >= 1,
       'reply resume: a 206 ranged GET');

    # without -o: the reply URL is printed
    $r = run_bitsup([common(make_file('r3.bin', $data), url_of('/bitsupreply/r3.bin'))]);
    like($r->{stdout}, qr{^reply http://127\.0\.0\.1:\d+/bitsupreply/BITS-Sessions/Replies/}m,
         'without -o: prints the reply URL');

    # the application refuses: exit 1 with its status
    $be->script(status => 403);
    $r = run_bitsup([common(make_file('r4.bin', $data), url_of('/bitsupreply/r4.bin'))]);
    is($r->{rc}, 1, 'application says 403: exit 1');
    like($r->{stderr}, qr/HTTP 403.*0x80190193 from the server application/, 'application says 403: message');
    $be->stop;
}

# ---------------------------------------------------------------- exit codes and messages
{
    my $src = make_file('dup.bin', 'abc');
    is(run_bitsup([common($src, url_of("/$S/dup.bin"))])->{rc}, 0, 'first upload of dup.bin');
    my $r = run_bitsup([common($src, url_of("/$S/dup.bin"))]);
    is($r->{rc}, 1, 'refused (file exists, no overwrites): exit 1');
    like($r->{stderr}, qr/Create-Session refused: HTTP 403 .*0x80070005: access denied/,
         'refused: status and meaning of BITS-Error-Code');
    $r = run_bitsup([common($src, url_of('/off/x.bin'))]);
    is($r->{rc}, 1, 'uploads disabled: exit 1');
    like($r->{stderr}, qr/HTTP 501/, 'uploads disabled: 501 shown');
    $r = run_bitsup([common($src, 'ftp://127.0.0.1/x')]);
    is($r->{rc}, 2, 'ftp:// URL: exit 2');
    like($r->{stderr}, qr/not an http:\/\/ or https:\/\/ URL/, 'ftp:// URL: message');
    is(run_bitsup([common($src, 'http://')])->{rc}, 2, 'malformed URL: exit 2');
    is(run_bitsup([$src])->{rc}, 2, 'missing URL: exit 2');
    is(run_bitsup(['--fragment-size', 'lots', $src, url_of("/$S/")])->{rc}, 2, 'bad option value: exit 2');
    $r = run_bitsup([common("$tmp/does-not-exist", url_of("/$S/"))]);
    is($r->{rc}, 3, 'missing file: exit 3');
    like($r->{stderr}, qr/cannot open .*does-not-exist: No such file/, 'missing file: message');
    is(run_bitsup([common($tmp, url_of("/$S/"))])->{rc}, 3, 'a directory as FILE: exit 3');
    my $port = free_port();
    $r = run_bitsup(['--give-up', 2, '--max-delay', 1, $src, "http://127.0.0.1:$port/x"]);
    is($r->{rc}, 4, 'nobody listening: exit 4 after --give-up');
    like($r->{stderr}, qr/gave up after 2 s/, 'nobody listening: message');
    like(run_bitsup(['--help'])->{stdout}, qr/^Usage: bitsup/, '--help');
}

# ---------------------------------------------------------------- progress bar in a pseudo-terminal
SKIP: {
    skip 'script(1) not available', 2 unless -x '/usr/bin/script';
    my $src = make_file('tty.bin', random_bytes(100000));
    my $cmd = join ' ', map { "'$_'" } bitsup_bin(), '--state-dir', bitsup_state_dir(),
        '--fragment-size', '10k', $src, url_of("/$S/tty.bin");
    my $out = `/usr/bin/script -qec "$cmd" /dev/null 2>&1`;
    like($out, qr/\[#+\] 100% .*\/s ETA/, 'terminal: a progress bar with rate and ETA');
    unlike($out, qr/fragment bytes/, 'terminal: no per-fragment lines');
}

# ---------------------------------------------------------------- password prompt on the terminal
SKIP: {
    skip 'script(1) not available', 3 unless -x '/usr/bin/script';
    my $data = random_bytes(10000);
    my $src = make_file('prompt.bin', $data);
    my $cmd = join ' ', map { "'$_'" } bitsup_bin(), '--state-dir', bitsup_state_dir(),
        '-u', 'alice', $src, url_of('/auth/prompt.bin');
    # typed a second later, as a person would: after echo is off
    my $out = `(sleep 1; printf 'alice-secret\\n') | /usr/bin/script -qec "$cmd" /dev/null 2>&1`;
    like($out, qr/Password for alice: /, 'prompt: asks for the password on the terminal');
    unlike($out, qr/alice-secret/, 'prompt: the password is not echoed');
    is(sha256_file(htdocs('auth/prompt.bin')), sha256_hex($data), 'prompt: uploaded with the typed password');
}

# ---------------------------------------------------------------- web farm: pinned node goes away
SKIP: {
    # node 2: 127.0.0.2, the same port, the same directory and store
    my $port = Apache::Test::vars('port');
    my $farm = htdocs('bitsupfarm');
    my $ndir = t_dir() . '/state/bitsupnode2';
    my $conf = <<"CONF";
Listen 127.0.0.2:$port
CustomLog "$ndir/logs/access_log" "%h \\"%r\\" %>s"
DocumentRoot "$farm"
Alias /bitsupfarm "$farm"
<Directory "$farm">
    BITSUploadEnabled On
</Directory>
CONF
    my $dir = eval { start_node('bitsupnode2', $conf, modules => [],
                                ping => "http://127.0.0.2:$port/bitsupfarm/x") };
    skip "node 2 on 127.0.0.2 did not start: $@", 6 unless $dir;
    my $data = random_bytes(300000);
    my $src = make_file('farm.bin', $data);
    my $run = start_bitsup([common('--fragment-size', '16k', '--limit-rate', '100k', $src,
                                   url_of('/bitsupfarm/farm.bin'))]);
    ok(wait_for_output($run, qr/^bitsup: fragment /m, 3), 'farm: fragments flow');
    like(file_bytes($run->{err}), qr/session pinned to host 127\.0\.0\.2/, 'farm: pinned to BITS-Host-Id');
    ok(scalar(grep { /Fragment|BITS_POST \/bitsupfarm\/farm\.bin/ }
              split /\n/, file_bytes("$dir/logs/access_log") // '') >= 3,
       'farm: the fragments went to node 2');
    system('/usr/sbin/apache2', '-f', "$dir/httpd.conf", '-k', 'stop');
    wait_bitsup($run, 120);
    is($run->{rc}, 0, 'farm: exit 0 after node 2 went away') or diag($run->{stderr});
    like($run->{stderr}, qr/falling back to http:\/\/127\.0\.0\.1:/, 'farm: fell back to the original host');
    is(sha256_file("$farm/farm.bin"), sha256_hex($data), 'farm: sha256 of the published file');
}

# ---------------------------------------------------------------- HTTPS with a test CA
SKIP: {
    skip 'openssl or mod_ssl missing', 7
        unless -x '/usr/bin/openssl' && -f '/usr/lib/apache2/modules/mod_ssl.so';
    my $pki = "$tmp/pki";
    File::Path::make_path($pki);
    my $ssl = sub {
        open my $saved, '>&', \*STDERR or die $!;
        open STDERR, '>', '/dev/null' or die $!;
        my $rc = system('/usr/bin/openssl', @_);
        open STDERR, '>&', $saved or die $!;
        $rc == 0 or die "openssl @_ failed";
    };
    my $ok = eval {
        $ssl->(qw(req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=bitsup-test-ca),
               '-keyout', "$pki/ca.key", '-out', "$pki/ca.pem");
        for my $c (['good', 'IP:127.0.0.1,DNS:localhost'], ['wrong', 'DNS:wrong.example']) {
            my ($n, $san) = @$c;
            open my $fh, '>', "$pki/$n.ext" or die $!;
            print $fh "subjectAltName=$san\n";
            close $fh;
            $ssl->(qw(req -newkey rsa:2048 -nodes -subj), "/CN=$n", '-keyout', "$pki/$n.key",
                   '-out', "$pki/$n.csr");
            $ssl->(qw(x509 -req -days 2 -CAcreateserial), '-in', "$pki/$n.csr", '-CA', "$pki/ca.pem",
                   '-CAkey', "$pki/ca.key", '-extfile', "$pki/$n.ext", '-out', "$pki/$n.pem");
        }
        1;
    };
    skip "cannot make test certificates: $@", 7 unless $ok;
    my ($good, $wrong) = (free_port(), free_port());
    my $docs = htdocs('bitsuptls');
    my $conf = '';
    for my $v ([$good, 'good'], [$wrong, 'wrong']) {
        $conf .= <<"CONF";
Listen 127.0.0.1:$v->[0]
<VirtualHost 127.0.0.1:$v->[0]>
    SSLEngine on
    SSLCertificateFile "$pki/$v->[1].pem"
    SSLCertificateKeyFile "$pki/$v->[1].key"
    DocumentRoot "$docs"
    <Directory "$docs">
        BITSUploadEnabled On
    </Directory>
</VirtualHost>
CONF
    }
    my $dir = eval { start_node('bitsuptls', $conf, modules => ['ssl', 'socache_shmcb']) };
    skip "TLS node did not start: $@", 7 unless $dir;
    for (1 .. 100) {
        last if IO::Socket::INET->new(PeerAddr => "127.0.0.1:$good", Timeout => 1);
        sleep 0.1;
    }
    my $data = random_bytes(50000);
    my $src = make_file('tls.bin', $data);
    my $r = run_bitsup([common('--cacert', "$pki/ca.pem", $src, "https://127.0.0.1:$good/")]);
    is($r->{rc}, 0, 'HTTPS with --cacert: exit 0') or diag($r->{stderr});
    is(sha256_file("$docs/tls.bin"), sha256_hex($data), 'HTTPS: sha256 of the published file');
    $r = run_bitsup([common($src, "https://127.0.0.1:$good/untrusted.bin")]);
    is($r->{rc}, 5, 'HTTPS, CA not trusted: exit 5');
    like($r->{stderr}, qr/^bitsup: error: TLS: .*\(not retried\)$/m, 'HTTPS, CA not trusted: one clear line');
    unlike($r->{stderr}, qr/retrying/, 'HTTPS, CA not trusted: no retries');
    $r = run_bitsup([common('--cacert', "$pki/ca.pem", $src, "https://127.0.0.1:$wrong/wrongname.bin")]);
    is($r->{rc}, 5, 'HTTPS, certificate for another name: exit 5');
    ok(!-e "$docs/untrusted.bin" && !-e "$docs/wrongname.bin", 'HTTPS failures: nothing uploaded');
    system('/usr/sbin/apache2', '-f', "$dir/httpd.conf", '-k', 'stop');
}

done_testing();
