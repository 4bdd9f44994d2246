#!/usr/bin/perl
# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
#
# Every error-log line the module writes starts with a message id of its
# own ("BITS00001: ", not httpd's APLOGNO), so that operators can grep and
# alert on one kind of event.  Checked here, for mod_bits.c and src/httpd:
#  - each ap_log_*error call's format begins with a literal "BITSnnnnn: ",
#    or with "%s: " whose argument is a message-id lookup (a call of a
#    function named *_msgid, as bits_fail() has one id per kind of answer);
#  - every id in the sources is written once (unique);
#  - the README's table "Message ids" lists every id, and only those.
# Usage: scripts/check-msgids.pl
use strict;
use warnings;
use FindBin;

chdir "$FindBin::Bin/.." or die "chdir: $!";
my @files = ('mod_bits.c', sort(glob('src/httpd/*.c')), sort(glob('src/core/*.c')));
my (%where, @errors, $calls);

for my $f (@files) {
    open my $fh, '<', $f or die "$f: $!";
    my $src = do { local $/; <$fh> };
    close $fh;
    my $line_of = sub { 1 + (substr($src, 0, $_[0]) =~ tr/\n//) };
    # Each id written in the source, wherever (log formats, id tables).
    while ($src =~ /"(BITS\d{5})\b/g) {
        push @{ $where{$1} }, "$f:" . $line_of->($-[0]);
    }
    while ($src =~ /\bap_log_[a-z]*error\s*\(/g) {
        my $at = $-[0];
        $calls++;
        # The arguments up to the format: the first string literal.
        my $rest = substr($src, pos($src));
        my ($before, $format) = $rest =~ /^([^"]*)"((?:[^"\\]|\\.)*)"/s
            or do { push @errors, "$f:" . $line_of->($at) . ": no format string"; next };
        next if $format =~ /^BITS\d{5}: /;
        if ($format =~ /^%s: /) {
            # The first argument after the (possibly concatenated) format.
            my ($args) = $rest =~ /^[^"]*(?:"(?:[^"\\]|\\.)*"\s*)+,\s*([^,;]*)/s;
            next if defined $args && $args =~ /^\w*_msgid\s*\(/;
        }
        push @errors, "$f:" . $line_of->($at) . ": log line without a message id "
                      . "(start the format with \"BITSnnnnn: \")";
    }
}

for my $id (sort keys %where) {
    push @errors, "$id is used more than once: @{ $where{$id} }" if @{ $where{$id} } > 1;
}

open my $rd, '<', 'README.md' or die "README.md: $!";
my (%listed, $in_table);
while (my $l = <$rd>) {
    $in_table = 1 if $l =~ /^#+\s+Message ids/;
    $in_table = 0 if $in_table && $l =~ /^#+\s/ && $l !~ /Message ids/;
    next unless $in_table && $l =~ /^\|\s*`?(BITS\d{5})`?\s*\|/;
    push @errors, "README lists $1 twice" if $listed{$1}++;
}
close $rd;
for my $id (sort keys %where) {
    push @errors, "$id ($where{$id}[0]) is not in the README's table \"Message ids\""
        unless $listed{$id};
}
for my $id (sort keys %listed) {
    push @errors, "the README lists $id, which no source file uses" unless $where{$id};
}

if (@errors) {
    print STDERR "check-msgids: $_\n" for @errors;
    exit 1;
}
printf "check-msgids: %d log calls, %d message ids, all unique and in the README\n",
       $calls, scalar keys %where;
