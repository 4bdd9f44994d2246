# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# Every ```apache block of the README is a configuration an operator may
# paste: each must pass `httpd -t` with the modules it needs (issue 6: the
# hardened example of "Security"; issue 10: every block).  Paths under
# /var/www and /srv are rewritten into a scratch directory.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use BitsTest::Client;
use File::Path qw(make_path);

my @MODULES = qw(alias mime reqtimeout remoteip auth_basic authn_core authn_file
                 authz_user authz_host dir);

open my $fh, '<', t_dir() . '/../README.md' or die "README.md: $!";
my ($in, $line, @blocks) = (0, 0);
while (my $l = <$fh>) {
    $line++;
    if (!$in && $l =~ /^```apache\s*$/) { $in = 1; push @blocks, { line => $line, text => '' }; next }
    if ($in && $l =~ /^```\s*$/)        { $in = 0; next }
    $blocks[-1]{text} .= $l if $in;
}
close $fh;
ok(@blocks >= 3, 'the README has configuration blocks (' . scalar(@blocks) . ')');
ok((grep { $_->{text} =~ /BITSUploadEnabled On/ && $_->{text} =~ /RequestReadTimeout/ } @blocks),
   'one of them is a complete example with a RequestReadTimeout');

my $scratch = config_test_dir();
for my $b (@blocks) {
    my $text = $b->{text};
    $text =~ s{(/var/www|/srv)\b}{$scratch$1}g;
    # Directories an example names must exist for `httpd -t` (DocumentRoot, stores).
    make_path($1) while $text =~ m{"?($scratch/[^\s">]+)}g;
    my ($rc, $out) = config_test($text, raw => 1, modules => \@MODULES);
    ok(t_cmp($rc, 0, "README line $b->{line}"), "the block at README line $b->{line} passes httpd -t")
        or diag($out);
}

done_testing();
