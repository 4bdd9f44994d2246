# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# Issue 6 item 5, session flooding: BITSNumberOfSessionsLimit is enforced at
# Create-Session, per owner (the user, or for anonymous uploads the client
# address), with the retryable answer (503, 0x801901F7, context 0x5, no
# session id); one owner's sessions never cost another owner any, neither
# at Create-Session nor in the sweep.  (t/conf/flood.conf.in: limit 3.)
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use BitsTest::Client;
use POSIX ();

my $S     = 'flood';
my $root  = session_root($S);
my @alice = (auth => ['alice', 'alice-secret']);
my @bob   = (auth => ['bob', 'bob-secret']);

reset_scenario($S, 'members', 'wide');

# Runs $code with the client socket bound to $addr (another loopback
# address is another anonymous client).
sub from {
    my ($addr, $code) = @_;
    my $old = ua()->local_address;
    ua()->local_address($addr);
    my @r = eval { $code->() };
    my $err = $@;
    ua()->local_address($old);
    die $err if $err;
    return wantarray ? @r : $r[0];
}

sub state_of { my $st = read_state($root, $_[0]); $st ? $st->{state} : 'gone' }

sub index_entries {
    my $key = shift;
    my $d = "$root/Index/$key";
    opendir my $dh, $d or return ();
    my @e = sort grep { /^\{/ } readdir $dh;
    closedir $dh;
    return @e;
}

sub refused_ok {
    my ($res, $msg) = @_;
    ack_is($res, 503, E_HTTP_503, $msg);
    ok(!defined sid_of($res), "$msg: no BITS-Session-Id");
}

# --- the attack: one anonymous client creating sessions without end ----------
my @anon1 = map { new_session("/$S/a$_.bin") } 1 .. 3;
is(scalar(grep { state_of($_) eq 'RECEIVING' } @anon1), 3,
   'an anonymous client gets its 3 sessions');
is(read_state($root, $anon1[0])->{owner_key}, 'anon-127.0.0.1',
   'the record names the owner key (the client address)');
is_deeply([index_entries('anon-127.0.0.1')], [sort @anon1],
   'the index holds one entry per session of the address');

my $before = tree_snapshot(htdocs($S));
my $r = create_session("/$S/a4.bin");
refused_ok($r, 'the 4th anonymous Create-Session');
is(tree_snapshot(htdocs($S)), $before, 'the refused Create-Session changed nothing on disk');
$r = create_session("/$S/a5.bin");
refused_ok($r, 'and the 5th');
ok(scalar(grep { /already holds 3 sessions/ && /anon-127\.0\.0\.1/
                 && /BITSNumberOfSessionsLimit 3/ && /\[bits:info\]/ } error_log_lines()),
   'the refusal is logged at info with the owner key and the limit');

# --- other owners are not affected -------------------------------------------
my @anon2 = from('127.0.0.2', sub { map { create_session("/$S/b$_.bin") } 1 .. 3 });
is(scalar(grep { $_->code == 200 && defined sid_of($_) } @anon2), 3,
   'another anonymous client (127.0.0.2) still gets its sessions');
@anon2 = map { sid_of($_) } @anon2;
is(read_state($root, $anon2[0])->{owner_key}, 'anon-127.0.0.2', '... counted under its own address');
refused_ok(from('127.0.0.2', sub { create_session("/$S/b4.bin") }),
           'the 4th Create-Session of 127.0.0.2');

my @al = map { create_session("/$S/members/al$_.bin", @alice) } 1 .. 3;
is(scalar(grep { $_->code == 200 } @al), 3, 'alice, from the same address, gets her own 3 sessions');
@al = map { sid_of($_) } @al;
is(read_state($root, $al[0])->{owner_key}, 'user-alice', '... counted under her user name');
refused_ok(create_session("/$S/members/al4.bin", @alice), "alice's 4th Create-Session");
ack_is(create_session("/$S/members/bob1.bin", @bob), 200, undef,
       'bob still gets a session while alice is at her limit');

# --- ending a session frees its slot -------------------------------------------
ack_is(cancel_session("/$S/a1.bin", $anon1[0]), 200, undef, 'the anonymous client cancels one session');
ok(!grep({ $_ eq $anon1[0] } index_entries('anon-127.0.0.1')), 'its index entry is gone');
my $c = create_session("/$S/a6.bin");
ack_is($c, 200, undef, 'a Create-Session after the cancel succeeds');
push @anon1, sid_of($c);
refused_ok(create_session("/$S/a7.bin"), 'the next one is refused again');

my $data = 'x' x 100;
ack_is(fragment("/$S/a2.bin", $anon1[1], $data, 0, length $data), 200, undef,
       'one session completes its upload');
refused_ok(create_session("/$S/a8.bin"), 'a completed session still counts until it is closed');
ack_is(close_session("/$S/a2.bin", $anon1[1]), 200, undef, 'the client closes it');
$c = create_session("/$S/a9.bin");
ack_is($c, 200, undef, 'a Create-Session after the close succeeds');
push @anon1, sid_of($c);

# --- an entry whose session is gone does not hold a slot -----------------------
# (once it is older than a Create-Session that is still writing its record)
{
    my $victim = $anon1[2];
    system('rm', '-rf', session_dir($root, $victim));
    my $old = time - 120;
    utime $old, $old, "$root/Index/anon-127.0.0.1/$victim" or die "utime: $!";
    ok(grep({ $_ eq $victim } index_entries('anon-127.0.0.1')), 'an entry without a session (drift)');
    $c = create_session("/$S/a10.bin");
    ack_is($c, 200, undef, 'at the limit, the entries are checked: the stale one is dropped');
    ok(!grep({ $_ eq $victim } index_entries('anon-127.0.0.1')), 'the stale entry is gone');
    push @anon1, sid_of($c);
}

# --- racing Create-Sessions never exceed the limit -----------------------------
{
    my $n = 8;
    pipe my $go_r, my $go_w or die "pipe: $!";
    pipe my $res_r, my $res_w or die "pipe: $!";
    my @kids;
    for my $i (1 .. $n) {
        my $pid = fork;
        die "fork: $!" unless defined $pid;
        if (!$pid) {
            close $go_w;
            close $res_r;
            sysread $go_r, my $x, 1;        # wait for the start
            my $res = eval { from('127.0.0.3', sub { create_session("/$S/race$i.bin") }) };
            my $line = $res ? join(' ', $res->code, $res->header('BITS-Error-Code') || '-',
                                   sid_of($res) || '-') : '0 - -';
            syswrite $res_w, "$line\n";
            POSIX::_exit(0);
        }
        push @kids, $pid;
    }
    close $go_r;
    close $res_w;
    close $go_w;                             # all start at once (EOF)
    my @lines = <$res_r>;
    waitpid $_, 0 for @kids;
    is(scalar @lines, $n, "all $n racing clients answered");
    my @won = grep { /^200 - \{/ } @lines;
    my @lost = grep { /^503 0x801901F7 -$/ } @lines;
    ok(@won >= 1 && @won <= 3, 'at most 3 of them got a session (' . scalar(@won) . ')');
    is(@won + @lost, $n, 'every other one got 503 0x801901F7 without a session id')
        or diag(join '', @lines);
    my @live = grep { my $st = read_state($root, $_); $st && $st->{owner_key} eq 'anon-127.0.0.3' }
               map { (split ' ')[2] } @won;
    is(scalar @live, scalar @won, 'each session id answered exists on disk');
    is(scalar(index_entries('anon-127.0.0.3')), scalar @won, 'the index holds exactly those');
}

# --- the sweep never deletes one owner's sessions for another's -----------------
# /flood/wide shares the store with a limit of 10: 127.0.0.4 holds 5 sessions
# there, the oldest of the store, as an attacker would.  After a restart
# the store's sweep policy is the configuration's (limit 3, as after the
# limit was lowered: /flood/wide sent nothing since), and the background
# sweep takes only 127.0.0.4's two most recent sessions (IIS's rule),
# nobody else's.
{
    my @atk = from('127.0.0.4', sub { map { new_session("/$S/wide/w$_.bin") } 1 .. 5 });
    # created times must differ for "most recent" to mean something
    my $t = 1_000_000_000_000_000;
    for my $i (0 .. $#atk) {
        my $f = state_file($root, $atk[$i]);
        my $text = file_bytes($f);
        $text =~ s/^created=\d+$/'created=' . ($t + $i)/me;
        write_file($f, $text);
    }
    my @victims = (@anon2, @al);
    my $stamp = "$root/.sweep-stamp";
    ok(-e $stamp, 'the store has a sweep stamp');
    server_stop();
    utime 0, 0, $stamp;                       # the sweep is due
    my $mark = scalar(my @m = error_log_lines());
    server_start();
    ok(wait_for_server("/$S/x.bin", 30), 'restarted');
    my @swept;
    for (1 .. 150) {
        my @all = error_log_lines();
        last if @swept = grep { /BITS sweep of \Q$root\E:/ } @all[$mark .. $#all];
        select undef, undef, undef, 0.2;
    }
    ok(scalar(grep { /2 over the per-owner limit/ && /background sweeper/ } @swept),
       'the background sweep took 2 sessions over the limit');
    is_deeply([map { state_of($_) } @atk],
              [qw(RECEIVING RECEIVING RECEIVING EXPIRED EXPIRED)],
              'the owner over the limit lost its most recent sessions');
    is(scalar(grep { state_of($_) eq 'RECEIVING' } @victims), scalar @victims,
       "no other owner's session was touched");
    is(scalar(index_entries('anon-127.0.0.4')), 3, "the index follows the sweep");
    ok(-e "$root/Index/anon-127.0.0.2" && -e "$root/Index/user-alice",
       'the other owners keep their index');
    my $cb = create_session("/$S/members/bob2.bin", @bob);
    ack_is($cb, 200, undef, "bob's Create-Session gets a session");
}

# --- a store-wide ceiling on owners (BITSSessionOwnersLimit 2) --------------------
{
    my $C = 'floodcap';
    reset_scenario($C);
    ack_is(from('127.0.0.5', sub { create_session("/$C/x.bin") }), 200, undef, 'first owner');
    ack_is(from('127.0.0.6', sub { create_session("/$C/y.bin") }), 200, undef, 'second owner');
    my $snap = tree_snapshot(htdocs($C));
    my $r3 = from('127.0.0.7', sub { create_session("/$C/z.bin") });
    refused_ok($r3, 'a third owner, beyond BITSSessionOwnersLimit');
    is(tree_snapshot(htdocs($C)), $snap, 'the refused newcomer changed nothing on disk');
    ack_is(from('127.0.0.5', sub { create_session("/$C/x2.bin") }), 200, undef,
           'an owner already holding sessions still gets more');
    my ($st, $out) = config_test('BITSSessionOwnersLimit 0');
    ok($st != 0 && $out =~ /BITSSessionOwnersLimit/, 'BITSSessionOwnersLimit 0 is refused, naming the directive');
    ($st, $out) = config_test('BITSSessionOwnersLimit unlimited');
    is($st, 0, 'BITSSessionOwnersLimit unlimited is accepted') or diag($out);
}

done_testing();
