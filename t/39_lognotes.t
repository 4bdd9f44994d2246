# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# The access log (issue 10, "Logging"): every BITS_POST leaves r->notes
# BITS-Packet-Type, BITS-Session-Id, BITS-Bytes (body bytes this request
# stored) and BITS-Error (the HRESULT of an error Ack), written here with
# the README's example LogFormat (t/conf/lognotes.conf.in); also for an
# error httpd raises itself (403 of Require all denied).  And every line
# mod_bits wrote to the error log carries a message id (BITSnnnnn:).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use BitsTest::Client;
use Time::HiRes qw(sleep);

# The server holds the log open: lines of an earlier run are skipped.
my $log = logs_dir() . '/lognotes_log';
my $skip;
reset_scenario('lognotes', 'denied');

# The log lines of this scenario so far, parsed: status, packet, session,
# bytes, error ("-" where a note is not set).
sub log_lines {
    open my $fh, '<', $log or return ();
    my @l;
    <$fh> for 1 .. $skip;    # raw lines, whatever they were
    while (<$fh>) {
        next unless m{"BITS_POST (/lognotes/\S*) HTTP/1\.\d" (\d{3}) \S+ "([^"]*)" (\S+) (\S+) (\S+)$};
        push @l, { uri => $1, status => $2, packet => $3, sid => $4, bytes => $5, error => $6 };
    }
    return @l;
}

# mod_log_config writes a line after the response went out: wait for it.
sub line_after {
    my ($count, $what) = @_;
    for (1 .. 100) {
        my @l = log_lines();
        return $l[$count] if @l > $count;
        sleep 0.1;
    }
    fail("the access log has a line for $what");
    return {};
}

$skip = do { open my $fh, '<', $log; my @all = $fh ? <$fh> : (); scalar @all };
my @expect;
sub logged {
    my ($res, $what, %want) = @_;
    my $line = line_after(scalar @expect, $what);
    push @expect, $what;
    for my $k (sort keys %want) {
        is($line->{$k}, $want{$k}, "$what: $k is $want{$k}");
    }
    return $line;
}

my $data = random_bytes(3000);
my $path = '/lognotes/file.bin';

logged(ping($path), 'Ping', status => 200, packet => 'Ping', sid => '-', bytes => 0,
       error => '-');

my $c = create_session($path);
my $sid = sid_of($c);
ok($sid, 'a session') or BAIL_OUT('no session');
logged($c, 'Create-Session', status => 200, packet => 'Create-Session', sid => $sid,
       bytes => 0, error => '-');

logged(fragment($path, $sid, substr($data, 0, 1000), 0, 3000), 'the first fragment',
       status => 200, packet => 'Fragment', sid => $sid, bytes => 1000, error => '-');

# A fragment that overlaps what the session holds stores only the new tail.
logged(fragment($path, $sid, substr($data, 500, 1000), 500, 3000), 'an overlapping fragment',
       status => 200, bytes => 500, error => '-');

logged(fragment($path, $sid, substr($data, 2000, 500), 2000, 3000), 'a fragment past a gap',
       status => 416, packet => 'Fragment', bytes => 0, error => '0x0');

logged(fragment($path, $sid, substr($data, 1500), 1500, 3000), 'the last fragment',
       status => 200, sid => $sid, bytes => 1500, error => '-');

logged(close_session($path, $sid), 'Close-Session', status => 200,
       packet => 'Close-Session', sid => $sid, bytes => 0, error => '-');

my $c2 = create_session('/lognotes/big.bin');
logged($c2, 'a second Create-Session', status => 200, sid => sid_of($c2));
logged(fragment('/lognotes/big.bin', sid_of($c2), 'z' x 5000, 0, 6000),
       'a fragment over LimitRequestBody', status => 413, sid => sid_of($c2), bytes => 0,
       error => E_HTTP_413);

my $unknown = '{00000000-0000-0000-0000-000000000000}';
logged(fragment($path, $unknown, 'x', 0, 1), 'a fragment of an unknown session',
       status => 500, sid => $unknown, bytes => 0, error => E_SESSION_NOT_FOUND);

logged(bits_request($path, 'Bogus'), 'an unknown packet type', status => 400,
       packet => 'invalid', error => E_INVALIDARG);

# httpd refuses this one before mod_bits' handler: its Ack still logs.
logged(ping('/lognotes/denied/x'), 'a Ping httpd refused (Require all denied)',
       status => 403, packet => 'Ping', error => E_ACCESSDENIED, bytes => 0);

is(file_bytes(htdocs('lognotes') . '/file.bin'), $data, 'the upload arrived whole');

# Message ids (README "Message ids"): each line of the module has one.
my @bits = grep { /\[bits:\w+\]/ } error_log_lines();
ok(scalar @bits, 'mod_bits wrote to the error log (' . scalar(@bits) . ' lines)');
my @without = grep { !/\] (?:\(\d+\)[^:]*: )?(?:\[client [^\]]*\] )?BITS\d{5}: / } @bits;
is(scalar @without, 0, 'every error-log line of mod_bits starts with a message id')
    or diag(join '', @without[0 .. ($#without < 4 ? $#without : 4)]);
ok((grep { /BITS00007: BITS Fragment \Q$sid\E: 416/ } @bits),
   'the refused range has its own id (BITS00007)');

done_testing();
