# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# §7.4 Fragment and §7.5 offset rules, §7.7 publishing (type 0);
# error-table rows 5 (chunked / no Content-Length), 12 (missing id),
# 13 (unknown / foreign-path id), 14 (bad Content-Range), 15 (total
# changed), 16 (Content-Encoding), 17 (gap -> 416); zero-byte uploads;
# session-event log lines.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use BitsTest::Client;
use Time::HiRes qw(sleep);

reset_scenario('frag');

my $S    = 'frag';
my $root = session_root($S);

sub dir_listing {
    my $d = shift;
    opendir my $dh, $d or return '(missing)';
    my @f = sort grep { !/^\.\.?$/ } readdir $dh;
    return join ' ', @f;
}

# --- single-fragment upload ------------------------------------------------
my $one = random_bytes(100_000);
my $sid1 = new_session("/$S/one.bin");
my $r = fragment("/$S/one.bin", $sid1, $one, 0, length $one);
ack_is($r, 200, undef, 'single fragment carrying the whole file');
ok(t_cmp(sid_of($r), $sid1, 'echo'), 'Fragment Ack echoes BITS-Session-Id');
ok(t_cmp(received_of($r), 100_000, 'N'), 'Ack for the last fragment: BITS-Received-Content-Range = total');
ok(t_cmp(defined $r->header('BITS-Reply-URL') ? 1 : 0, 0, 'no reply url'), 'no BITS-Reply-URL (type 0)');
ok(t_cmp(sha256_file(htdocs("$S/one.bin")), sha256_hex($one), 'published'),
   'file published at the destination with identical content');
my $st = read_state($root, $sid1);
ok(t_cmp($st && $st->{state}, 'DONE', 'state DONE'), 'state file says DONE after completion');
ok(t_cmp($st && "$st->{received}/$st->{total}", '100000/100000', 'received/total'),
   'state file: received=total=100000');

# resent final fragment after success: same 200, no second publish
my @st1 = stat htdocs("$S/one.bin");
sleep 1.2;
$r = fragment("/$S/one.bin", $sid1, $one, 0, length $one);
ack_is($r, 200, undef, 'resent final fragment after completion');
ok(t_cmp(received_of($r), 100_000, 'replayed N'), 'replayed Ack has N = total');
my @st2 = stat htdocs("$S/one.bin");
ok(t_cmp("$st2[1]/$st2[9]", "$st1[1]/$st1[9]", 'inode/mtime'),
   'no second publish: inode and mtime of the destination unchanged');
$r = fragment("/$S/one.bin", $sid1, substr($one, 50_000), 50_000, length $one);
ack_is($r, 200, undef, 'resent tail fragment after completion');
ok(t_cmp(received_of($r), 100_000, 'replayed N (tail)'), 'replayed tail Ack has N = total');
ok(t_cmp(sha256_file(htdocs("$S/one.bin")), sha256_hex($one), 'still same'), 'published file unchanged');

# Close: tombstone
# the published file is an ordinary file Apache can serve (readable by httpd)
my $get = ua()->get(url("/$S/one.bin"));
ok(t_cmp($get->code, 200, 'GET published'), 'GET of the published file is 200');
ok(t_cmp(sha256_hex($get->content), sha256_hex($one), 'GET content'), 'GET returns the uploaded bytes');

ack_is(close_session("/$S/one.bin", $sid1), 200, undef, 'Close-Session after completion');
$st = read_state($root, $sid1);
ok(t_cmp($st && $st->{state}, 'CLOSED', 'tombstone'), 'tombstone state CLOSED');
my $left = dir_listing(session_dir($root, $sid1));
ok(t_cmp(scalar(grep { $_ ne 'state' && $_ ne 'lock' } split / /, $left), 0, 'only state+lock'),
   "after Close only state and lock remain (have: $left)");

# --- 3 MB in 64 KiB fragments ------------------------------------------------
my $big = random_bytes(3 * 1024 * 1024);
my $fs  = 65536;
my $sidb = new_session("/$S/big.bin");
my ($bad, $partial_published) = (0, 0);
for (my $off = 0; $off < length $big; $off += $fs) {
    $partial_published++ if -e htdocs("$S/big.bin");
    my $f = fragment("/$S/big.bin", $sidb, substr($big, $off, $fs), $off, length $big);
    my $want = $off + $fs;
    unless ($f->code == 200 && (received_of($f) // -1) == $want && !defined $f->header('BITS-Error-Code')) {
        $bad++;
        diag("fragment at $off: " . $f->status_line . ' N=' . (received_of($f) // 'none'));
        last if $bad > 3;
    }
}
ok(t_cmp($bad, 0, '48 fragments'), 'all 48 fragment Acks are 200 with N = end of the fragment');
ok(t_cmp($partial_published, 0, 'never partial'), 'the destination did not exist before the last byte arrived');
ok(t_cmp(sha256_file(htdocs("$S/big.bin")), sha256_hex($big), '3 MB sha256'),
   '3 MiB upload in 64 KiB fragments: published file is byte-identical');
ack_is(close_session("/$S/big.bin", $sidb), 200, undef, 'Close after the 3 MiB upload');

# --- overlap, duplicate, gap (§7.4 steps 6-8, §18.2) ---------------------------
my $d3 = random_bytes(300);
my $sido = new_session("/$S/overlap.bin");
$r = fragment("/$S/overlap.bin", $sido, substr($d3, 0, 100), 0, 300);
ack_is($r, 200, undef, 'fragment 0-99');
ok(t_cmp(received_of($r), 100, 'N=100'), 'N = 100');
# overlapping fragment whose overlapping part is garbage: only the tail counts
$r = fragment("/$S/overlap.bin", $sido, ('X' x 50) . substr($d3, 100, 50), 50, 300);
ack_is($r, 200, undef, 'overlapping fragment 50-149');
ok(t_cmp(received_of($r), 150, 'N=150'), 'overlap: N = 150');
# duplicate (already held) with garbage content: nothing written
$r = fragment("/$S/overlap.bin", $sido, 'Y' x 100, 0, 300);
ack_is($r, 200, undef, 'duplicate fragment 0-99');
ok(t_cmp(received_of($r), 150, 'dup N=150'), 'duplicate: N stays 150');
$r = fragment("/$S/overlap.bin", $sido, 'Z' x 150, 0, 300);
ack_is($r, 200, undef, 'duplicate fragment 0-149 (ends exactly at N-1)');
ok(t_cmp(received_of($r), 150, 'dup2 N=150'), 'duplicate 0-149: N stays 150');
# gap
$r = fragment("/$S/overlap.bin", $sido, substr($d3, 200, 50), 200, 300);
ack_is($r, 416, '0x0', 'gap: fragment 200-249 while N = 150');
ok(t_cmp(received_of($r), 150, 'gap N'), '416 carries BITS-Received-Content-Range: 150');
ok(t_cmp(sid_of($r), $sido, 'gap echo'), '416 echoes BITS-Session-Id');
$r = fragment("/$S/overlap.bin", $sido, substr($d3, 151, 10), 151, 300);
ack_is($r, 416, '0x0', 'gap of one byte: fragment 151-160 while N = 150');
ok(t_cmp(received_of($r), 150, 'gap1 N'), 'one-byte gap: N = 150');
ok(t_cmp(read_state($root, $sido)->{received}, 150, 'state N'), 'state file: received=150');
ok(t_cmp(read_state($root, $sido)->{total}, 300, 'state T'), 'state file: total=300 once the first fragment arrived');
ok(t_cmp(-e htdocs("$S/overlap.bin") ? 1 : 0, 0, 'not yet published'), 'partial upload not published');
# overlapping final fragment
$r = fragment("/$S/overlap.bin", $sido, ('W' x 20) . substr($d3, 150), 130, 300);
ack_is($r, 200, undef, 'overlapping final fragment 130-299');
ok(t_cmp(received_of($r), 300, 'N=300'), 'N = 300 = total');
ok(t_cmp(sha256_file(htdocs("$S/overlap.bin")), sha256_hex($d3), 'overlap result'),
   'overlapping/duplicate garbage never overwrote held bytes: file identical');

# --- §8.2: the first fragment of a new session at a non-zero offset -> 416 N=0
{
    my $d = random_bytes(5000);
    my $sn = new_session("/$S/restart-offset.bin");
    my $r = fragment("/$S/restart-offset.bin", $sn, substr($d, 1000, 1000), 1000, 5000);
    ack_is($r, 416, '0x0', 'first fragment of a new session starts at 1000 (client kept its old offset)');
    ok(t_cmp(received_of($r), 0, 'fresh 416 N'), 'the 416 tells the client to start at 0');
    my ($ok) = send_fragments("/$S/restart-offset.bin", $sn, $d, 2000, from => 0);
    ok(t_cmp($ok, 1, 'restart from 0'), 'the client uploads from 0 after the 416');
    ok(t_cmp(sha256_file(htdocs("$S/restart-offset.bin")), sha256_hex($d), 'restart-offset file'),
       'and the file is published intact');
}

# --- §2.2: the body is consumed on 200/416/403 Acks: the connection stays usable
{
    my $sk = new_session("/$S/keepalive.bin");
    fragment("/$S/keepalive.bin", $sk, 'k' x 100, 0, 1000);
    my $s = raw_connect();
    my @steps = (
        [ 'gap fragment (416) with a 500-byte body', 416,
          ['BITS-Packet-Type' => 'Fragment', 'BITS-Session-Id' => $sk,
           'Content-Range' => 'bytes 500-999/1000', 'Content-Length' => 500], 'g' x 500 ],
        [ 'duplicate fragment (200) with a 100-byte body', 200,
          ['BITS-Packet-Type' => 'Fragment', 'BITS-Session-Id' => $sk,
           'Content-Range' => 'bytes 0-99/1000', 'Content-Length' => 100], 'd' x 100 ],
        [ 'Create-Session on an existing file (403)', 403,
          ['BITS-Packet-Type' => 'Create-Session', 'BITS-Supported-Protocols' => PROTO_GUID,
           'Content-Length' => 0], '', "/$S/one.bin" ],
    );
    for my $st (@steps) {
        my ($name, $code, $h, $body, $path) = @$st;
        raw_send($s, raw_head(path => $path || "/$S/keepalive.bin", keepalive => 1, headers => $h) . $body);
        my $r = read_response($s, 10);
        ok(t_cmp($r->code, $code, "keep-alive: $name"), "keep-alive: $name answered $code");
        raw_send($s, raw_head(path => "/$S/keepalive.bin", keepalive => 1,
                              headers => ['BITS-Packet-Type' => 'Ping', 'Content-Length' => 0]));
        $r = read_response($s, 10);
        ack_is($r, 200, undef, "keep-alive: Ping on the same connection after the $name");
    }
    # pipelined: a duplicate fragment and a Ping in one write
    raw_send($s, raw_head(path => "/$S/keepalive.bin", keepalive => 1,
                          headers => ['BITS-Packet-Type' => 'Fragment', 'BITS-Session-Id' => $sk,
                                      'Content-Range' => 'bytes 0-49/1000', 'Content-Length' => 50])
                 . ('p' x 50)
                 . raw_head(path => "/$S/keepalive.bin", keepalive => 1,
                            headers => ['BITS-Packet-Type' => 'Ping', 'Content-Length' => 0]));
    my $p1 = read_response($s, 10);
    ack_is($p1, 200, undef, 'pipelined duplicate fragment');
    ok(t_cmp(received_of($p1), 100, 'pipelined N'), 'pipelined duplicate fragment: N = 100');
    my $p2 = read_response($s, 10);
    ack_is($p2, 200, undef, 'pipelined Ping after the fragment body');
    close $s;
    cancel_session("/$S/keepalive.bin", $sk);
}

# --- row 14: bad Content-Range (session known, N stays) ------------------------
my $sidr = new_session("/$S/ranges.bin");
$r = fragment("/$S/ranges.bin", $sidr, 'a' x 10, 0, 100);
ok(t_cmp(received_of($r), 10, 'setup N=10'), 'setup: N = 10');
my @bad = (
    [ 'missing Content-Range',              undef,                               'b' x 10 ],
    [ 'no total',                           'bytes 10-19',                       'b' x 10 ],
    [ 'bytes=10-19/100',                    'bytes=10-19/100',                   'b' x 10 ],
    [ 'unit items',                         'items 10-19/100',                   'b' x 10 ],
    [ 'no unit',                            '10-19/100',                         'b' x 10 ],
    [ 'first > last',                       'bytes 19-10/100',                   'b' x 10 ],
    [ 'last >= total',                      'bytes 10-19/15',                    'b' x 10 ],
    [ 'last == total',                      'bytes 10-19/19',                    'b' x 10 ],
    [ 'negative first',                     'bytes -10-19/100',                  'b' x 10 ],
    [ 'signed first',                       'bytes +10-19/100',                  'b' x 10 ],
    [ 'hex numbers',                        'bytes 0xa-0x13/100',                'b' x 10 ],
    [ 'trailing garbage',                   'bytes 10-19/100 x',                 'b' x 10 ],
    [ 'total *',                            'bytes 10-19/*',                     'b' x 10 ],
    [ 'range * with non-zero total',        'bytes */100',                       ''       ],
    [ 'total 2^63',                         'bytes 10-19/9223372036854775808',   'b' x 10 ],
    [ 'total 10^23',                        'bytes 10-19/100000000000000000000000', 'b' x 10 ],
    [ 'last 2^64+9',                        'bytes 10-18446744073709551625/18446744073709551626', 'b' x 10 ],
    [ 'first overflows to 10',              'bytes 18446744073709551626-19/100', 'b' x 10 ],
    [ 'length 10 but body 5',               'bytes 10-19/100',                   'b' x 5 ],
    [ 'length 10 but body 20',              'bytes 10-19/100',                   'b' x 20 ],
    [ 'empty value',                        '',                                  'b' x 10 ],
);
for my $b (@bad) {
    my ($name, $range, $body) = @$b;
    my %o = (body => $body);
    $o{range} = $range if defined $range;
    $r = bits_request("/$S/ranges.bin", 'Fragment', sid => $sidr, %o);
    ack_is($r, 400, E_INVALIDARG, "Content-Range: $name");
    ok(t_cmp(sid_of($r), $sidr, "Content-Range: $name: echo"), "Content-Range: $name: Ack echoes BITS-Session-Id");
    ok(t_cmp(received_of($r), 10, "Content-Range: $name: N"),
       "Content-Range: $name: Ack carries BITS-Received-Content-Range: 10");
}
ok(t_cmp(read_state($root, $sidr)->{received}, 10, 'N after bad ranges'), 'bad ranges changed nothing (received=10)');

# accepted spellings
$r = fragment("/$S/ranges.bin", $sidr, 'c' x 10, 10, 100, range => 'Bytes 10-19/100');
ack_is($r, 200, undef, 'unit "Bytes" is case-insensitive');
ok(t_cmp(received_of($r), 20, 'Bytes N'), 'N = 20');
$r = fragment("/$S/ranges.bin", $sidr, 'c' x 10, 20, 100, range => 'bytes  20-29/100');
ack_is($r, 200, undef, 'several spaces after the unit');
ok(t_cmp(received_of($r), 30, 'spaces N'), 'N = 30');

# row 15: total changed
$r = fragment("/$S/ranges.bin", $sidr, 'd' x 10, 30, 200);
ack_is($r, 400, E_INVALIDARG, 'total changed from 100 to 200');
ok(t_cmp(received_of($r), 30, 'total changed N'), 'total changed: N = 30');

# row 16: Content-Encoding
$r = fragment("/$S/ranges.bin", $sidr, 'd' x 10, 30, 100, headers => ['Content-Encoding' => 'gzip']);
ack_is($r, 400, E_INVALIDARG, 'Content-Encoding: gzip');
ok(t_cmp(received_of($r), 30, 'gzip N'), 'Content-Encoding gzip: N = 30');
$r = fragment("/$S/ranges.bin", $sidr, 'd' x 10, 30, 100, headers => ['Content-Encoding' => 'deflate, identity']);
ack_is($r, 400, E_INVALIDARG, 'Content-Encoding: deflate, identity');
$r = fragment("/$S/ranges.bin", $sidr, 'e' x 10, 30, 100, headers => ['Content-Encoding' => 'identity']);
ack_is($r, 200, undef, 'Content-Encoding: identity is accepted');
ok(t_cmp(received_of($r), 40, 'identity N'), 'identity: N = 40');

# row 5: chunked Fragment / no Content-Length (raw)
$r = raw_request(path => "/$S/ranges.bin",
                 headers => ['BITS-Packet-Type' => 'Fragment', 'BITS-Session-Id' => $sidr,
                             'Content-Range' => 'bytes 40-49/100', 'Transfer-Encoding' => 'chunked'],
                 body => "a\r\nffffffffff\r\n0\r\n\r\n");
ack_is($r, 400, E_INVALIDARG, 'chunked Fragment (raw)');
$r = raw_request(path => "/$S/ranges.bin",
                 headers => ['BITS-Packet-Type' => 'Fragment', 'BITS-Session-Id' => $sidr,
                             'Content-Range' => 'bytes 40-49/100']);
ack_is($r, 400, E_INVALIDARG, 'Fragment without Content-Length (raw)');
ok(t_cmp(read_state($root, $sidr)->{received}, 40, 'N after chunked'), 'chunked/no-length fragments wrote nothing (received=40)');

# --- row 12/13: session id missing / unknown / malformed / other path ----------
ack_is(bits_request("/$S/ranges.bin", 'Fragment', range => 'bytes 40-49/100', body => 'f' x 10),
       400, E_INVALIDARG, 'Fragment without BITS-Session-Id');
# an empty id is either "missing" (400) or "malformed" (500 not found): the
# spec names neither explicitly, but it must be a proper error Ack
$r = bits_request("/$S/ranges.bin", 'Fragment', sid => '', range => 'bytes 40-49/100', body => 'f' x 10);
ack_is($r, $r->code == 400 ? (400, E_INVALIDARG) : (500, E_SESSION_NOT_FOUND),
       'Fragment with an empty BITS-Session-Id (400 missing or 500 unknown)');
my $unknown = '{0BADC0DE-0000-4000-8000-000000000000}';
$r = fragment("/$S/ranges.bin", $unknown, 'f' x 10, 40, 100);
ack_is($r, 500, E_SESSION_NOT_FOUND, 'Fragment with an unknown (well-formed) session id');
ok(t_cmp(sid_of($r), $unknown, 'unknown echo'), 'unknown-session Ack echoes the received BITS-Session-Id');
for my $bad ('abc', '{1234}', '{0BADC0DE-0000-4000-8000-00000000000G}', "${sidr}x", substr($sidr, 1, 36)) {
    ack_is(fragment("/$S/ranges.bin", $bad, 'f' x 10, 40, 100), 500, E_SESSION_NOT_FOUND,
           "malformed session id '$bad'");
}
# bound to a different destination path
ack_is(fragment("/$S/other.bin", $sidr, 'f' x 10, 40, 100), 500, E_SESSION_NOT_FOUND,
       'session id used with a different URL path');
ok(t_cmp(-e htdocs("$S/other.bin") ? 1 : 0, 0, 'other path untouched'), 'nothing created at the other path');
# lower-case spelling of a valid id is the same session (§3.2)
$r = fragment("/$S/ranges.bin", lc $sidr, 'g' x 10, 40, 100);
ack_is($r, 200, undef, 'lower-case spelling of the session id');
ok(t_cmp(received_of($r), 50, 'lc N'), 'lower-case id continues the session (N = 50)');
ok(t_cmp(read_state($root, $sidr)->{received}, 50, 'lc state'), 'state file: received=50');
ack_is(cancel_session("/$S/ranges.bin", $sidr), 200, undef, 'Cancel the range-test session');

# --- 64-bit offsets (location without BITSMaximumUploadSize) ----------------------
{
    my $max = '9223372036854775807';
    my $sh = new_session("/$S/huge.bin");
    my $r = fragment("/$S/huge.bin", $sh, 'h' x 10, 0, 0, range => "bytes 0-9/$max");
    ack_is($r, 200, undef, 'total 2^63-1 is accepted where the size is unlimited');
    ok(t_cmp(received_of($r), 10, 'huge N'), 'huge total: N = 10');
    ok(t_cmp(read_state($root, $sh)->{total}, $max, 'huge total recorded'), 'state file: total=2^63-1');
    $r = fragment("/$S/huge.bin", $sh, 'h' x 11, 0, 0, range => "bytes 9223372036854775796-9223372036854775806/$max");
    ack_is($r, 416, '0x0', 'a fragment ending at byte 2^63-2 is a gap');
    ok(t_cmp(received_of($r), 10, 'huge gap N'), 'huge gap: N = 10');
    ack_is(cancel_session("/$S/huge.bin", $sh), 200, undef, 'Cancel the huge session');
}

# --- the binding is to the destination path (query and escapes do not matter) ----
{
    my $sq = sid_of(create_session("/$S/bound.bin?first=1"));
    my $r = fragment("/$S/bound.bin?second=2", $sq, 'a' x 10, 0, 20);
    ack_is($r, 200, undef, 'same path with another query string is the same session');
    $r = fragment("/$S/b%6Fund.bin", $sq, 'b' x 10, 10, 20);
    ack_is($r, 200, undef, 'same path spelled with a percent-escape is the same session');
    ok(t_cmp(file_bytes(htdocs("$S/bound.bin")), ('a' x 10) . ('b' x 10), 'bound result'), 'the upload completes');
    ack_is(close_session("/$S/bound.bin", lc $sq), 200, undef, 'Close-Session with the lower-case id');
    ok(t_cmp(read_state($root, $sq)->{state}, 'CLOSED', 'lc close'), 'the lower-case id closed the session');
}

# --- completion races with an appearing destination (§7.4 step 10) ----------
my $dap = random_bytes(2000);
my $sida = new_session("/$S/appear.bin");
$r = fragment("/$S/appear.bin", $sida, substr($dap, 0, 1000), 0, 2000);
ok(t_cmp(received_of($r), 1000, 'appear N'), 'appear: first half held');
write_file(htdocs("$S/appear.bin"), "somebody else\n");
$r = fragment("/$S/appear.bin", $sida, substr($dap, 1000), 1000, 2000);
ack_is($r, 403, E_ACCESSDENIED, 'destination appeared before the last byte (overwrites off)');
ok(t_cmp(received_of($r), 2000, '403 N'), '403 completion Ack carries BITS-Received-Content-Range: total');
ok(t_cmp(file_bytes(htdocs("$S/appear.bin")), "somebody else\n", 'untouched'),
   'the destination that appeared is untouched');
ok(t_cmp(read_state($root, $sida)->{state}, 'COMPLETING', 'COMPLETING'), 'session stays COMPLETING');
$r = fragment("/$S/appear.bin", $sida, substr($dap, 1000), 1000, 2000);
ack_is($r, 403, E_ACCESSDENIED, 'retried final fragment while the destination still exists');
unlink htdocs("$S/appear.bin");
$r = fragment("/$S/appear.bin", $sida, substr($dap, 1000), 1000, 2000);
ack_is($r, 200, undef, 'retried final fragment after the destination went away');
ok(t_cmp(received_of($r), 2000, 'retry N'), 'retry: N = total');
ok(t_cmp(sha256_file(htdocs("$S/appear.bin")), sha256_hex($dap), 'retry published'),
   'retry published the upload');
ok(t_cmp(read_state($root, $sida)->{state}, 'DONE', 'DONE'), 'session DONE after the retry');

# --- zero-byte uploads (§3.4 rule 6, §7.6 step 3) -------------------------------
for my $case ([ 'bytes 0--1/0', 'zero1.bin' ], [ 'bytes */0', 'zero2.bin' ]) {
    my ($range, $name) = @$case;
    my $sz = new_session("/$S/$name");
    $r = fragment("/$S/$name", $sz, '', 0, 0, range => $range);
    ack_is($r, 200, undef, "zero-byte upload with '$range'");
    ok(t_cmp(received_of($r), 0, "'$range' N"), "'$range': N = 0");
    ok(t_cmp(-f htdocs("$S/$name") ? -s _ : -1, 0, "'$range' published"),
       "'$range': an empty file is published");
    ack_is(close_session("/$S/$name", $sz), 200, undef, "'$range': Close");
}
{
    my $sz = new_session("/$S/zero3.bin");
    ok(t_cmp(-e htdocs("$S/zero3.bin") ? 1 : 0, 0, 'zero3 absent'), 'no-fragment session: nothing published yet');
    ack_is(close_session("/$S/zero3.bin", $sz), 200, undef, 'Close-Session with no fragment at all');
    ok(t_cmp(-f htdocs("$S/zero3.bin") ? -s _ : -1, 0, 'zero3 published'),
       'Create + Close without fragments publishes an empty file');
    ok(t_cmp(read_state($root, $sz)->{state}, 'CLOSED', 'zero3 closed'), 'and leaves a CLOSED tombstone');
}

# --- info log lines for session events ----------------------------------------
sleep 0.3;
my @log = error_log_lines();
my @mine = grep { index($_, $sid1) >= 0 } @log;
ok(t_cmp(scalar(grep { /creat/i } @mine) >= 1 ? 1 : 0, 1, 'log: created'),
   "error_log has a 'created' line for session $sid1");
ok(t_cmp(scalar(grep { /publish/i } @mine) >= 1 ? 1 : 0, 1, 'log: published'),
   "error_log has a 'published' line for session $sid1");
ok(t_cmp(scalar(grep { /close/i } @mine) >= 1 ? 1 : 0, 1, 'log: closed'),
   "error_log has a 'closed' line for session $sid1");
diag("log lines for $sid1:\n" . join '', @mine) unless @mine >= 3;

done_testing();
