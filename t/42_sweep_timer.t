# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# Issue 9, the sweep off the request path: the stores are swept by a
# mod_watchdog timer in one child (t/conf/sweep.conf.in), never inside a
# request; a store nobody sends to is swept too; a <Location>'s store is
# registered by its first request; two servers sharing a store never sweep
# it at the same time.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use File::Path ();
use BitsTest::Client;
use BitsTest::Node qw(start_node);
use BitsTest::Sweep qw(clone_idle_sessions build_store hold_sweep_lock sweep_due
                       wait_for_lines sweep_lines state_of_session);

my $IDLE = 7200;        # seconds: well past BITSSessionTimeout 60 plus the grace

reset_scenario($_) for my @scenarios = qw(sweep sweepidle sweeplocdir);
my $root = session_root('sweep');
my $log_mark = scalar(my @l = error_log_lines());
sub new_log { my @all = error_log_lines(); @all[$log_mark .. $#all] }

# A live session whose record the others are cloned from.
my $template = new_session('/sweep/template.bin');
ok($template, 'a session in /sweep');

# ---- a store nobody sends to is swept by the timer ----------------------------
{
    my $idle_root = session_root('sweepidle');
    my @ids = build_store($idle_root, sub {
        clone_idle_sessions($root, $template, shift, 5, $IDLE) });
    my @done = wait_for_lines(sub { sweep_lines($idle_root, qr/expired/, new_log()) }, 30);
    ok(scalar(@done), 'the timer swept the store of /sweepidle, which got no request');
    like($done[0] // '', qr/: 0 live, 5 expired, .*done by the background sweeper/,
         'all 5 long idle sessions expired');
    unlike($done[0] // '', qr/\[client /, 'in no request');
    is(scalar(grep { state_of_session($idle_root, $_) eq 'EXPIRED' } @ids), 5,
       'their records say EXPIRED');
    is(scalar(grep { -e session_dir($idle_root, $_) . '/requestfile.bin' } @ids), 0,
       'and their data is gone');
}

# ---- Create-Session never waits for a sweep ------------------------------------
# 1000 long idle sessions in /sweep's store and a sweep that is due: the
# Create-Session is answered, and the store is untouched while the test
# holds the store's sweep lock (as another farm node sweeping would); once
# it lets go, the timer sweeps them.
{
    my $lock = hold_sweep_lock($root);
    my $mark = scalar(my @m = error_log_lines());
    my @ids = clone_idle_sessions($root, $template, $root, 1000, $IDLE);
    system('chown', '-R', 'nobody:nogroup', "$root/Requests") if $> == 0;
    sweep_due($root);
    my $c = create_session('/sweep/new.bin');
    ack_is($c, 200, undef, 'Create-Session with 1000 expired sessions in the store');
    my $sid = sid_of($c);
    my $since = sub { my @all = error_log_lines(); @all[$mark .. $#all] };
    my @after = $since->();
    ok(scalar(grep { /BITS session \Q$sid\E created/ } @after), "the request's own log line");
    is(scalar(grep { /BITS sweep of/ && /\[client / } @after), 0, 'no sweep inside a request');
    is(scalar(grep { state_of_session($root, $_) eq 'RECEIVING' } @ids), 1000,
       'right after the answer, every expired session is still there');
    sleep 2;            # two ticks: the sweeper finds the lock held
    is(scalar(grep { state_of_session($root, $_) eq 'RECEIVING' } @ids), 1000,
       'nobody sweeps while another process holds the store\'s sweep lock');
    close $lock;
    my @done = wait_for_lines(sub { sweep_lines($root, qr/ expired,/, $since->()) }, 120);
    like($done[0] // '', qr/: 2 live, 1000 expired, .*done by the background sweeper; (\d+) steps/,
         'then the timer swept them (the template and the new session live on)');
    diag("sweep of 1000 expired sessions: " . ($done[0] =~ /(\d+ steps in \d+ ms)/)[0])
        if $done[0];
    ok(scalar(sweep_lines($root, qr/started by the background sweeper/, $since->())),
       'announced by the sweeper');
    is(scalar(grep { state_of_session($root, $_) eq 'EXPIRED' } @ids), 1000, 'all expired');
    is(state_of_session($root, $sid), 'RECEIVING', 'the new session is untouched');
}

# ---- a <Location>'s store is registered by its first request --------------------
{
    my $loc_root = htdocs('sweeplocdir') . '/BITS-Sessions';
    my $sid = new_session('/sweeploc/x.bin');
    ok(-d session_dir($loc_root, $sid), 'a session in the <Location> store');
    sweep_due($loc_root);       # a new store is first swept an interval later
    my @reg = wait_for_lines(sub { sweep_lines($loc_root, qr/ expired,/, new_log()) }, 30);
    ok(scalar(@reg), 'the timer swept the store that only a request named');
    my @files = glob(logs_dir() . '/mod_bits-sweep/store-*');
    my $known = grep { open my $f, '<', $_; my $t = do { local $/; <$f> };
                       $t =~ /^store \Q$loc_root\E$/m && $t =~ /^session-timeout 120000000$/m } @files;
    ok($known, 'registered in the runtime directory with its BITSSessionTimeout, for restarts');
}

# ---- two servers sharing a store: one sweeper at a time ---------------------------
{
    my $shared = t_dir() . '/state/sweepfarm';
    my $data = "$shared/data";
    my $store = "$shared/sessions";
    File::Path::remove_tree($shared);
    File::Path::make_path($data);
    chmod 0777, $shared, $data;
    my @ids = build_store($store, sub {
        clone_idle_sessions($root, $template, shift, 3000, $IDLE) });
    my @nodes;
    File::Path::remove_tree(map { t_dir() . "/state/sweepnode$_" } 18880, 18881);  # old logs
    for my $port (18880, 18881) {
        push @nodes, start_node("sweepnode$port", <<"CONF", ping => "http://127.0.0.1:$port/farm/");
Listen 127.0.0.1:$port
DocumentRoot "$data"
Alias /farm "$data"
<Directory "$data">
    Require all granted
    BITSUploadEnabled On
    BITSSessionDirectory "$store"
    BITSSessionTimeout 60
    BITSCleanupUseDefault Off
    BITSCleanupCount 1
    BITSCleanupUnits minutes
</Directory>
CONF
    }
    my $lines = sub {
        map { my $f = "$_/logs/error_log"; open my $fh, '<', $f or return (); my @x = <$fh>; @x }
            @nodes };
    my @done = wait_for_lines(sub { sweep_lines($store, qr/done by the background/, $lines->()) }, 180);
    ok(scalar(@done), 'the shared store was swept');
    sleep 3;            # both sweepers tick again: the stamp says done
    my @all = $lines->();
    my @started = sweep_lines($store, qr/started by the background sweeper/, @all);
    is(scalar(@started), 1, 'by exactly one of the two servers');
    my $expired = 0;
    $expired += $_ for map { / (\d+) expired,/ ? $1 : 0 } sweep_lines($store, qr/ expired,/, @all);
    is($expired, 3000, 'which expired all 3000 sessions once');
    my @busy = sweep_lines($store, qr/another process is sweeping it/, @all);
    diag(scalar(@busy) . ' tick(s) of the other server found the store being swept');
    is(scalar(grep { state_of_session($store, $_) eq 'EXPIRED' } @ids), 3000, 'all expired');
}

done_testing();
