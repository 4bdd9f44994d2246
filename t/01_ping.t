# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# §7.1 dispatch and common validation, §7.2 Ping, §2.2 Ack shape,
# error-table rows 4 (packet type), 5 (Content-Length / chunked),
# 6 (body on Ping), 7 (header value > 4 KB); GET/HEAD left to Apache;
# X-Http-Method-Override.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use BitsTest::Client;

my $S = 'ping';

reset_scenario('ping');

# --- Ping -------------------------------------------------------------------
my $r = ping("/$S/some-file.bin");
ack_is($r, 200, undef, 'Ping');
ok(t_cmp(defined $r->header('BITS-Session-Id') ? 1 : 0, 0, 'Ping Ack has no BITS-Session-Id'),
   'Ping Ack carries no BITS-Session-Id');
ok(t_cmp(scalar(grep { /^BITS-/i && !/^BITS-Packet-Type$/i } $r->headers->header_field_names), 0,
         'Ping Ack has no other BITS headers'),
   'Ping Ack carries no BITS header besides BITS-Packet-Type');

ack_is(ping("/$S/no/such/dir/deep.bin"), 200, undef, 'Ping to a URL whose directories do not exist');
ack_is(ping("/$S/"), 200, undef, 'Ping to the directory URL itself');
ack_is(bits_request("/$S/x.bin", 'PING'), 200, undef, 'packet type PING (upper case)');
ack_is(bits_request("/$S/x.bin", 'ping'), 200, undef, 'packet type ping (lower case)');
ack_is(ping("/$S/x.bin", headers => ['BITS-Future-Extension' => 'whatever', 'X-Other' => 1]),
       200, undef, 'unknown headers are ignored');

# Row 6: a body on Ping
ack_is(ping("/$S/x.bin", body => 'hello'), 400, E_INVALIDARG, 'Ping with a body');

# --- Row 4: BITS-Packet-Type missing / empty / unknown ------------------------
ack_is(bits_request("/$S/x.bin", undef), 400, E_INVALIDARG, 'BITS_POST without BITS-Packet-Type');
ack_is(bits_request("/$S/x.bin", ''), 400, E_INVALIDARG, 'empty BITS-Packet-Type');
ack_is(bits_request("/$S/x.bin", 'Upload'), 400, E_INVALIDARG, 'unknown BITS-Packet-Type Upload');
ack_is(bits_request("/$S/x.bin", 'Ack'), 400, E_INVALIDARG, 'BITS-Packet-Type Ack from a client');
ack_is(bits_request("/$S/x.bin", 'Ping-Pong'), 400, E_INVALIDARG, 'BITS-Packet-Type Ping-Pong');

# --- Row 5: Content-Length missing, chunked bodies (raw sockets) -------------
$r = raw_request(path => "/$S/x.bin", headers => ['BITS-Packet-Type' => 'Ping']);
ack_is($r, 400, E_INVALIDARG, 'Ping without Content-Length (raw)');

$r = raw_request(path => "/$S/x.bin",
                 headers => ['BITS-Packet-Type' => 'Ping', 'Transfer-Encoding' => 'chunked'],
                 body => "0\r\n\r\n");
ack_is($r, 400, E_INVALIDARG, 'Ping with a chunked (empty) body (raw)');

$r = raw_request(path => "/$S/x.bin",
                 headers => ['BITS-Packet-Type' => 'Create-Session',
                             'BITS-Supported-Protocols' => PROTO_GUID,
                             'Transfer-Encoding' => 'chunked'],
                 body => "0\r\n\r\n");
ack_is($r, 400, E_INVALIDARG, 'Create-Session with a chunked body (raw)');
ok(t_cmp(defined $r->header('BITS-Session-Id') ? 1 : 0, 0, 'no session for chunked Create'),
   'chunked Create-Session creates no session');

$r = raw_request(path => "/$S/x.bin",
                 headers => ['BITS-Packet-Type' => 'Ping', 'Content-Length' => 0]);
ack_is($r, 200, undef, 'raw Ping with Content-Length: 0 (control)');

# --- Row 7: header values longer than 4096 bytes --------------------------------
ack_is(ping("/$S/x.bin", headers => ['Content-Name' => 'n' x 4096]), 200, undef,
       'Content-Name of exactly 4096 bytes is accepted');
ack_is(ping("/$S/x.bin", headers => ['Content-Name' => 'n' x 4097]), 400, E_INVALIDARG,
       'Content-Name of 4097 bytes');
ack_is(ping("/$S/x.bin", headers => ['BITS-Future-Extension' => 'v' x 5000]), 400, E_INVALIDARG,
       'unknown BITS-* header of 5000 bytes');
ack_is(create_session("/$S/long.bin", protocols => join(' ', (PROTO_GUID) x 120)), 400, E_INVALIDARG,
       'BITS-Supported-Protocols of 4680 bytes');
ack_is(close_session("/$S/x.bin", '{' . ('A' x 5000) . '}'), 400, E_INVALIDARG,
       'BITS-Session-Id of 5002 bytes on Close-Session (400, not 500)');
ack_is(fragment("/$S/x.bin", '{00000000-0000-4000-8000-000000000000}', 'abc', 0, 3,
                range => 'bytes ' . ('0' x 5000) . '0-2/3'), 400, E_INVALIDARG,
       'Content-Range of 5011 bytes (leading zeros)');

# --- GET / HEAD are left to Apache -----------------------------------------
my $file = htdocs("$S/hello.txt");
open my $fh, '>', $file or die "$file: $!";
print $fh "hello from apache\n";
close $fh;
my $g = ua()->get(url("/$S/hello.txt"));
ok(t_cmp($g->code, 200, 'GET of a static file in a BITS directory'), 'GET is served by Apache (200)');
ok(t_cmp($g->content, "hello from apache\n", 'GET body'), 'GET returns the file');
ok(t_cmp(defined $g->header('BITS-Packet-Type') ? 1 : 0, 0, 'GET is not an Ack'),
   'GET answer carries no BITS-Packet-Type');
my $h = ua()->head(url("/$S/hello.txt"));
ok(t_cmp($h->code, 200, 'HEAD'), 'HEAD is served by Apache (200)');
ok(t_cmp(defined $h->header('BITS-Packet-Type') ? 1 : 0, 0, 'HEAD is not an Ack'),
   'HEAD answer carries no BITS-Packet-Type');
$g = ua()->get(url("/$S/missing.txt"));
ok(t_cmp($g->code, 404, 'GET of a missing file'), 'GET of a missing file is a plain 404');

# --- X-Http-Method-Override: BITS_POST ------------------------------------
my @ov = (method => 'POST', headers => ['X-Http-Method-Override' => 'BITS_POST']);
ack_is(ping("/$S/x.bin", @ov), 200, undef, 'POST + X-Http-Method-Override: BITS_POST Ping');
my $c = create_session("/$S/override.bin", method => 'POST',
                       headers => ['X-Http-Method-Override' => 'BITS_POST']);
ack_is($c, 200, undef, 'Create-Session through POST + method override');
my $sid = sid_of($c);
ok(t_cmp($sid, qr/^\{[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\}$/, 'override sid'),
   'override Create-Session returned a session id');
my $data = random_bytes(20000);
my $f1 = fragment("/$S/override.bin", $sid, substr($data, 0, 12000), 0, 20000, @ov);
ack_is($f1, 200, undef, 'Fragment through method override');
ok(t_cmp(received_of($f1), 12000, 'override N'), 'override Fragment Ack: N = 12000');
my $f2 = fragment("/$S/override.bin", $sid, substr($data, 12000), 12000, 20000, @ov);
ack_is($f2, 200, undef, 'final Fragment through method override');
ok(t_cmp(sha256_file(htdocs("$S/override.bin")), sha256_hex($data), 'override published file'),
   'upload through method override published the exact bytes');
ack_is(close_session("/$S/override.bin", $sid, @ov), 200, undef, 'Close-Session through method override');

done_testing();
