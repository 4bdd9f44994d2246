# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# Mistakes that pass httpd's own configuration test (issue 10), reported by
# `httpd -t` (and at start-up, by the same code) naming the directive and
# its section with file:line: a notification type without any URL in its
# server, a session store the server user cannot use, an ignored
# BITSCleanupCount, a session store inside a DAV On tree.  None of them
# stops the server: `httpd -t` still says Syntax OK.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use BitsTest::Client;
use File::Path qw(make_path);

my $tmp = config_test_dir();
chmod 0755, $tmp;                  # the server user (nobody) walks through it
my $USER = "User nobody\nGroup nogroup\n";

# config($body, @modules): `httpd -t` of a configuration run as nobody.
sub config {
    my ($body, @mods) = @_;
    my ($rc, $out) = config_test($USER . $body, raw => 1, modules => \@mods);
    is($rc, 0, 'httpd -t passes') or diag($out);
    return $out;
}

# The upload directory with these directives, through httpd -t.
sub upload_dir {
    my ($lines, @mods) = @_;
    return config(qq{<Directory "$tmp/up">\n    BITSUploadEnabled On\n}
                  . join('', map { "    $_\n" } @$lines) . "</Directory>\n", @mods);
}

sub reports {
    my ($out, $re, $what) = @_;
    ok($out =~ $re, $what) or diag($out);
}

sub silent {
    my ($out, $id, $what) = @_;
    ok($out !~ /$id:/, $what) or diag($out);
}

# ---- BITSServerNotificationType without a URL ------------------------------
my $out = upload_dir(['BITSServerNotificationType 1']);
reports($out, qr{BITS00125: mod_bits: BITSServerNotificationType 1 \(\S*httpd\.conf:\d+, in <Directory \Q$tmp\E/up> \(\S*httpd\.conf:\d+\)\) needs a BITSServerNotificationURL, and the main server has none},
        'type 1 without any URL: reported with its file:line and section');
like($out, qr/\[bits:error\]/, 'as an error (every Create-Session there is refused)');

$out = config(<<"EOC");
BITSServerNotificationURL http://127.0.0.1:9/app
<Directory "$tmp/up">
    BITSUploadEnabled On
    BITSServerNotificationType 2
</Directory>
EOC
silent($out, 'BITS00125', 'a URL at server level reaches the section: nothing reported');

$out = config(<<"EOC");
Listen 127.0.0.1:10
<VirtualHost 127.0.0.1:9>
    ServerName a.test
    <Directory "$tmp/up">
        BITSUploadEnabled On
        BITSServerNotificationType 2
    </Directory>
</VirtualHost>
<VirtualHost 127.0.0.1:10>
    ServerName b.test
    BITSServerNotificationURL http://127.0.0.1:9/app
</VirtualHost>
EOC
reports($out, qr{BITS00125: .*BITSServerNotificationType 2 .* and <VirtualHost 127\.0\.0\.1:9> \(\S*httpd\.conf:\d+\) has none},
        'a URL in another virtual host does not count; the vhost is named');

$out = upload_dir(['BITSServerNotificationType 0']);
silent($out, 'BITS00125', 'type 0 needs no URL');

# ---- BITSSessionDirectory the server user cannot use -----------------------
make_path("$tmp/rootonly", "$tmp/open");
chmod 0755, "$tmp/rootonly";
chmod 0777, "$tmp/open";
my %stores = (
    "$tmp/nowhere/store"  => qr/it does not exist, nor does \Q$tmp\E\/nowhere/,
    "$tmp/rootonly"       => qr/the server user cannot write to it/,
    "$tmp/rootonly/store" => qr/it does not exist, and the server user cannot create it in \Q$tmp\E\/rootonly/,
);
for my $store (sort keys %stores) {
    $out = upload_dir(["BITSSessionDirectory \"$store\""]);
    reports($out, qr{\[bits:error\].*BITS00126: mod_bits: BITSSessionDirectory \Q$store\E \(\S*httpd\.conf:\d+, in <Directory \Q$tmp\E/up> .*\) cannot be used by the server user nobody: $stores{$store}},
            "store $store: reported as an error, with why");
}
$out = upload_dir(["BITSSessionDirectory \"$tmp/open/store\""]);
reports($out, qr{\[bits:warn\].*BITS00127: .*BITSSessionDirectory \Q$tmp\E/open/store .* does not exist; it is created},
        'a store that can still be created: a warning');
silent($out, 'BITS00126', 'and no error');
$out = upload_dir(["BITSSessionDirectory \"$tmp/open\""]);
silent($out, 'BITS0012[67]', 'a writable store: nothing reported');

# ---- BITSCleanupCount without BITSCleanupUseDefault Off ---------------------
$out = upload_dir(['BITSCleanupCount 30', 'BITSCleanupUnits minutes']);
reports($out, qr{\[bits:warn\].*BITS00128: mod_bits: BITSCleanupCount 30 \(\S*httpd\.conf:\d+, in <Directory \Q$tmp\E/up> .*\) is ignored without BITSCleanupUseDefault Off},
        'an ignored BITSCleanupCount: a warning naming it');
for my $where (["    BITSCleanupUseDefault Off\n", ''], ['', "BITSCleanupUseDefault Off\n"]) {
    $out = config(<<"EOC");
$where->[1]<Directory "$tmp">
$where->[0]</Directory>
<Directory "$tmp/up">
    BITSUploadEnabled On
    BITSCleanupCount 30
</Directory>
EOC
    silent($out, 'BITS00128', 'BITSCleanupUseDefault Off '
           . ($where->[0] ? 'in a <Directory> above' : 'at server level') . ': nothing reported');
}

# ---- a session store inside a DAV On tree -----------------------------------
my @dav = qw(dav dav_fs);
$out = config(<<"EOC", @dav);
<Directory "$tmp">
    Dav On
</Directory>
<Directory "$tmp/up">
    BITSUploadEnabled On
</Directory>
EOC
reports($out, qr{\[bits:warn\].*BITS00129: mod_bits: the session store \Q$tmp\E/up/BITS-Sessions \(of <Directory \Q$tmp\E/up> .*\) lies in a DAV On tree},
        'the default store under Dav On: a warning');
$out = config(<<"EOC", @dav);
<Directory "$tmp">
    Dav On
</Directory>
<Directory "$tmp/up">
    BITSUploadEnabled On
    BITSSessionDirectory "$tmp/open"
</Directory>
EOC
reports($out, qr{BITS00129: .*session store \Q$tmp\E/open }, 'a configured store under Dav On too');
$out = config(<<"EOC", @dav);
<Directory "$tmp/up">
    Dav On
    BITSUploadEnabled On
    BITSSessionDirectory "$tmp/open"
</Directory>
EOC
silent($out, 'BITS00129', 'a store outside the DAV tree: nothing reported');
$out = upload_dir([]);
silent($out, 'BITS00129', 'no mod_dav: nothing reported');

done_testing();
