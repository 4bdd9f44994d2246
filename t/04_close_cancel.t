# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# §7.6 Close-Session, §7.8 Cancel-Session, §8.3 tombstones;
# error-table rows 6 (body on Close/Cancel), 12 (missing id),
# 13 (unknown id), 23 (request entity vanished before Close publishes).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use BitsTest::Client;

my $S    = 'close';
my $root = session_root($S);

reset_scenario('close');

sub leftovers {
    my $sid = shift;
    my $d = session_dir($root, $sid);
    opendir my $dh, $d or return '(no session dir)';
    my @f = sort grep { !/^\.\.?$/ && $_ ne 'state' && $_ ne 'lock' } readdir $dh;
    return join ' ', @f;
}
sub state_of { my $s = read_state($root, shift); $s ? $s->{state} : '(no state file)' }

# --- Close after completion --------------------------------------------------
my $d = random_bytes(5000);
my $u = upload_file("/$S/done.bin", $d, 2000);
ok(t_cmp($u->{ok}, 1, 'upload'), 'upload completes');
my $sid = $u->{sid};
my $r = close_session("/$S/done.bin", $sid);
ack_is($r, 200, undef, 'Close-Session after completion');
ok(t_cmp(sid_of($r), $sid, 'close echo'), 'Close Ack echoes BITS-Session-Id');
ok(t_cmp(state_of($sid), 'CLOSED', 'CLOSED'), 'tombstone state CLOSED');
ok(t_cmp(leftovers($sid), '', 'data removed'), 'session data removed, only state and lock remain');
ok(t_cmp(sha256_file(htdocs("$S/done.bin")), sha256_hex($d), 'published stays'), 'published file stays');
ack_is(close_session("/$S/done.bin", $sid), 200, undef, 'repeated Close-Session on a CLOSED tombstone');
$r = fragment("/$S/done.bin", $sid, substr($d, 0, 100), 0, 5000);
ack_is($r, 500, E_SESSION_NOT_FOUND, 'Fragment on a CLOSED tombstone');
ack_is(cancel_session("/$S/done.bin", $sid), 200, undef, 'Cancel-Session on a CLOSED tombstone');
ok(t_cmp(sha256_file(htdocs("$S/done.bin")), sha256_hex($d), 'still there'),
   'Cancel on the tombstone left the published file alone');

# --- Close before completion: nothing published, data discarded ---------------
my $sidp = new_session("/$S/partial.bin");
$r = fragment("/$S/partial.bin", $sidp, random_bytes(100), 0, 1000);
ok(t_cmp(received_of($r), 100, 'partial N'), 'partial: 100 of 1000 bytes held');
ack_is(close_session("/$S/partial.bin", $sidp), 200, undef, 'Close-Session before completion');
ok(t_cmp(-e htdocs("$S/partial.bin") ? 1 : 0, 0, 'partial not published'), 'partial upload is not published');
ok(t_cmp(state_of($sidp), 'CLOSED', 'partial CLOSED'), 'early Close leaves a CLOSED tombstone');
ok(t_cmp(leftovers($sidp), '', 'partial data removed'), 'early Close discards the data');
ack_is(fragment("/$S/partial.bin", $sidp, random_bytes(100), 100, 1000), 500, E_SESSION_NOT_FOUND,
       'Fragment after an early Close');

# --- Cancel before completion ---------------------------------------------------
my $sidc = new_session("/$S/cancel.bin");
fragment("/$S/cancel.bin", $sidc, random_bytes(100), 0, 1000);
$r = cancel_session("/$S/cancel.bin", $sidc);
ack_is($r, 200, undef, 'Cancel-Session before completion');
ok(t_cmp(sid_of($r), $sidc, 'cancel echo'), 'Cancel Ack echoes BITS-Session-Id');
ok(t_cmp(-e htdocs("$S/cancel.bin") ? 1 : 0, 0, 'cancel not published'), 'cancelled upload is not published');
ok(t_cmp(state_of($sidc), 'CANCELLED', 'CANCELLED'), 'tombstone state CANCELLED');
ok(t_cmp(leftovers($sidc), '', 'cancel data removed'), 'Cancel discards the session data');
ack_is(cancel_session("/$S/cancel.bin", $sidc), 200, undef, 'repeated Cancel on a CANCELLED tombstone');
ack_is(fragment("/$S/cancel.bin", $sidc, random_bytes(100), 100, 1000), 500, E_SESSION_NOT_FOUND,
       'Fragment on a CANCELLED tombstone');
ack_is(close_session("/$S/cancel.bin", $sidc), 500, E_SESSION_NOT_FOUND,
       'Close on a CANCELLED tombstone (only CLOSED tombstones answer Close with 200)');

# --- Cancel with no fragment ---------------------------------------------------
my $sidn = new_session("/$S/cancel0.bin");
ack_is(cancel_session("/$S/cancel0.bin", $sidn), 200, undef, 'Cancel-Session right after Create');
ok(t_cmp(-e htdocs("$S/cancel0.bin") ? 1 : 0, 0, 'cancel0 not published'),
   'Cancel without fragments publishes nothing (not even an empty file)');

# --- Cancel after completion: the published file stays ---------------------------
my $d2 = random_bytes(3000);
$u = upload_file("/$S/keep.bin", $d2, 3000);
ok(t_cmp($u->{ok}, 1, 'keep upload'), 'upload for cancel-after-completion completes');
ack_is(cancel_session("/$S/keep.bin", $u->{sid}), 200, undef, 'Cancel-Session after completion');
ok(t_cmp(sha256_file(htdocs("$S/keep.bin")), sha256_hex($d2), 'keep stays'),
   'Cancel after completion leaves the published file');
ok(t_cmp(state_of($u->{sid}), 'CANCELLED', 'keep CANCELLED'), 'tombstone CANCELLED after completion');
ok(t_cmp(leftovers($u->{sid}), '', 'keep data removed'), 'request file removed');

# --- Close while COMPLETING (publish refused): nothing published ----------------
my $d3 = random_bytes(1000);
my $sidx = new_session("/$S/conflict.bin");
write_file(htdocs("$S/conflict.bin"), "first come\n");
$r = fragment("/$S/conflict.bin", $sidx, $d3, 0, 1000);
ack_is($r, 403, E_ACCESSDENIED, 'completion refused: destination appeared');
ack_is(close_session("/$S/conflict.bin", $sidx), 200, undef, 'Close-Session on a COMPLETING session');
ok(t_cmp(file_bytes(htdocs("$S/conflict.bin")), "first come\n", 'conflict untouched'),
   'Close on COMPLETING publishes nothing');
ok(t_cmp(state_of($sidx), 'CLOSED', 'conflict CLOSED'), 'COMPLETING + Close -> CLOSED tombstone');

# --- unknown / missing ids ----------------------------------------------------------
my $unknown = '{DEADBEEF-0000-4000-8000-000000000001}';
ack_is(close_session("/$S/x.bin", $unknown), 500, E_SESSION_NOT_FOUND, 'Close-Session with an unknown id');
ack_is(cancel_session("/$S/x.bin", $unknown), 500, E_SESSION_NOT_FOUND, 'Cancel-Session with an unknown id');
ack_is(close_session("/$S/x.bin", 'not-a-guid'), 500, E_SESSION_NOT_FOUND, 'Close-Session with a malformed id');
ack_is(bits_request("/$S/x.bin", 'Close-Session'), 400, E_INVALIDARG, 'Close-Session without BITS-Session-Id');
ack_is(bits_request("/$S/x.bin", 'Cancel-Session'), 400, E_INVALIDARG, 'Cancel-Session without BITS-Session-Id');

# --- row 6: body on Close / Cancel; the session survives -------------------------
my $sidb = new_session("/$S/body.bin");
ack_is(close_session("/$S/body.bin", $sidb, body => 'xyz'), 400, E_INVALIDARG, 'Close-Session with a body');
ack_is(cancel_session("/$S/body.bin", $sidb, body => 'xyz'), 400, E_INVALIDARG, 'Cancel-Session with a body');
ok(t_cmp(state_of($sidb), 'RECEIVING', 'body session alive'), 'the session is still RECEIVING after the 400s');
ok(t_cmp(-e htdocs("$S/body.bin") ? 1 : 0, 0, 'body not published'), 'nothing was published');
$r = fragment("/$S/body.bin", $sidb, 'q' x 10, 0, 10);
ack_is($r, 200, undef, 'the session still accepts fragments');
ok(t_cmp(file_bytes(htdocs("$S/body.bin")), 'q' x 10, 'body published'), 'and completes normally');

# --- row 23: request entity vanished before Close-Session could publish it -------
my $sidv = new_session("/$S/vanished.bin");
my $rf = request_file($root, $sidv);
ok(t_cmp(-f $rf ? 1 : 0, 1, 'vanish setup'), 'request file exists before it is removed');
unlink $rf;
ack_is(close_session("/$S/vanished.bin", $sidv), 404, E_HTTP_404,
       'Close-Session (zero-byte completion) after the request file vanished');
ok(t_cmp(-e htdocs("$S/vanished.bin") ? 1 : 0, 0, 'vanished not published'),
   'nothing published when the request entity vanished');

# --- session-event log lines ------------------------------------------------------
{
    my @log = error_log_lines();
    ok(t_cmp(scalar(grep { index($_, $sidc) >= 0 && /cancel/i } @log) ? 1 : 0, 1, 'log cancelled'),
       "error_log has a 'cancelled' line for session $sidc");
    ok(t_cmp(scalar(grep { index($_, $sidp) >= 0 && /close/i } @log) ? 1 : 0, 1, 'log closed'),
       "error_log has a 'closed' line for session $sidp");
    ok(t_cmp(scalar(grep { index($_, $sidp) >= 0 && /publish/i && !/not|nothing|never/i } @log), 0, 'log no publish'),
       "error_log has no 'published' line for the early-closed session $sidp");
}

done_testing();
