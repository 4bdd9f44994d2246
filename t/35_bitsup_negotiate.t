# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# Issue 11: bitsup --negotiate against a Kerberos-protected location, the
# way Windows domain clients authenticate: a test MIT KDC on 127.0.0.1
# (realm BITSUP.TEST, its own krb5.conf, database and keytab under
# t/state/bitsup-krb), an httpd node with mod_auth_gssapi and a keytab for
# HTTP/localhost, kinit for the user carol, and uploads whose session is
# owned by carol@BITSUP.TEST.  Skipped when the Kerberos packages are
# missing (scripts/install-deps.sh installs them).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use BitsTest::Client;
use BitsTest::Bitsup;
use BitsTest::Node qw(start_node free_port);
use File::Path ();
use IO::Socket::INET ();
use POSIX ();
use Time::HiRes qw(sleep);

my @TOOLS = qw(/usr/sbin/krb5kdc /usr/sbin/kdb5_util /usr/sbin/kadmin.local /usr/bin/kinit
               /usr/lib/apache2/modules/mod_auth_gssapi.so);
if (my @missing = grep { !-e } @TOOLS) {
    plan skip_all => "Kerberos test tools missing: @missing";
}

my $REALM = 'BITSUP.TEST';
my $dir = t_dir() . '/state/bitsup-krb';
File::Path::remove_tree($dir);
File::Path::make_path($dir);
chmod 0755, $dir;
my $kdc_port = free_port();
my $docs = reset_scenario('bitsupkrb');

sub write_text {
    my ($path, $text) = @_;
    open my $fh, '>', $path or die "$path: $!";
    print $fh $text;
    close $fh or die "$path: $!";
}

# Everything Kerberos reads comes from here, never from /etc.
write_text("$dir/krb5.conf", <<"CONF");
[libdefaults]
    default_realm = $REALM
    dns_lookup_kdc = false
    dns_lookup_realm = false
    dns_canonicalize_hostname = false
    rdns = false
[realms]
    $REALM = {
        kdc = 127.0.0.1:$kdc_port
    }
[domain_realm]
    localhost = $REALM
CONF
write_text("$dir/kdc.conf", <<"CONF");
[kdcdefaults]
    kdc_listen = 127.0.0.1:$kdc_port
    kdc_tcp_listen = 127.0.0.1:$kdc_port
[realms]
    $REALM = {
        database_name = $dir/principal
        key_stash_file = $dir/stash
        acl_file = $dir/kadm5.acl
        kdc_listen = 127.0.0.1:$kdc_port
        kdc_tcp_listen = 127.0.0.1:$kdc_port
    }
CONF
write_text("$dir/kadm5.acl", '');
$ENV{KRB5_CONFIG}      = "$dir/krb5.conf";
$ENV{KRB5_KDC_PROFILE} = "$dir/kdc.conf";
$ENV{KRB5CCNAME}       = "FILE:$dir/ccache";
$ENV{KRB5RCACHETYPE}   = 'none';

sub quiet_system {
    my @cmd = @_;
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        open STDOUT, '>>', "$dir/setup.log";
        open STDERR, '>&', \*STDOUT;
        exec(@cmd) or POSIX::_exit(127);
    }
    waitpid $pid, 0;
    return $? == 0;
}

ok(quiet_system('/usr/sbin/kdb5_util', 'create', '-s', '-r', $REALM, '-P', 'master-pw'),
   'KDC database created') or BAIL_OUT('kdb5_util failed: ' . (file_bytes("$dir/setup.log") // ''));
for my $q ('addprinc -pw carol-pw carol', 'addprinc -randkey HTTP/localhost',
           "ktadd -k $dir/http.keytab HTTP/localhost") {
    ok(quiet_system('/usr/sbin/kadmin.local', '-r', $REALM, '-q', $q), "kadmin.local: $q");
}
# httpd's children run as nobody and read the keytab (a throwaway test key).
chmod 0644, "$dir/http.keytab";

my $kdc = fork // die "fork: $!";
if (!$kdc) {
    open STDOUT, '>>', "$dir/kdc.log";
    open STDERR, '>&', \*STDOUT;
    exec('/usr/sbin/krb5kdc', '-n', '-r', $REALM) or POSIX::_exit(127);
}
END { if ($kdc) { kill 'TERM', $kdc; waitpid $kdc, 0 } }
my $up = 0;
for (1 .. 100) {
    last if ($up = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$kdc_port", Timeout => 1) ? 1 : 0);
    sleep 0.1;
}
ok($up, "KDC listening on 127.0.0.1:$kdc_port");

my $kinit = sub {
    my $pid = open(my $to, '|-') // die "fork: $!";
    if (!$pid) {
        open STDOUT, '>>', "$dir/setup.log";
        open STDERR, '>&', \*STDOUT;
        exec('/usr/bin/kinit', 'carol') or POSIX::_exit(127);
    }
    print $to "carol-pw\n";
    close $to;
    return $? == 0;
};
ok($kinit->(), 'kinit carol') or diag(file_bytes("$dir/setup.log"));

# ---- the httpd node with mod_auth_gssapi (inherits KRB5_CONFIG) ----
my $port = free_port();
my $node = eval { start_node('bitsupkrbnode', <<"CONF", modules => [qw(authn_core authz_user auth_gssapi)]) };
Listen 127.0.0.1:$port
CustomLog "$dir/access_log" "%u \\"%r\\" %>s"
DocumentRoot "$docs"
<Directory "$docs">
    BITSUploadEnabled On
    AuthType GSSAPI
    AuthName "bitsup Kerberos test"
    GssapiCredStore keytab:$dir/http.keytab
    Require valid-user
</Directory>
CONF
ok($node, 'httpd with mod_auth_gssapi started') or diag($@);
for (1 .. 100) {
    last if IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port", Timeout => 1);
    sleep 0.1;
}

my $tmp = "$dir/files";
File::Path::make_path($tmp);
my $data = random_bytes(200000);
my $src = "$tmp/krb.bin";
write_text($src, $data);
# "localhost": the service principal is HTTP/localhost.
my $url = "http://localhost:$port/";
my %env = (env => { KRB5_CONFIG => $ENV{KRB5_CONFIG}, KRB5CCNAME => $ENV{KRB5CCNAME} });

# Started slowly and killed: the session on the server belongs to carol.
my $run = start_bitsup(['--negotiate', '--give-up', 30, '--max-delay', 1, '--fragment-size', '16k',
                        '--limit-rate', '50k', $src, $url], %env);
ok(wait_for_output($run, qr/^bitsup: fragment /m, 2), 'Negotiate: fragments accepted');
kill 'KILL', $run->{pid};
wait_bitsup($run);
my ($sid) = $run->{stdout} =~ /^session (\S+)/m;
ok(defined $sid, 'Negotiate: session created') or diag($run->{stderr});
my $st = $sid ? read_state(session_root('bitsupkrb'), $sid) : undef;
is($st && $st->{owner}, "carol\@$REALM", 'the session is owned by the Kerberos principal');

my $r = run_bitsup(['--negotiate', '--give-up', 30, '--max-delay', 1, '--fragment-size', '16k',
                    $src, $url], %env);
is($r->{rc}, 0, 'Negotiate: the re-run finishes (exit 0)') or diag($r->{stderr});
like($r->{stdout}, qr/^session \Q$sid\E \(resumed\)/m, 'Negotiate: the same session continued');
is(sha256_file("$docs/krb.bin"), sha256_hex($data), 'Negotiate: sha256 of the published file');
ok(scalar(grep { /^carol\@\Q$REALM\E "BITS_POST \/krb\.bin HTTP\/1\.1" 200$/ }
          split /\n/, file_bytes("$dir/access_log") // '') >= 3,
   'the server saw carol@BITSUP.TEST on the BITS_POSTs');

# Without a ticket: refused, exit 1.
$r = run_bitsup(['--negotiate', '--give-up', 5, $src, "http://localhost:$port/noticket.bin"],
                env => { KRB5_CONFIG => $ENV{KRB5_CONFIG}, KRB5CCNAME => "FILE:$dir/no-such-ccache" });
is($r->{rc}, 1, 'Negotiate without a ticket: exit 1');
like($r->{stderr}, qr/authentication failed \(HTTP 401/, 'Negotiate without a ticket: message');
ok(!-e "$docs/noticket.bin", 'Negotiate without a ticket: nothing uploaded');

system('/usr/sbin/apache2', '-f', "$node/httpd.conf", '-k', 'stop') if $node;
done_testing();
