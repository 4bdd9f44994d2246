# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# bitsctl (issue 10) on the store of the running test server: sessions made
# through the module, then list/show/--json, cancel (the client is told the
# session is unknown), expire, sweep --dry-run (changes nothing), verify
# (clean, then after damage), and bitsctl while a fragment is being written
# (the fragment completes, nothing is corrupt).  The suite runs as root and
# httpd's children as nobody: bitsctl must switch to the store's owner.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use BitsTest::Client;
use JSON::PP ();
use POSIX ();
use File::Temp qw(tempdir);
use Time::HiRes qw(sleep);

my $S    = 'bitsctl';
reset_scenario($S);
my $root = session_root($S);
our $STORE = $root;            # the store ctl() works on
my $bin  = t_dir() . '/../bitsctl/bitsctl';
my $out_file = t_dir() . "/logs/bitsctl-$$.out";
my $err_file = t_dir() . "/logs/bitsctl-$$.err";

# ctl(args...) -> (exit code, stdout, stderr)
sub ctl {
    my $pid = fork;
    die "fork: $!" unless defined $pid;
    if (!$pid) {
        open STDOUT, '>', $out_file or POSIX::_exit(126);
        open STDERR, '>', $err_file or POSIX::_exit(126);
        exec($bin, '-d', $STORE, @_) or POSIX::_exit(127);
    }
    waitpid $pid, 0;
    return ($? >> 8, file_bytes($out_file), file_bytes($err_file));
}

# ctl_json(args...) -> (exit code, decoded stdout or undef)
sub ctl_json {
    my ($rc, $out, $err) = ctl('--json', @_);
    my $doc = eval { JSON::PP::decode_json($out) };
    diag("bitsctl @_: not JSON: $@\n$out\n$err") unless $doc;
    return ($rc, $doc);
}

sub path { "/$S/" . shift }
sub owner_of { (lstat shift)[4] // -1 }

# Bytes of every file below the store, to show that nothing changed.
sub store_contents {
    my @files = grep { -f $_ } split /\n/, tree_snapshot($root);
    return join "\n", map { "$_ " . sha256_hex(file_bytes($_)) } @files;
}

my $data = random_bytes(3000);

# --- sessions made by the module ------------------------------------------------
my $sa = new_session(path('a.bin'));
ack_is(fragment(path('a.bin'), $sa, substr($data, 0, 1000), 0, 3000), 200, undef, 'a: 1st fragment');
ack_is(fragment(path('a.bin'), $sa, substr($data, 1000, 1000), 1000, 3000), 200, undef, 'a: 2nd fragment');
my $sb = upload_file(path('b.bin'), $data, 1500);
ok($sb->{ok}, 'b: uploaded');
ack_is(close_session(path('b.bin'), $sb->{sid}), 200, undef, 'b: closed');
my $sc = new_session(path('c.bin'));
my $store_uid = owner_of($root);
ok($store_uid > 0, "the store belongs to the server user (uid $store_uid), not root");

# --- list / show ----------------------------------------------------------------
my ($rc, $out, $err) = ctl('list');
ok(t_cmp($rc, 0, 'list rc'), 'list exits 0') or diag($err);
like($out, qr/^ID\s+OWNER\s+STATE\s+RECEIVED\/TOTAL\s+AGE\s+IDLE\s+DESTINATION$/m, 'list prints a table header');
like($out, qr/^\Q$sa\E\s+\(anonymous\)\s+RECEIVING\s+2000\/3000\s+66%.*a\.bin$/m, 'a: receiving, 2000 of 3000 bytes');
like($out, qr/^\Q$sb->{sid}\E\s.*CLOSED/m, 'b: closed (a tombstone)');
like($out, qr/^\Q$sc\E\s.*RECEIVING\s+0\/\?/m, 'c: no fragment yet, total unknown');

my $doc;
($rc, $doc) = ctl_json('list');
ok(t_cmp($rc, 0, 'list --json rc'), 'list --json exits 0');
my %by_id = map { $_->{id} => $_ } @{ $doc->{sessions} || [] };
ok(t_cmp(scalar(keys %by_id), 3, 'sessions'), 'list --json has the three sessions');
ok(t_cmp("$by_id{$sa}{state} $by_id{$sa}{received}/$by_id{$sa}{total}", 'RECEIVING 2000/3000', 'a json'),
   'a in JSON: RECEIVING, 2000 of 3000');
ok(!defined $by_id{$sc}{total}, 'c in JSON: total null');
like($by_id{$sa}{destination} // '', qr{/bitsctl/a\.bin$}, 'a in JSON: its destination');

($rc, $doc) = ctl_json('show', lc $sa);
ok(t_cmp($rc, 0, 'show rc'), 'show accepts the id in lower case');
ok(t_cmp($doc->{data_bytes}, 2000, 'data bytes'), 'show: the data file holds 2000 bytes');
ok($doc->{indexed}, 'show: the session has its index entry');
($rc, $out) = ctl('show', $sa);
like($out, qr/^received:\s+2000\/3000/m, 'show as text');
($rc) = ctl('show', '{3F2504E0-4F89-41D3-9A0C-0305E82C3301}');
ok(t_cmp($rc, 3, 'show unknown'), 'show of an unknown session exits 3');
($rc, undef, $err) = ctl('show', 'not-an-id');
ok(t_cmp($rc, 2, 'show bad id'), 'show of a malformed id exits 2 (usage)');

# --- verify (clean) and sweep --dry-run (changes nothing) -------------------------
($rc, $doc) = ctl_json('verify');
ok(t_cmp($rc, 0, 'verify clean'), 'verify: a store as the module leaves it is clean')
    or diag(JSON::PP->new->pretty->encode($doc // {}));
ok(t_cmp($doc->{sessions}, 3, 'verify sessions'), 'verify checked the three sessions');

my ($names, $bytes) = (tree_snapshot($root), store_contents());
($rc, $doc) = ctl_json('sweep', '--dry-run', '--timeout', '1s', '--limit', '1');
ok(t_cmp($rc, 0, 'dry-run rc'), 'sweep --dry-run exits 0');
ok(t_cmp($doc->{dry_run} ? 1 : 0, 1, 'dry_run'), 'and says it was a dry run');
ok(t_cmp(tree_snapshot($root), $names, 'names'), 'sweep --dry-run creates and deletes nothing');
ok(t_cmp(store_contents(), $bytes, 'bytes'), 'and changes no file');

# --- bitsctl while a fragment is being written ---------------------------------
# The head and half of the body of a's last fragment: the module holds a's
# lock while it waits for the rest.
my $rest = substr($data, 2000, 1000);
my $sock = raw_connect();
raw_send($sock, raw_head(path => path('a.bin'), headers => [
    'BITS-Packet-Type' => 'Fragment', 'BITS-Session-Id' => $sa,
    'Content-Range' => 'bytes 2000-2999/3000', 'Content-Length' => 1000]));
raw_send($sock, substr($rest, 0, 500));
# The module takes the lock once it has read the head; wait until it has.
my $busy = 0;
for (1 .. 50) {
    ($rc, $doc) = ctl_json('verify');
    last if ($busy = $doc->{busy});
    sleep 0.1;
}
ok(t_cmp($busy, 1, 'busy'), 'verify skips the session a request is writing to');
ok(t_cmp($rc, 0, 'verify mid-fragment'), 'and finds nothing wrong meanwhile');
($rc, undef, $err) = ctl('cancel', '--wait', '0', $sa);
ok(t_cmp($rc, 4, 'cancel busy'), 'cancel --wait 0 of that session exits 4 (busy)');
like($err, qr/busy/, 'saying the session is busy');
($rc, $doc) = ctl_json('sweep', '--timeout', '1s');
ok(t_cmp($rc, 0, 'sweep mid-fragment'), 'a real sweep meanwhile exits 0');
ok(t_cmp($doc->{busy}, 1, 'sweep busy'), 'and leaves the busy session alone');
($rc, $doc) = ctl_json('list');
ok(t_cmp(join(',', map { "$_->{state}" } grep { $_->{id} eq $sa } @{ $doc->{sessions} }),
         'RECEIVING', 'a listed'), 'list meanwhile still shows a RECEIVING');
raw_send($sock, substr($rest, 500));
my $r = read_response($sock, 30);
close $sock;
ack_is($r, 200, undef, 'the fragment completes after bitsctl ran');
ok(t_cmp(received_of($r), 3000, 'N'), 'with all 3000 bytes held');
ok(t_cmp(sha256_file(htdocs("$S/a.bin")), sha256_hex($data), 'a sha'),
   'and the published file is byte-identical');

# cancel that waits for the fragment in flight: the fragment completes, then
# the session is cancelled.
my $sd = new_session(path('d.bin'));
$sock = raw_connect();
raw_send($sock, raw_head(path => path('d.bin'), headers => [
    'BITS-Packet-Type' => 'Fragment', 'BITS-Session-Id' => $sd,
    'Content-Range' => 'bytes 0-999/3000', 'Content-Length' => 1000]));
raw_send($sock, substr($data, 0, 400));
for (1 .. 50) { (undef, $doc) = ctl_json('verify'); last if $doc->{busy}; sleep 0.1 }
my $pid = fork;
die "fork: $!" unless defined $pid;
if (!$pid) {
    open STDOUT, '>', '/dev/null';
    open STDERR, '>', '/dev/null';
    exec($bin, '-d', $root, '--wait', '60', 'cancel', $sd) or POSIX::_exit(127);
}
sleep 0.5;
ok(t_cmp(waitpid($pid, POSIX::WNOHANG()), 0, 'cancel waits'), 'cancel waits for the request that holds the session');
raw_send($sock, substr($data, 400, 600));
$r = read_response($sock, 30);
close $sock;
ack_is($r, 200, undef, 'the fragment in flight completes');
ok(t_cmp(received_of($r), 1000, 'd N'), 'with its 1000 bytes');
waitpid $pid, 0;
ok(t_cmp($? >> 8, 0, 'cancel after wait'), 'then cancel succeeds');
ack_is(fragment(path('d.bin'), $sd, substr($data, 1000, 1000), 1000, 3000), 500,
       E_SESSION_NOT_FOUND, 'd: the next fragment is told the session is unknown');
ok(!-e request_file($root, $sd), 'd: its data is gone');

# --- cancel ---------------------------------------------------------------------
($rc, $doc) = ctl_json('cancel', $sc);
ok(t_cmp($rc, 0, 'cancel rc'), 'cancel exits 0');
ok(t_cmp("$doc->{was} -> $doc->{state}", 'RECEIVING -> CANCELLED', 'cancel json'), 'and says RECEIVING -> CANCELLED');
ack_is(fragment(path('c.bin'), $sc, substr($data, 0, 100), 0, 3000), 500, E_SESSION_NOT_FOUND,
       'c: the client is told the session is unknown');
ack_is(cancel_session(path('c.bin'), $sc), 200, undef, 'c: a Cancel-Session of its own gets 200, as a repeat');
ok(t_cmp(owner_of(state_file($root, $sc)), $store_uid, 'tombstone owner'),
   'the tombstone bitsctl wrote (as root) belongs to the store owner');
($rc, $doc) = ctl_json('cancel', $sc);
ok(t_cmp("$rc " . ($doc->{cancelled} ? 1 : 0), '0 0', 'cancel again'), 'cancelling it again changes nothing, exits 0');
($rc) = ctl('cancel', '{3F2504E0-4F89-41D3-9A0C-0305E82C3301}');
ok(t_cmp($rc, 3, 'cancel unknown'), 'cancel of an unknown session exits 3');
ok(!-e session_dir($root, '{3F2504E0-4F89-41D3-9A0C-0305E82C3301}'), 'and creates nothing for it');

# --- expire ---------------------------------------------------------------------
my $se = new_session(path('e.bin'));
ack_is(fragment(path('e.bin'), $se, substr($data, 0, 100), 0, 3000), 200, undef, 'e: a fragment');
($rc, $doc) = ctl_json('expire', '--older-than', '1h');
ok(t_cmp("$rc $doc->{expired}", '0 0', 'expire 1h'), 'expire --older-than 1h: nothing is that idle');
sleep 2.2;
($names, $bytes) = (tree_snapshot($root), store_contents());
($rc, $doc) = ctl_json('expire', '--older-than', '2s', '--dry-run');
ok((grep { $_->{id} eq $se } @{ $doc->{sessions} }), 'expire --dry-run names e');
ok(t_cmp(store_contents(), $bytes, 'expire dry'), 'and changes nothing');
ok(t_cmp(tree_snapshot($root), $names, 'expire dry names'), 'not even a lock file');
($rc, $doc) = ctl_json('expire', '--older-than', '2s');
ok(t_cmp($rc, 0, 'expire rc'), 'expire --older-than 2s exits 0');
ok(t_cmp(read_state($root, $se)->{state}, 'EXPIRED', 'e expired'), 'e is EXPIRED');
ack_is(fragment(path('e.bin'), $se, substr($data, 100, 100), 100, 3000), 500, E_SESSION_NOT_FOUND,
       'e: the client is told the session is unknown');
($rc) = ctl('expire');
ok(t_cmp($rc, 2, 'expire usage'), 'expire without --older-than exits 2');
($rc) = ctl('expire', '--older-than', '3x');
ok(t_cmp($rc, 2, 'expire bad unit'), 'an unknown unit exits 2');

# --- verify after damage ----------------------------------------------------------
($rc, $doc) = ctl_json('verify');
ok(t_cmp($rc, 0, 'verify before damage'), 'verify: still clean after all that')
    or diag(JSON::PP->new->pretty->encode($doc // {}));
my $sf = new_session(path('f.bin'));
my $sg = new_session(path('g.bin'));
for my $i (0 .. 2) {
    ack_is(fragment(path('f.bin'), $sf, substr($data, 100 * $i, 100), 100 * $i, 3000), 200, undef, "f: fragment $i");
}
ack_is(fragment(path('g.bin'), $sg, substr($data, 0, 100), 0, 3000), 200, undef, 'g: a fragment');
ok(-s session_dir($root, $sf) . '/progress', 'f has a progress record');
($rc) = ctl('verify');
ok(t_cmp($rc, 0, 'verify f g'), 'verify: clean with f and g');

# f: the data file cut short; its progress slot damaged; g: a garbled record.
truncate request_file($root, $sf), 150 or die "truncate: $!";
{
    open my $fh, '+<:raw', session_dir($root, $sf) . '/progress' or die $!;
    seek $fh, 17, 0;
    print $fh "\xAA";
    close $fh;
}
write_file(state_file($root, $sg), "BITS-Session 1\nid=nonsense\n");
($rc, $doc) = ctl_json('verify');
ok(t_cmp($rc, 1, 'verify damaged'), 'verify exits 1 on a damaged store');
my %kinds;
push @{ $kinds{$_->{kind}} }, $_->{id} // '' for @{ $doc->{problems} || [] };
ok(t_cmp(join(',', @{ $kinds{data} || [] }), $sf, 'data'), 'it reports f\'s short data file');
ok(t_cmp(join(',', @{ $kinds{progress} || [] }), $sf, 'progress'), 'and f\'s damaged progress slot');
ok(t_cmp(join(',', @{ $kinds{record} || [] }), $sg, 'record'), 'and g\'s unreadable record');
($rc, $out) = ctl('verify');
like($out, qr/^data\s+Requests\/\Q$sf\E\/requestfile\.bin: the request file holds 150 bytes/m,
     'as text: kind, path and what is wrong');
($names, $bytes) = (tree_snapshot($root), store_contents());
ctl('verify');
ok(t_cmp(store_contents(), $bytes, 'verify changes nothing'), 'verify changes nothing');

# --- never as root --------------------------------------------------------------
my $rootstore = tempdir('bitsctl-root-XXXXXX', TMPDIR => 1, CLEANUP => 1);
{
    local $STORE = $rootstore;
    ($rc, undef, $err) = ctl('sweep');
    ok(t_cmp($rc, 5, 'root store'), 'a store owned by root is refused (exit 5)');
    like($err, qr/belongs to root/, 'with a message saying why');
}
($rc, undef, $err) = ctl('-d', t_dir() . '/no/such/store', 'list');
ok(t_cmp($rc, 5, 'missing store'), 'a missing store exits 5');

done_testing();
