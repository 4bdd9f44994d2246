# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# Session expiry (BITSSessionTimeout 2): no activity for the timeout ->
# 500 0x8020001F (row 13); activity restarts the timer; an expired
# session is never published.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use BitsTest::Client;
use Time::HiRes qw(sleep);

reset_scenario('expiry');

my $S = 'expiry';

# activity keeps a session alive past the timeout
my $data = random_bytes(6000);
my $c = create_session("/$S/alive.bin");
ack_is($c, 200, undef, 'Create-Session (timeout 2 s)');
my $sid = sid_of($c);
my $bad = 0;
for my $i (0 .. 4) {                        # ~5 s of activity, a packet every second
    sleep 1;
    my $r = fragment("/$S/alive.bin", $sid, substr($data, $i * 1000, 1000), $i * 1000, 6000);
    $bad++ unless $r->code == 200 && received_of($r) == ($i + 1) * 1000;
}
ok(t_cmp($bad, 0, 'alive'), 'a packet every second keeps the session alive for 5 s (timer restarts)');

# idle for longer than the timeout
sleep 3.5;
my $r = fragment("/$S/alive.bin", $sid, substr($data, 5000), 5000, 6000);
ack_is($r, 500, E_SESSION_NOT_FOUND, 'Fragment after 3.5 s of inactivity');
ok(t_cmp(-e htdocs("$S/alive.bin") ? 1 : 0, 0, 'expired not published'), 'the expired upload is not published');
ack_is(close_session("/$S/alive.bin", $sid), 500, E_SESSION_NOT_FOUND, 'Close-Session on the expired session');
ok(t_cmp(-e htdocs("$S/alive.bin") ? 1 : 0, 0, 'expired close not published'), 'Close on an expired session publishes nothing');

# a session created and then left idle: Close must not publish an empty file
my $c2 = create_session("/$S/idle.bin");
ack_is($c2, 200, undef, 'Create-Session for an idle session');
sleep 3.5;
ack_is(close_session("/$S/idle.bin", sid_of($c2)), 500, E_SESSION_NOT_FOUND, 'Close-Session after the idle session expired');
ok(t_cmp(-e htdocs("$S/idle.bin") ? 1 : 0, 0, 'idle not published'),
   'an expired session with no fragment does not publish an empty file');

# a fresh session still works
my $u = upload_file("/$S/fresh.bin", $data, 3000);
ok(t_cmp($u->{ok}, 1, 'fresh'), 'a new session in the same location works');
ok(t_cmp(sha256_file(htdocs("$S/fresh.bin")), sha256_hex($data), 'fresh content'), 'and publishes intact');

done_testing();
