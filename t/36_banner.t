# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# mod_bits/<version> in the Server header (issue 10), as mod_ssl adds
# mod_ssl/<version>.  The module adds the component; httpd's ServerTokens
# decides whether it is shown: with Full the banner names mod_bits and the
# release of the top-level VERSION file, with Prod it says only "Apache".
# Private httpds (BitsTest::Node), so that the ServerTokens are explicit.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use BitsTest::Client;
use BitsTest::Node qw(free_port start_node);

my $version = file_bytes(t_dir() . '/../VERSION');
chomp $version;
like($version, qr/^\d+\.\d+\.\d+$/, "VERSION holds a release number ($version)");

my $dir = reset_scenario('banner');

# Starts a node with these ServerTokens and returns the Server header of a
# Ping to its BITS directory.
sub banner {
    my ($tokens) = @_;
    my $port = free_port();
    my $url  = "http://127.0.0.1:$port/up/x";
    start_node('banner-' . lc $tokens, <<"CONF", ping => $url);
Listen 127.0.0.1:$port
ServerTokens $tokens
Alias /up "$dir"
<Directory "$dir">
    BITSUploadEnabled On
    Require all granted
</Directory>
CONF
    my $r = ping($url);
    ok(t_cmp($r->code, 200, "Ping with ServerTokens $tokens"), "the $tokens node answers a Ping");
    return scalar($r->header('Server')) // '';
}

my $full = banner('Full');
like($full, qr{(?:^|\s)mod_bits/\Q$version\E(?:\s|$)},
     "ServerTokens Full: the Server header names mod_bits/$version ($full)");
like($full, qr{^Apache/}, 'after httpd\'s own product token');

my $prod = banner('Prod');
is($prod, 'Apache', 'ServerTokens Prod: only "Apache", no module components');

done_testing();
