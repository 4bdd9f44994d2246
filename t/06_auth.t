# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# §15 sessions belong to the authenticated user; 401 challenges stay plain
# HTTP; Apache's own 403s on a BITS location are given Ack shape
# (error-table row 2); foreign sessions are unknown (row 13).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use BitsTest::Client;

my $S     = 'auth';
my $root  = session_root($S);
my @alice = (auth => ['alice', 'alice-secret']);
my @bob   = (auth => ['bob', 'bob-secret']);

for my $n (qw(auth authz denied)) { reset_scenario($n) }

# --- 401 challenges -------------------------------------------------------------
my $r = ping("/$S/x.bin");
ok(t_cmp($r->code, 401, 'anonymous'), 'anonymous BITS_POST gets 401');
ok(t_cmp($r->header('WWW-Authenticate'), qr/^Basic/i, 'challenge'), '401 carries a Basic challenge');
ok(t_cmp(defined $r->header('BITS-Packet-Type') ? 1 : 0, 0, '401 plain'),
   '401 challenge stays plain HTTP (no BITS-Packet-Type)');
$r = ping("/$S/x.bin", auth => ['alice', 'wrong']);
ok(t_cmp($r->code, 401, 'wrong password'), 'wrong password gets 401');
ack_is(ping("/$S/x.bin", @alice), 200, undef, 'Ping as alice');

# --- ownership -------------------------------------------------------------------
my $data = random_bytes(4000);
my $c = create_session("/$S/alice.bin", @alice);
ack_is($c, 200, undef, 'alice creates a session');
my $sid = sid_of($c);
$r = fragment("/$S/alice.bin", $sid, substr($data, 0, 1000), 0, 4000, @alice);
ok(t_cmp(received_of($r), 1000, 'alice N'), 'alice sends the first 1000 bytes');

$r = fragment("/$S/alice.bin", $sid, substr($data, 1000, 1000), 1000, 4000, @bob);
ack_is($r, 500, E_SESSION_NOT_FOUND, "bob sends a Fragment on alice's session");
ok(t_cmp(read_state($root, $sid)->{received}, 1000, 'bob wrote nothing'), "bob's fragment was not written");
ack_is(close_session("/$S/alice.bin", $sid, @bob), 500, E_SESSION_NOT_FOUND, "bob closes alice's session");
ack_is(cancel_session("/$S/alice.bin", $sid, @bob), 500, E_SESSION_NOT_FOUND, "bob cancels alice's session");
ok(t_cmp(read_state($root, $sid)->{state}, 'RECEIVING', 'alice session alive'),
   "alice's session is still RECEIVING after bob's attempts");

$r = fragment("/$S/alice.bin", $sid, substr($data, 1000), 1000, 4000, @alice);
ack_is($r, 200, undef, 'alice completes her upload');
ok(t_cmp(sha256_file(htdocs("$S/alice.bin")), sha256_hex($data), 'alice file'), "alice's file is published intact");
ack_is(close_session("/$S/alice.bin", $sid, @bob), 500, E_SESSION_NOT_FOUND, "bob closes alice's completed session");
ack_is(close_session("/$S/alice.bin", $sid, @alice), 200, undef, 'alice closes her session');

# bob's own session works, alice cannot touch it
my $cb = create_session("/$S/bob.bin", @bob);
ack_is($cb, 200, undef, 'bob creates a session');
ack_is(fragment("/$S/bob.bin", sid_of($cb), 'b' x 10, 0, 10, @alice), 500, E_SESSION_NOT_FOUND,
       "alice sends a Fragment on bob's session");
ack_is(fragment("/$S/bob.bin", sid_of($cb), 'b' x 10, 0, 10, @bob), 200, undef, 'bob completes his upload');
ok(t_cmp(file_bytes(htdocs("$S/bob.bin")), 'b' x 10, 'bob file'), "bob's file is published");

# --- an anonymous session is not usable by an authenticated user (and vice versa)
{
    my $ca = create_session('/frag/anon-owned.bin');
    ack_is($ca, 200, undef, 'anonymous session in a location without auth');
    # the same id presented on the auth location (other path, other user)
    ack_is(fragment("/$S/anon-owned.bin", sid_of($ca), 'x', 0, 1, @alice), 500, E_SESSION_NOT_FOUND,
           'an anonymous session id used by alice on another location');
    cancel_session('/frag/anon-owned.bin', sid_of($ca));
}

# --- row 2: authorization failures are 403 Acks -------------------------------
ack_is(ping('/authz/x.bin', @bob), 403, E_ACCESSDENIED, 'bob (not in Require user) pings /authz');
my $rb = create_session('/authz/bob.bin', @bob);
ack_is($rb, 403, E_ACCESSDENIED, 'bob (not in Require user) creates a session in /authz');
ok(t_cmp(defined sid_of($rb) ? 1 : 0, 0, 'no sid for bob'), 'no session id for the unauthorized user');
ok(t_cmp(-e htdocs('authz/BITS-Sessions') ? 1 : 0, 0, 'no store for bob'), 'no session store created for bob');
my $ra = create_session('/authz/alice.bin', @alice);
ack_is($ra, 200, undef, 'alice (authorized) creates a session in /authz');
ack_is(fragment('/authz/alice.bin', sid_of($ra), 'a' x 10, 0, 10, @bob), 403, E_ACCESSDENIED,
       'bob sends a Fragment in /authz (authorization runs first)');
ok(t_cmp(-e htdocs('authz/alice.bin') ? 1 : 0, 0, 'alice file not written by bob'), 'bob could not complete the upload');

my $rd = create_session('/denied/x.bin');
ack_is($rd, 403, E_ACCESSDENIED, 'Create-Session under Require all denied');
ok(t_cmp(defined sid_of($rd) ? 1 : 0, 0, 'denied no sid'), 'no session id under Require all denied');
ack_is(ping('/denied/x.bin'), 403, E_ACCESSDENIED, 'Ping under Require all denied');
ok(t_cmp(tree_snapshot(htdocs('denied')), htdocs('denied'), 'denied dir empty'),
   'nothing was created in the denied directory');

done_testing();
