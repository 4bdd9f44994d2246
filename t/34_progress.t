# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# Issue 9: mid-upload progress is written in place into
# Requests/<ID>/progress (two CRC-checked slots), never by replacing the
# state file -- from the first fragment on, whose slot carries the total; a
# damaged slot falls back to the other one, two damaged slots to the state
# file's N, and the client follows the 416 to resend.  A store without
# progress files (written before) keeps working.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use BitsTest::Client;
use File::Copy ();

reset_scenario('progress');
my $S    = 'progress';
my $root = session_root($S);
my $data = random_bytes(5000);
my $path = "/$S/p.bin";

sub piece { my ($from, $to) = @_; substr $data, $from, $to - $from }
sub send_piece {
    my ($sid, $from, $to) = @_;
    return fragment($path, $sid, piece($from, $to), $from, length $data);
}
sub inode { (stat shift)[1] // -1 }
sub slots { map { $_->{received} } sort { $a->{gen} <=> $b->{gen} } BitsTest::Client::read_progress($root, shift) }

# Flips a byte inside the slot holding `received` = $n.
sub damage_slot_with {
    my ($sid, $n) = @_;
    my $f = session_dir($root, $sid) . '/progress';
    open my $fh, '+<:raw', $f or die "$f: $!";
    local $/;
    my $buf = <$fh>;
    for my $i (0, 1) {
        my ($recv) = unpack 'q<', substr $buf, 512 * $i + 16, 8;
        next unless $recv == $n;
        seek $fh, 512 * $i + 17, 0;
        print $fh chr(ord(substr $buf, 512 * $i + 17, 1) ^ 0x55);
    }
    close $fh;
}

my $sid = new_session($path);
my $state = state_file($root, $sid);
my $pfile = session_dir($root, $sid) . '/progress';

# Create-Session made the progress file, empty; the first fragment names
# the total, and its slot carries it: the record stays as Create wrote it.
ok(t_cmp(-s $pfile, 0, 'empty progress'), 'Create-Session makes an empty progress file');
my $ino  = inode($state);
my $text = file_bytes($state);
ack_is(send_piece($sid, 0, 1000), 200, undef, 'first fragment');
ok(t_cmp(inode($state), $ino, 'first: same inode'), 'the first fragment does not replace the record');
my @first = BitsTest::Client::read_progress($root, $sid);
ok(t_cmp(join(' ', map { "$_->{version}:$_->{received}/$_->{total}" } @first), '3:1000/5000',
         'first slot'), 'its version 3 slot says N = 1000 of a total of 5000');

my $r = send_piece($sid, 1000, 2000);
ack_is($r, 200, undef, 'second fragment');
ok(t_cmp(received_of($r), 2000, 'N 2000'), 'Ack N = 2000');
$r = send_piece($sid, 2000, 3000);
ack_is($r, 200, undef, 'third fragment');
ok(t_cmp(inode($state), $ino, 'same inode'), 'the state file was not replaced by progress');
ok(t_cmp(file_bytes($state), $text, 'same record'), 'nor rewritten: it still says received=0');
ok(t_cmp(-s $pfile, 1024, 'two slots'), 'the progress file holds two 512-byte slots');
ok(t_cmp(join(',', slots($sid)), '2000,3000', 'slots'), 'the slots hold N = 2000 and N = 3000');
ok(t_cmp(read_state($root, $sid)->{received}, 3000, 'read N'), 'read_state sees N = 3000');

# The newer slot torn (as by a crash mid-write): the older one counts.
damage_slot_with($sid, 3000);
$r = send_piece($sid, 3000, 4000);
ack_is($r, 416, '0x0', 'after a torn slot the server holds the older N');
ok(t_cmp(received_of($r), 2000, 'older N'), '416 reports N = 2000, from the other slot');
$r = send_piece($sid, 2000, 4000);
ack_is($r, 200, undef, 'the client resends from 2000');
ok(t_cmp(received_of($r), 4000, 'N 4000'), 'Ack N = 4000');

# Both slots damaged: the state file's N, which Create-Session wrote.
damage_slot_with($sid, $_) for slots($sid);
$r = send_piece($sid, 4000, 5000);
ack_is($r, 416, '0x0', 'both slots damaged');
ok(t_cmp(received_of($r), 0, 'state N'), "416 reports the state file's N = 0");
$r = send_piece($sid, 0, 5000);
ack_is($r, 200, undef, 'the client resends from 0 to the end');
ok(t_cmp(sha256_file(htdocs("$S/p.bin")), sha256_hex($data), 'published'),
   'the upload is published byte-identical');
my $st = read_state($root, $sid);
ok(t_cmp("$st->{state} $st->{received}", 'DONE 5000', 'done'), 'the record says DONE, 5000');

ack_is(close_session($path, $sid), 200, undef, 'Close-Session');
opendir my $dh, session_dir($root, $sid) or die $!;
ok(t_cmp(join(' ', sort grep { !/^\.\.?$/ } readdir $dh), 'lock state', 'tombstone'),
   'the tombstone keeps no progress file');

# Another session's progress file planted in a session: ignored (its id
# differs; b's own first record was in the file it replaced, so b holds
# the state file's N = 0), and overwritten by the session's own record.
{
    my $a = new_session("/$S/a.bin");
    my $b = new_session("/$S/b.bin");
    ack_is(fragment("/$S/a.bin", $a, 'a' x 100, 0, 1000), 200, undef, 'a: first');
    ack_is(fragment("/$S/a.bin", $a, 'a' x 500, 100, 1000), 200, undef, 'a: second');
    ack_is(fragment("/$S/b.bin", $b, 'b' x 100, 0, 1000), 200, undef, 'b: first');
    File::Copy::copy(session_dir($root, $a) . '/progress', session_dir($root, $b) . '/progress')
        or die "copy: $!";
    $r = fragment("/$S/b.bin", $b, 'b' x 100, 600, 1000);
    ack_is($r, 416, '0x0', "b does not take a's N");
    ok(t_cmp(received_of($r), 0, 'b N'), "b's N is its state file's, 0, not a's 600");
    $r = fragment("/$S/b.bin", $b, 'b' x 1000, 0, 1000);
    ack_is($r, 200, undef, 'b completes');
    ok(t_cmp(-s htdocs("$S/b.bin"), 1000, 'b published'), 'b is published whole');
}

done_testing();
