# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# §7.3 Create-Session, §5 negotiation, §6 session store layout;
# error-table rows 3 (exists, no overwrite), 6 (body on Create),
# 8 (protocols), 9 (directory), 10 (BITS-Sessions), 11 (parent missing).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use BitsTest::Client;

my $S    = 'create';
my $root = session_root($S);
my $GUID_RE = qr/^\{[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\}$/;

reset_scenario('create', 'sub');

sub n_sessions { my @d = glob("$root/Requests/*"); scalar @d }


# --- success --------------------------------------------------------------
my $c = create_session("/$S/new1.bin");
ack_is($c, 200, undef, 'Create-Session');
my $sid = sid_of($c);
ok(t_cmp($sid, $GUID_RE, 'session id form'), 'BITS-Session-Id is an upper-case brace GUID');
ok(t_cmp(length($sid || ''), 38, 'session id length'), 'BITS-Session-Id is 38 characters');
ok(t_cmp($c->header('BITS-Protocol'), PROTO_GUID, 'BITS-Protocol'),
   'BITS-Protocol is the upload protocol GUID');
ok(t_cmp(lc($c->header('Accept-Encoding') || ''), 'identity', 'Accept-Encoding'),
   'Accept-Encoding: identity');
ok(t_cmp(defined $c->header('BITS-Host-Id') ? 1 : 0, 0, 'no BITS-Host-Id'),
   'no BITS-Host-Id without BITSHostId');
ok(t_cmp(defined $c->header('BITS-Host-Id-Fallback-Timeout') ? 1 : 0, 0, 'no fallback timeout'),
   'no BITS-Host-Id-Fallback-Timeout without BITSHostId');

# the session store
my $st = read_state($root, $sid);
ok(t_cmp(defined $st ? 1 : 0, 1, 'state file'), "state file exists at $root/Requests/<ID>/state");
ok(t_cmp($st->{_version}, 'BITS-Session 1', 'state version line'), 'state file starts with "BITS-Session 1"');
ok(t_cmp($st->{state}, 'RECEIVING', 'state'), 'new session is RECEIVING');
ok(t_cmp($st->{received}, 0, 'received'), 'new session has received=0');
ok(t_cmp($st->{total}, -1, 'total'), 'new session has total=-1 (unknown)');
ok(t_cmp(-f request_file($root, $sid) ? -s _ : -1, 0, 'request file'),
   'an empty requestfile.bin exists');
ok(t_cmp(-e htdocs("$S/new1.bin") ? 1 : 0, 0, 'nothing published'),
   'Create-Session does not create the destination');

my $c2 = create_session("/$S/new1.bin");
ack_is($c2, 200, undef, 'second Create-Session for the same URL');
ok(t_cmp(sid_of($c2) ne $sid ? 1 : 0, 1, 'new id'), 'every Create-Session makes a new session id');

ack_is(bits_request("/$S/upper.bin", 'CREATE-SESSION',
                    headers => ['BITS-Supported-Protocols' => PROTO_GUID]),
       200, undef, 'packet type CREATE-SESSION (upper case)');

# --- §5 negotiation ---------------------------------------------------------
my %proto_ok = (
    'upper-case GUID'             => uc PROTO_GUID,
    'second in a space list'      => '{00000000-0000-0000-0000-000000000000} ' . PROTO_GUID,
    'second in a comma list'      => '{11111111-1111-1111-1111-111111111111},' . PROTO_GUID,
    'comma+space list'            => '{11111111-1111-1111-1111-111111111111}, ' . uc(PROTO_GUID) . ', {22222222-2222-2222-2222-222222222222}',
);
for my $k (sort keys %proto_ok) {
    my $r = create_session("/$S/proto.bin", protocols => $proto_ok{$k});
    ack_is($r, 200, undef, "protocols: $k");
    ok(t_cmp($r->header('BITS-Protocol'), PROTO_GUID, "protocols: $k: BITS-Protocol"),
       "protocols: $k: BITS-Protocol is the lower-case GUID");
}

my %proto_bad = (
    'missing header'       => undef,
    'empty header'         => '',
    'unknown GUID only'    => '{00000000-0000-0000-0000-000000000000}',
    'GUID without braces'  => '7df0354d-249b-430f-820d-3d2a9bef4931',
    'GUID with suffix'     => PROTO_GUID . 'x',
    'garbage'              => 'BITS 1.5',
);
for my $k (sort keys %proto_bad) {
    my $before = n_sessions();
    my $r = create_session("/$S/proto-bad.bin", protocols => $proto_bad{$k});
    ack_is($r, 400, E_INVALIDARG, "protocols: $k");
    my @leak = grep { defined $r->header($_) }
               qw(BITS-Protocol BITS-Session-Id Accept-Encoding BITS-Host-Id);
    ok(t_cmp("@leak", '', "protocols: $k: no session headers"),
       "protocols: $k: no BITS-Protocol/BITS-Session-Id/Accept-Encoding in the Ack");
    ok(t_cmp(n_sessions(), $before, "protocols: $k: no session"), "protocols: $k: no session created");
}

# --- row 6: body on Create-Session ------------------------------------------
{
    my $before = n_sessions();
    my $r = create_session("/$S/body.bin", body => 'unexpected');
    ack_is($r, 400, E_INVALIDARG, 'Create-Session with a body');
    ok(t_cmp(defined sid_of($r) ? 1 : 0, 0, 'no id'), 'Create-Session with a body returns no session id');
    ok(t_cmp(n_sessions(), $before, 'no session'), 'Create-Session with a body creates no session');
}

# --- row 9: destination is a directory ----------------------------------------
ack_is(create_session("/$S/sub/"), 400, E_INVALIDARG, 'destination URL ends in / (existing dir)');
ack_is(create_session("/$S/sub"), 400, E_INVALIDARG, 'destination names an existing directory (no slash)');
ack_is(create_session("/$S/newname/"), 400, E_INVALIDARG, 'destination URL ends in / (no such dir)');
ack_is(create_session("/$S/"), 400, E_INVALIDARG, 'destination is the BITS directory itself');
ack_is(create_session("/$S"), 400, E_INVALIDARG, 'destination is the BITS directory itself (no trailing slash)');

# --- row 3: existing file, overwrites off -------------------------------------
write_file(htdocs("$S/exists.txt"), "original\n");
ack_is(create_session("/$S/exists.txt"), 403, E_ACCESSDENIED, 'destination exists, overwrites off');
ok(t_cmp(file_bytes(htdocs("$S/exists.txt")), "original\n", 'existing file untouched'),
   'existing destination is left untouched');

# --- row 11: parent directory missing ------------------------------------------
ack_is(create_session("/$S/nodir/x.bin"), 404, E_HTTP_404, 'parent directory missing');
ack_is(create_session("/$S/no/such/deep/x.bin"), 404, E_HTTP_404, 'several parent directories missing');
ok(t_cmp(-e htdocs("$S/nodir") ? 1 : 0, 0, 'no dir created'), 'missing parent directories are not created');

# --- row 10: destination inside BITS-Sessions ----------------------------------
ok(t_cmp(-d "$root/Requests" ? 1 : 0, 1, 'session root exists'), 'BITS-Sessions/Requests exists by now');
ack_is(create_session("/$S/BITS-Sessions/evil.bin"), 403, E_ACCESSDENIED,
       'destination directly inside BITS-Sessions/');
ack_is(create_session("/$S/BITS-Sessions/Requests/evil.bin"), 403, E_ACCESSDENIED,
       'destination inside BITS-Sessions/Requests/');
ack_is(create_session("/$S/BITS-Sessions/Requests/$sid/requestfile.bin"), 403, E_ACCESSDENIED,
       "destination is another session's requestfile.bin");
ack_is(create_session("/$S/BITS-Sessions/Requests/$sid/state"), 403, E_ACCESSDENIED,
       "destination is another session's state file");
ok(t_cmp(-e "$root/evil.bin" || -e "$root/Requests/evil.bin" ? 1 : 0, 0, 'nothing in BITS-Sessions'),
   'nothing was created inside BITS-Sessions');

# --- subdirectory destination, query string, encoded names, Content-Name ------
{
    my $data = random_bytes(3000);
    my $u = upload_file("/$S/sub/nested.bin", $data, 1000);
    ok(t_cmp($u->{ok}, 1, 'nested upload'), 'upload into an existing subdirectory succeeds');
    ok(t_cmp(sha256_file(htdocs("$S/sub/nested.bin")), sha256_hex($data), 'nested file'),
       'file published in the subdirectory');
}
{
    my $data = random_bytes(1000);
    my $u = upload_file("/$S/query.bin?account=86433&x=1", $data, 600);
    ok(t_cmp($u->{ok}, 1, 'query upload'), 'upload to a URL with a query string succeeds');
    ok(t_cmp(sha256_file(htdocs("$S/query.bin")), sha256_hex($data), 'query file'),
       'the query string is not part of the file name');
    my @q = find_files_named(htdocs($S), qr/\?|account/);
    ok(t_cmp("@q", '', 'no file with the query in its name'), 'no file named after the query string');
}
{
    my $data = random_bytes(500);
    my $u = upload_file("/$S/%C3%A9t%C3%A9%20file.txt", $data, 500);
    ok(t_cmp($u->{ok}, 1, 'utf-8 upload'), 'upload to a percent-encoded UTF-8 name succeeds');
    ok(t_cmp(sha256_file(htdocs("$S/\xC3\xA9t\xC3\xA9 file.txt")), sha256_hex($data), 'utf-8 file'),
       'file published under the decoded UTF-8 name');
}
{
    my $data = random_bytes(100);
    my $u = upload_file("/$S/named.bin", $data, 100,
                        create_opt => { headers => ['Content-Name' => '../../content-name-evil.txt'] },
                        opt => { headers => ['Content-Name' => '../../content-name-evil.txt'] });
    ok(t_cmp($u->{ok}, 1, 'Content-Name upload'), 'Content-Name with a path is accepted (informational)');
    ok(t_cmp(sha256_file(htdocs("$S/named.bin")), sha256_hex($data), 'Content-Name ignored'),
       'the file is stored under the URL name, not Content-Name');
    my @e = find_files_named(t_dir(), qr/content-name-evil/);
    ok(t_cmp("@e", '', 'Content-Name never used as a path'), 'no file named after Content-Name anywhere');
}

done_testing();
