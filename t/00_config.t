# Invalid directive values must make the configuration fail to load
# (apache2 -t on a tiny stand-alone configuration that loads the module).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use BitsTest::Client;
use File::Temp qw(tempdir);
use Cwd qw(abs_path);

my $httpd = Apache::Test::vars('httpd') || '/usr/sbin/apache2';
my $so    = abs_path(t_dir() . '/../.libs/mod_bits.so');
my $mods  = '/usr/lib/apache2/modules';
my $tmp   = tempdir('bits-conftest-XXXXXX', TMPDIR => 1, CLEANUP => 1);
mkdir "$tmp/up" or die "mkdir: $!";

ok(t_cmp(-f $so ? 1 : 0, 1, "module exists at $so"), 'mod_bits.so is built');

# Writes a configuration with $body inside a <Directory> (or raw when
# $raw) and runs httpd -t on it.  Returns (exit status, output).
sub conf_test {
    my ($body, $raw) = @_;
    my $conf = "$tmp/httpd.conf";
    open my $fh, '>', $conf or die "$conf: $!";
    print $fh <<"EOC";
ServerRoot "$tmp"
ServerName 127.0.0.1
DefaultRuntimeDir "$tmp"
PidFile "$tmp/httpd.pid"
ErrorLog "$tmp/error_log"
Listen 127.0.0.1:9
LoadModule mpm_event_module $mods/mod_mpm_event.so
LoadModule authz_core_module $mods/mod_authz_core.so
LoadModule bits_module "$so"
EOC
    if ($raw) { print $fh "$body\n" }
    else      { print $fh qq{<Directory "$tmp/up">\n    BITSUploadEnabled On\n    $body\n</Directory>\n} }
    close $fh;
    my $out = `"$httpd" -t -f "$conf" -C "DefaultRuntimeDir $tmp" 2>&1`;
    return ($? >> 8, $out);
}

# --- valid configurations load ----------------------------------------------
my ($rc, $out) = conf_test(<<"EOC", 1);
<Directory "$tmp/up">
    BITSUploadEnabled On
    BITSSessionDirectory "$tmp/sessions"
    BITSSessionTimeout 60
    BITSMaximumUploadSize 1000
    BITSAllowOverwrites On
    BITSLockTimeout 5
    BITSHostId node1.example.org
    BITSHostIdFallbackTimeout 60
</Directory>
<Location /loc>
    BITSUploadEnabled On
    BITSSessionTimeout 120
    BITSMaximumUploadSize 9223372036854775807
    BITSAllowOverwrites Off
    BITSLockTimeout 1
    BITSHostId 127.0.0.1
    BITSHostIdFallbackTimeout 1
</Location>
<Directory "$tmp/up/off">
    BITSUploadEnabled Off
</Directory>
EOC
ok(t_cmp($rc, 0, 'valid directives: exit status'), 'a configuration using every directive with valid values loads')
    or diag($out);
ok(t_cmp($out, qr/Syntax OK/, 'valid directives: output'), 'httpd -t says Syntax OK for valid directives');

# §17.23: values above 2^63-1 mean "unlimited", they are not an error.
($rc, $out) = conf_test('BITSMaximumUploadSize 99999999999999999999');
ok(t_cmp($rc, 0, 'BITSMaximumUploadSize above 2^63-1'),
   'BITSMaximumUploadSize 99999999999999999999 is accepted (unlimited, spec 17.23)') or diag($out);

($rc, $out) = conf_test('BITSMaximumUploadSize unlimited');
ok(t_cmp($rc, 0, 'BITSMaximumUploadSize unlimited'),
   'BITSMaximumUploadSize unlimited is accepted (documented keyword)') or diag($out);

# (§17.23's "empty = unlimited" cannot be written in Apache syntax: httpd
# itself refuses an empty argument; the module's keyword is "unlimited".)

# --- invalid values make the configuration fail ----------------------------
my @bad = (
    [ 'BITSSessionTimeout abc',          'BITSSessionTimeout' ],
    [ 'BITSSessionTimeout -1',           'BITSSessionTimeout' ],
    [ 'BITSSessionTimeout 10s',          'BITSSessionTimeout' ],
    [ 'BITSMaximumUploadSize -5',        'BITSMaximumUploadSize' ],
    [ 'BITSMaximumUploadSize abc',       'BITSMaximumUploadSize' ],
    [ 'BITSMaximumUploadSize 12x',       'BITSMaximumUploadSize' ],
    [ 'BITSLockTimeout abc',             'BITSLockTimeout' ],
    [ 'BITSLockTimeout -3',              'BITSLockTimeout' ],
    [ 'BITSHostIdFallbackTimeout -1',    'BITSHostIdFallbackTimeout' ],
    [ 'BITSHostIdFallbackTimeout never', 'BITSHostIdFallbackTimeout' ],
    [ 'BITSSessionDirectory relative/sessions', 'BITSSessionDirectory' ],
    [ 'BITSUploadEnabled maybe',         'BITSUploadEnabled' ],
    [ 'BITSAllowOverwrites yes',         'BITSAllowOverwrites' ],
);
for my $b (@bad) {
    my ($line, $name) = @$b;
    my ($rc, $out) = conf_test($line);
    ok(t_cmp($rc != 0 ? 1 : 0, 1, "'$line' exit status"), "'$line': httpd -t fails (exit $rc)")
        or diag($out);
    ok(t_cmp($out, qr/\Q$name\E/, "'$line' message"),
       "'$line': the error message names the directive") or diag($out);
}

done_testing();
