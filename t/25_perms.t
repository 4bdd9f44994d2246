# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# Issue 6 item 12: the session store is private to the server user
# (directories 0700, files 0600), published files get BITSPublishedFileMode
# (default 0644 less the umask), and with BITSSessionGroup the group may
# read the request file and write Replies/{id}/ (spec §11.3).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use Time::HiRes ();
use BitsTest::Client;

for my $s (qw(perms permsmode permsgrp permsbadgrp)) { reset_scenario($s) }

sub mode_of { my @st = lstat shift; return @st ? sprintf('%04o', $st[2] & 07777) : 'missing' }
sub gid_of  { my @st = lstat shift; return @st ? $st[5] : -1 }

# ---- private by default ---------------------------------------------------
my $root = session_root('perms');
my $sid  = new_session('/perms/p.bin');
ack_is(fragment('/perms/p.bin', $sid, 'a' x 100, 0, 300), 200, undef, 'setup: a fragment');
ack_is(fragment('/perms/p.bin', $sid, 'a' x 100, 100, 300), 200, undef, 'setup: a second (progress in place)');
my $sd = session_dir($root, $sid);
my %want = (
    $root                      => '0700',
    "$root/Requests"           => '0700',
    $sd                        => '0700',
    "$sd/requestfile.bin"      => '0600',
    "$sd/state"                => '0600',
    "$sd/lock"                 => '0600',
    "$sd/progress"             => '0600',
);
for my $p (sort keys %want) {
    ok(t_cmp(mode_of($p), $want{$p}, $p), "store: $p is $want{$p}");
}
# another local user (daemon) cannot read the partial upload
my $nobody_reads = system("setpriv --reuid=daemon --regid=daemon --clear-groups "
                          . "cat '$sd/requestfile.bin' >/dev/null 2>&1") == 0;
ok(t_cmp($nobody_reads ? 1 : 0, 0, 'other user'), 'another local user cannot read the partial upload');

# ---- published files ------------------------------------------------------
my $um = umask;
my $u = upload_file('/perms/pub.bin', 'published bytes', 100);
ok(t_cmp($u->{ok}, 1, 'default upload'), 'an upload with the default mode');
# (the background sweeper sweeps a new store at its next tick, within seconds)
for (1 .. 100) { last if -e "$root/.sweep-stamp"; Time::HiRes::sleep(0.2) }
ok(t_cmp(mode_of("$root/.sweep-stamp"), '0600', 'sweep stamp'), 'the sweep stamp is 0600');
ok(t_cmp(mode_of("$root/.sweep-lock"), '0600', 'sweep lock'), 'the sweep lock is 0600');
ok(t_cmp(mode_of(htdocs('perms/pub.bin')), sprintf('%04o', 0644 & ~$um), 'default mode'),
   sprintf('the published file is 0644 less the umask (%04o)', 0644 & ~$um));
$u = upload_file('/permsmode/pub.bin', 'published bytes', 100);
ok(t_cmp($u->{ok}, 1, 'mode upload'), 'an upload with BITSPublishedFileMode 0640');
ok(t_cmp(mode_of(htdocs('permsmode/pub.bin')), '0640', 'configured mode'),
   'the published file has BITSPublishedFileMode (0640)');
ok(t_cmp(mode_of(session_dir(session_root('permsmode'), $u->{sid})), '0700', 'store still private'),
   'and its session directory is still private');

# ---- BITSSessionGroup -----------------------------------------------------
my $gid = getgrnam('nogroup');
my $groot = session_root('permsgrp');
my $gsid = new_session('/permsgrp/g.bin');
ack_is(fragment('/permsgrp/g.bin', $gsid, 'g' x 50, 0, 100), 200, undef, 'group: first fragment');
my $gsd = session_dir($groot, $gsid);
ok(t_cmp(mode_of("$gsd/requestfile.bin"), '0640', 'group request file'),
   'with a session group the request file is 0640');
ok(t_cmp(gid_of("$gsd/requestfile.bin"), $gid, 'group request file gid'), '... of that group');
ok(t_cmp(mode_of("$gsd/state"), '0600', 'group record'), 'the record stays 0600');
for my $d ($groot, "$groot/Requests", $gsd) {
    ok(t_cmp(mode_of($d), '2750', "group dir $d"), "$d is 2750 (setgid, group may read)");
    ok(t_cmp(gid_of($d), $gid, "group dir gid $d"), "$d has the group");
}
# the last fragment completes: Replies/{id}/ is made for the application
# before it is notified (nobody listens there: the notification fails)
my $r = fragment('/permsgrp/g.bin', $gsid, 'g' x 50, 50, 100);
ok(t_cmp($r->code != 200 ? 1 : 0, 1, 'notify fails'), 'the notification fails (' . $r->code . ')');
my $reply = "$groot/Replies/$gsid";
ok(t_cmp(mode_of($reply), '2770', 'reply dir'), 'Replies/{id}/ is 2770: the group may write its reply');
ok(t_cmp(gid_of($reply), $gid, 'reply dir gid'), 'Replies/{id}/ has the group');
ok(t_cmp(mode_of("$groot/Replies"), '2750', 'Replies'), 'Replies/ is 2750');

# ---- a group the server user is not in ------------------------------------
my @log = grep { /BITSSessionGroup: the server user \S+ is not a member of group 0/ } error_log_lines();
ok(t_cmp(scalar(@log) > 0 ? 1 : 0, 1, 'startup warning'),
   'startup logs that the server user is not in the group');
my $bad = create_session('/permsbadgrp/b.bin');
ok(t_cmp($bad->code != 200 ? 1 : 0, 1, 'bad group'), 'Create-Session fails when the group cannot be given (' . $bad->code . ')');
my @left = find_files_named(htdocs('permsbadgrp'), qr/^requestfile\.bin$/);
ok(t_cmp("@left", '', 'no request file'),
   'and leaves no request file');

# ---- directive syntax -----------------------------------------------------
for my $bad (['BITSPublishedFileMode 0755', 'BITSPublishedFileMode'],
             ['BITSPublishedFileMode 0644x', 'BITSPublishedFileMode'],
             ['BITSPublishedFileMode 4644', 'BITSPublishedFileMode'],
             ['BITSSessionGroup no-such-group-bits', 'BITSSessionGroup']) {
    my ($rc, $out) = config_test($bad->[0]);
    ok(t_cmp($rc != 0 && $out =~ /\Q$bad->[1]\E/ ? 1 : 0, 1, $bad->[0]),
       "'$bad->[0]' is refused, naming the directive");
}
for my $good ('BITSPublishedFileMode 0600', 'BITSPublishedFileMode 644',
              'BITSSessionGroup none', 'BITSSessionGroup nogroup', 'BITSSessionGroup #65534') {
    my ($rc, $out) = config_test($good);
    ok(t_cmp($rc, 0, $good), "'$good' is accepted") or diag($out);
}

done_testing();
