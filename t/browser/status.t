# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# The status page in a real browser (`make browser-test`, issue 10): headless
# Chromium loads /bits-status while a few uploads are in progress; the DOM it
# rendered must hold a row and a progress bar per session, and a screenshot
# is saved (t/logs/status.png; docs/status.png is one).  Skipped in the
# ordinary suite: it needs Chromium and takes a few seconds.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use BitsTest::Client;
use Apache::TestRequest ();
use JSON::PP ();
use File::Temp ();

plan skip_all => 'run by make browser-test' unless $ENV{BITS_BROWSER_TEST};
my ($chromium) = grep { -x } map { "/usr/bin/$_" } qw(chromium chromium-browser);
plan skip_all => 'chromium is not installed (make deps)' unless $chromium;

reset_scenario('browser');

# Uploads at 10%, 45% and 90%, one finished and closed, one cancelled.
my %want;
for my $f ([ 'quarterly-report.pdf', 200_000, 0.10 ], [ 'backup-2026-12-01.tar', 500_000, 0.45 ],
           [ 'photos/../video.mp4', 300_000, 0.90 ]) {
    my ($name, $size, $share) = @$f;
    $name =~ s{.*/}{};
    my $sid = new_session("/browser/$name");
    my $n = int($size * $share);
    ack_is(fragment("/browser/$name", $sid, random_bytes($n), 0, $size), 200, undef,
           "$name: $n of $size bytes");
    $want{$sid} = sprintf '%.1f', 100 * $n / $size;
}
my $done = upload_file('/browser/done.csv', random_bytes(70_000), 64_000);
ack_is(close_session('/browser/done.csv', $done->{sid}), 200, undef, 'one upload done');
my $gone = new_session('/browser/gone.bin');
ack_is(cancel_session('/browser/gone.bin', $gone), 200, undef, 'one cancelled');

my $out  = $ENV{BITS_SCREENSHOT} || logs_dir() . '/status.png';
my $home = File::Temp::tempdir(CLEANUP => 1);
my @chrome = ($chromium, '--headless', '--disable-gpu', '--no-first-run',
              '--hide-scrollbars', "--user-data-dir=$home/profile",
              $> == 0 ? '--no-sandbox' : (), '--window-size=1600,900');
my $page = url('/bits-status?owner=anon-127.0.0.1');

# The DOM as Chromium built it.
local $ENV{HOME} = $home;
my $dom = `@chrome --dump-dom '$page' 2>/dev/null`;
ok(t_cmp($? >> 8, 0, 'chromium ran'), 'chromium --dump-dom ran');
ok(t_cmp($dom =~ m{<h1>BITS upload status of } ? 1 : 0, 1, 'title'), 'it rendered the page');
for my $sid (sort keys %want) {
    my ($row) = $dom =~ m{(<tr class="session" data-id="\Q$sid\E".*?</tr>)}s;
    ok(t_cmp(defined $row ? 1 : 0, 1, "row $sid"), "a row for session $sid");
    ok(t_cmp(($row // '') =~ m{<span style="width: ?\Q$want{$sid}\E%;?"} ? 1 : 0, 1,
             "bar $want{$sid}"), "with its progress bar at $want{$sid}%");
}
# Totals cover every store the server knows (other tests' too): as ?json
# counts them, and at least this test's three and one.
my $tot = JSON::PP::decode_json(Apache::TestRequest::GET_BODY('/bits-status?json'))->{totals};
ok(t_cmp(($dom =~ m{id="active">(\d+)<})[0], $tot->{sessions}, 'active'),
   'the active sessions, as ?json counts them');
ok(t_cmp(($dom =~ m{id="completed">(\d+) /})[0], $tot->{last_hour}{completed}, 'completed'),
   'those completed in the last hour, as ?json counts them');
ok(t_cmp($tot->{sessions} >= 3 && $tot->{last_hour}{completed} >= 1 ? 1 : 0, 1, 'ours'),
   "this test's three active sessions and one completed are among them");

# The picture.
unlink $out;
system("@chrome --screenshot='$out' '$page' >/dev/null 2>&1");
ok(t_cmp(-s $out ? 1 : 0, 1, 'screenshot'), "a screenshot was saved in $out");
open my $png, '<:raw', $out;
my $head = '';
read $png, $head, 24 if $png;
my ($w, $h) = length $head == 24 ? unpack 'NN', substr $head, 16, 8 : (0, 0);
ok(t_cmp(substr($head, 0, 8), "\x89PNG\r\n\x1a\n", 'png'), 'it is a PNG');
ok(t_cmp("${w}x$h", '1600x900', 'size'), 'of the window size');

done_testing();
