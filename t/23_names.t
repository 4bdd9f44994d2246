# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# Issue 6, items 2 and 10: names a client may not upload (Apache's and
# PHP's configuration files, every AccessFileName name, the module's own
# staging names), destinations httpd would execute (handlers mapped by
# extension or SetHandler, Options ExecCGI / Includes: 403 0x80200023), the
# startup warning for such upload sections, and staging names that never
# touch a user's file.  See t/conf/names.conf.in.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use BitsTest::Client;

use constant E_EXECUTE_ENABLED => '0x80200023';

reset_scenario('names', 'sub');
reset_scenario('namesht');
reset_scenario('namesmap');
reset_scenario('namesexec');
reset_scenario('namesinc', 'up');

sub snapshot { join "\n", map { tree_snapshot(htdocs($_)) }
                          qw(names namesht namesmap namesexec namesinc) }
sub log_has {
    my $re = shift;
    return scalar grep { $_ =~ $re } error_log_lines();
}

# --- the startup warning (item 2c) -----------------------------------------
{
    my $starts = log_has(qr/resuming normal operations/);
    ok($starts >= 1, 'the error log shows the server starting');
    for my $case (['namesexec', 'ExecCGI'], ['namesinc/up', 'Includes']) {
        my ($dir, $opt) = @$case;
        my $n = log_has(qr{mod_bits: <Directory [^>]*/\Q$dir\E> .*Options.*\b$opt\b.*0x80200023});
        ok(t_cmp($n, $starts, "warning for $dir"),
           "one startup warning per start names <Directory .../$dir> and $opt");
    }
    for my $dir (qw(names namesht namesmap)) {
        ok(t_cmp(log_has(qr{mod_bits: <Directory [^>]*/\Q$dir\E>}), 0, "no warning for $dir"),
           "no startup warning for the harmless upload section $dir");
    }
}

# ... and `apachectl configtest` says the same, also for inherited Options
{
    my ($rc, $out) = config_test('    Options +ExecCGI');
    ok(t_cmp($rc, 0, 'configtest ExecCGI'), 'configtest accepts an upload section with ExecCGI');
    like($out, qr{mod_bits: <Directory [^>]*/up> .*ExecCGI}, 'and warns about it, naming the section');
    my $tmp = config_test_dir();
    ($rc, $out) = config_test(qq{<Directory "$tmp">\n    Options +Includes\n</Directory>\n}
                              . qq{<Directory "$tmp/up">\n    BITSUploadEnabled On\n</Directory>},
                              raw => 1);
    like($out, qr{mod_bits: <Directory [^>]*/up> .*Includes}, 'Includes inherited from a parent section is warned about');
    ($rc, $out) = config_test('    Options -ExecCGI -Includes');
    unlike($out, qr/mod_bits: <Directory/, 'no warning when ExecCGI and Includes are off');
}

# --- configuration names (item 2a) -------------------------------------------
mkdir htdocs('names/.htconf') or die "mkdir: $!";     # an existing directory named .ht*
chmod 0777, htdocs('names/.htconf');
{
    my $before = snapshot();
    for my $name ('.htaccess', '.HTACCESS', '.HtAccess', '.htpasswd', '.htdigest', '.htgroups',
                  '.user.ini', '.USER.INI', 'sub/.htaccess', 'sub/.user.ini',
                  '.acl', '.ACL', 'sub/.acl',                      # AccessFileName .htaccess .acl
                  '%2ehtaccess', 'sub/%2Ehtpasswd',                # encoded dots
                  '.htconf/x.txt',                                 # a directory on the way
                  '.bits-publish-1234.tmp', '.BITS-PUBLISH-1.TMP', '.bits-publish-1-00ff.tmp') {
        ack_is(create_session("/names/$name"), 403, E_ACCESSDENIED, "Create-Session for $name");
    }
    ok(t_cmp(snapshot(), $before, 'nothing created'), 'configuration names: nothing was created on disk');
    ok(log_has(qr{'\.user\.ini' is PHP's per-directory \.user\.ini}), 'the log line names the rule (.user.ini)');
    ok(log_has(qr{'\.acl' is a name AccessFileName configures}), 'the log line names the rule (AccessFileName)');
    ok(log_has(qr{'\.HTACCESS' is a name AccessFileName configures}), 'names are compared case-insensitively');
    ok(log_has(qr{'\.htconf' is a \.ht\* name}), 'the log line names the offending directory');
}

# ordinary dotfiles are legitimate uploads
for my $name ('.gitignore', '.editorconfig', 'sub/.well-known-ish', 'htaccess.txt', 'x.htaccess') {
    my $data = random_bytes(300);
    my $u = upload_file("/names/$name", $data, 100);
    ok(t_cmp($u->{ok}, 1, "upload $name"), "$name uploads");
    ok(t_cmp(sha256_file(htdocs("names/$name")), sha256_hex($data), "$name published"),
       "$name is published");
}

# Publishing checks the name again: a session record naming .htaccess (one
# from before the rule, say) is not published.
{
    my $sid = new_session('/names/forged.bin');
    my $state = state_file(session_root('names'), $sid);
    my $text = file_bytes($state);
    ok($text =~ s{^(dest_path=.*)/forged\.bin$}{$1/.htaccess}m, 'setup: the record is rewritten to name .htaccess');
    write_file($state, $text);
    ack_is(fragment('/names/.htaccess', $sid, "Options +Includes\n", 0, 18), 403, E_ACCESSDENIED,
           'the final fragment of a session whose destination is .htaccess');
    ok(t_cmp(-e htdocs('names/.htaccess') ? 1 : 0, 0, 'no .htaccess'), 'no .htaccess was published');
    ok(log_has(qr{'\.htaccess' is a name AccessFileName configures}), 'the refusal at publish is logged');
    cancel_session('/names/.htaccess', $sid);
}

# --- the SSI exploit of the issue cannot start ------------------------------
{
    # The control: in namesht a .htaccess (placed here, not uploaded) turns
    # SSI on, and SSI really runs.
    write_file(htdocs('namesht/.htaccess'), "Options +Includes\nAddOutputFilter INCLUDES .shtml\n", 0644);
    write_file(htdocs('namesht/probe.shtml'), "[<!--#echo var=\"DOCUMENT_NAME\" -->]\n", 0644);
    my $g = ua()->get(url('/namesht/probe.shtml'));
    ok(t_cmp($g->content, "[probe.shtml]\n", 'SSI runs'), 'control: with that .htaccess, SSI runs in namesht');

    # Where SSI is on, nothing may be uploaded (Includes in effect).
    my $before = snapshot();
    ack_is(create_session('/namesht/p.shtml'), 403, E_EXECUTE_ENABLED, 'p.shtml where a .htaccess enabled Includes');
    ack_is(create_session('/namesht/notes.txt'), 403, E_EXECUTE_ENABLED, 'any file where Includes is on');
    ack_is(create_session('/namesht/.htaccess'), 403, E_ACCESSDENIED, 'replacing the .htaccess');
    ok(t_cmp(snapshot(), $before, 'namesht unchanged'), 'namesht: nothing was created or changed');

    # In names (AllowOverride All, no .htaccess) the first step is refused,
    # so the second stays harmless: p.shtml is served as it is.
    ack_is(create_session('/names/.htaccess'), 403, E_ACCESSDENIED, 'step 1 of the exploit: upload .htaccess');
    my $page = "<!--#exec cmd=\"id\" -->\n";
    my $u = upload_file('/names/p.shtml', $page, 100);
    ok(t_cmp($u->{ok}, 1, 'p.shtml'), 'step 2: p.shtml uploads where SSI is off');
    $g = ua()->get(url('/names/p.shtml'));
    ok(t_cmp($g->content, $page, 'p.shtml raw'), 'and is served as it is, not executed');
}

# --- destinations httpd would execute (item 2b) -----------------------------
{
    my $before = snapshot();
    for my $name ('x.cgi', 'x.php', 'x.fcgi', 'x.phtml', 'x.cgi.txt', 'X.PHP') {
        ack_is(create_session("/namesmap/$name"), 403, E_EXECUTE_ENABLED, "upload of $name into namesmap");
    }
    ack_is(create_session('/namesexec/x.txt'), 403, E_EXECUTE_ENABLED, 'upload into a directory with Options +ExecCGI');
    ack_is(create_session('/namesinc/up/x.txt'), 403, E_EXECUTE_ENABLED,
           'upload into a directory that inherits Options +Includes');
    ok(t_cmp(snapshot(), $before, 'nothing created'), 'executed destinations: nothing was created on disk');
    ok(log_has(qr{refusing an upload to /namesmap/x\.cgi: it would be run by the handler 'cgi-script'}),
       'the log line names the handler');
    ok(log_has(qr{refusing an upload to /namesmap/x\.php: .*'application/x-httpd-php'}),
       'the log line names the PHP type');
    ok(log_has(qr{refusing an upload to /namesexec/x\.txt: Options ExecCGI is on}),
       'the log line names ExecCGI');

    my $data = random_bytes(200);
    my $u = upload_file('/namesmap/plain.txt', $data, 200);
    ok(t_cmp($u->{ok}, 1, 'plain.txt'), 'a plain file still uploads into namesmap');
    ok(t_cmp(sha256_file(htdocs('namesmap/plain.txt')), sha256_hex($data), 'plain.txt published'),
       'and is published');
}

# --- staging names (item 10) ------------------------------------------------
{
    # A user's file under the name the module used to stage at: another
    # session's publish must leave it alone (overwrites are off here).
    my $data = random_bytes(1000);
    my $sid = new_session('/names/staged.bin');
    ack_is(fragment('/names/staged.bin', $sid, substr($data, 0, 500), 0, 1000), 200, undef,
           'setup: first half of the upload');
    my $ino = (stat request_file(session_root('names'), $sid))[1];
    ok(defined $ino, 'setup: the request file exists');
    my $victim = htdocs("names/.bits-publish-$ino.tmp");
    write_file($victim, "a user's file\n", 0666);
    ack_is(fragment('/names/staged.bin', $sid, substr($data, 500), 500, 1000), 200, undef,
           'the final fragment publishes');
    ok(t_cmp(sha256_file(htdocs('names/staged.bin')), sha256_hex($data), 'published'),
       'the upload is published at its destination');
    ok(t_cmp(file_bytes($victim), "a user's file\n", 'user file intact'),
       'the file named like the old staging name survives, unchanged');
    my @staging = find_files_named(htdocs('names'), qr/^\.bits-/i);
    ok(t_cmp("@staging", $victim, 'no staging leftovers'), 'no staging name is left behind');
    ack_is(close_session('/names/staged.bin', $sid), 200, undef, 'Close-Session');

    # The staging names themselves cannot be uploaded (so nothing a client
    # uploads can ever be in the way, or be taken for ours).
    ack_is(create_session("/names/.bits-publish-$ino.tmp"), 403, E_ACCESSDENIED,
           'the staging name is refused as a destination');
}

done_testing();
