# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# Issue 10, the status page (SetHandler bits-status): known sessions in
# progress, completed, cancelled and expired, shown as HTML, ?json, ?auto
# and ?metrics; client-chosen names (a user called <script>..., a file
# name with markup) escaped in every form; the page behind Require; pages
# of the listing; mod_bits' section of mod_status's page.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use BitsTest::Client;
use JSON::PP ();
use Cwd ();

reset_scenario('status', 'short');
my $root = session_root('status');
my $PW = 'status-secret';
my $USER = 'statususer';
my $EVIL = '<script>alert("owner")</script>';
my $htpasswd = t_dir() . '/state/status-htpasswd';
system('htpasswd', '-b', '-c', $htpasswd, $USER, $PW) == 0 or die "htpasswd: $?";
system('htpasswd', '-b', $htpasswd, $EVIL, $PW) == 0 or die "htpasswd: $?";
chmod 0644, $htpasswd;

my @me = (auth => [$USER, $PW]);
my @evil = (auth => [$EVIL, $PW]);

sub created {
    my ($path, @auth) = @_;
    my $c = create_session($path, @auth);
    die "Create-Session $path: " . $c->status_line unless $c->code == 200;
    return sid_of($c);
}

# In progress: 1000 of 4000 bytes; and one without any fragment yet.
my $a_data = random_bytes(4000);
my $sa = created('/status/a.bin', @me);
ack_is(fragment('/status/a.bin', $sa, substr($a_data, 0, 1000), 0, 4000, @me), 200,
       undef, 'A: first 1000 of 4000 bytes');
my $sb = created('/status/b.bin', @me);

# The hostile user, uploading to a name with markup (sent raw: '<', '>'
# and '"' are legal in a request path).
my $evil_name = '<b>x"y&z<i>.bin';
my $c = raw_request(path => "/status/$evil_name", headers => [
    'BITS-Packet-Type' => 'Create-Session',
    'BITS-Supported-Protocols' => BitsTest::Client::PROTO_GUID(),
    auth_header(@{ [$EVIL, $PW] }), 'Content-Length' => 0 ]);
ok(t_cmp($c->code, 200, 'hostile create'), 'the hostile user creates a session for a hostile name');
my $sc = sid_of($c);
ack_is(bits_request("/status/$evil_name", 'Fragment', sid => $sc, range => 'bytes 0-9/100',
                    body => 'x' x 10, @evil), 200, undef, 'C: 10 of 100 bytes');

# Completed and closed.
my $d_data = random_bytes(3000);
my $up = upload_file('/status/d.bin', $d_data, 1000, create_opt => {@me}, opt => {@me});
ok($up->{ok}, 'D uploaded');
my $sd = $up->{sid};
ack_is(close_session('/status/d.bin', $sd, @me), 200, undef, 'D closed');

# Cancelled.
my $se = created('/status/e.bin', @me);
ack_is(fragment('/status/e.bin', $se, 'e' x 50, 0, 500, @me), 200, undef, 'E fragment');
ack_is(cancel_session('/status/e.bin', $se, @me), 200, undef, 'E cancelled');

# Expired: idle for more than BITSSessionTimeout 1 (status/short); its next
# packet finds it expired.
my $sf = created('/status/short/f.bin', @me);
ack_is(fragment('/status/short/f.bin', $sf, 'f' x 20, 0, 200, @me), 200, undef, 'F fragment');
sleep 3;
ack_is(fragment('/status/short/f.bin', $sf, 'f' x 20, 20, 200, @me), 500,
       E_SESSION_NOT_FOUND, 'F expired');

# ---------------------------------------------------------------- JSON
sub get {
    my ($q, @h) = @_;
    return ua()->get(url("/bits-status$q"), @h);
}
sub json_of {
    my $r = shift;
    return eval { JSON::PP->new->decode($r->decoded_content) } || {};
}
my $real_root = Cwd::realpath($root) // $root;
sub our_store {
    my $j = shift;
    my ($s) = grep { $_->{path} eq $root || $_->{path} eq $real_root } @{ $j->{stores} || [] };
    return $s || {};
}

my $r = get('?json&owner=user-statususer');
ok(t_cmp($r->code, 200, 'json 200'), '?json answers 200');
ok(t_cmp(scalar $r->header('Content-Type'), qr{^application/json}, 'json type'),
   '?json is application/json');
my $j = json_of($r);
my $st = our_store($j);
ok(t_cmp($st->{exists}, JSON::PP::true, 'store listed'),
   'the default store of <Directory status> is listed once a request used it');
ok(t_cmp($st->{sessions}, 3, 'live sessions'), 'three live sessions (A, B, C)');
ok(t_cmp($st->{owners}, 2, 'owners'), 'held by two owners');
ok(t_cmp($st->{bytes_in_flight}, 1010, 'in flight'), 'bytes in flight: 1000 + 10');
ok(t_cmp($st->{bytes_expected}, 4100, 'expected'), 'expected: 4000 + 100 (B has no total yet)');
ok(t_cmp($st->{by_state}{RECEIVING}, 3, 'receiving'), 'all three are RECEIVING');
my $h = $st->{last_hour} || {};
ok(t_cmp($h->{completed}, 1, 'completed'), 'one completed in the last hour (D)');
ok(t_cmp($h->{completed_bytes}, 3000, 'completed bytes'), 'its 3000 bytes');
ok(t_cmp($h->{failed}, 2, 'failed'), 'two failed in the last hour (E, F)');
my %by = map { ("$_->{outcome} $_->{code}" => $_->{sessions}) } @{ $h->{failed_by_code} || [] };
ok(t_cmp($by{'cancelled 0x00000000'}, 1, 'cancelled'), 'by code: one cancelled');
ok(t_cmp($by{'expired 0x8020001F'}, 1, 'expired'), 'by code: one expired (0x8020001F)');
ok(t_cmp($st->{last_day}{completed}, 1, 'day'), 'the last day counts it too');
my %recent = map { ($_->{id} => $_) } @{ $st->{recent} || [] };
ok(t_cmp(join(',', map { $recent{$_} ? $recent{$_}{outcome} : '-' } $sd, $se, $sf),
         'completed,cancelled,expired', 'recent'), 'recently ended: D completed, E cancelled, F expired');

my %rows = map { ($_->{id} => $_) } @{ $j->{sessions} || [] };
ok(t_cmp(join(',', sort keys %rows), join(',', sort $sa, $sb), 'owner filter'),
   '?owner=user-statususer lists A and B only');
ok(t_cmp($j->{page}{sessions}, 2, 'listed'), 'the listing has 2 sessions');
ok(t_cmp(scalar @{ json_of(get('?json&owner=nobody%00'))->{sessions} || [1] }, 0, 'bad key'),
   'an owner key nobody can have lists nothing');
my $ra = $rows{$sa} || {};
ok(t_cmp(join(' ', map { $ra->{$_} // '-' } qw(owner client_ip received total state)),
         "$USER 127.0.0.1 1000 4000 RECEIVING", 'row A'), 'A: owner, client, received, total, state');
ok(t_cmp($ra->{percent}, 25, 'percent'), 'A is 25% done');
ok(t_cmp($ra->{destination}, qr{/status/a\.bin$}, 'destination'), 'A: its destination URL');
ok(t_cmp(defined $rows{$sb} && !defined $rows{$sb}{total} ? 1 : 0, 1, 'B total'),
   'B: total null (no fragment yet)');

# Hostile names in JSON: the values survive, no markup appears raw.
(my $evil_key = "user-$EVIL") =~ s/([^A-Za-z0-9._\@:-])/sprintf '%%%02X', ord $1/ge;
$r = get('?json&owner=' . uri_escape_key($evil_key));
$j = json_of($r);
my ($rc) = @{ $j->{sessions} || [] };
ok(t_cmp(scalar @{ $j->{sessions} || [] }, 1, 'evil listing'), "the hostile owner's key lists its one session");
ok(t_cmp($rc ? $rc->{owner} : '', $EVIL, 'evil owner'), 'the hostile owner name is reported as it is');
ok(t_cmp($rc ? $rc->{dest_path} : '', qr{/status/\Q$evil_name\E$}, 'evil file'),
   'and the hostile file name');
ok(t_cmp($r->decoded_content =~ /<|>/ ? 'markup' : 'none', 'none', 'no raw markup'),
   'the JSON holds no raw < or > (\\u003c, \\u003e)');

sub uri_escape_key { my $s = shift; $s =~ s/([^A-Za-z0-9._~-])/sprintf '%%%02X', ord $1/ge; $s }

# ---------------------------------------------------------------- HTML
# The rows of this test's owners (page 1 of everything depends on what
# other tests left in their stores).
$r = get('');
ok(t_cmp($r->code, 200, 'html'), 'the HTML page answers 200');
ok(t_cmp(scalar $r->header('Content-Type'), qr{^text/html; charset=utf-8}, 'html type'), 'text/html, UTF-8');
ok(t_cmp(scalar $r->header('Content-Security-Policy'), qr{default-src 'none'}, 'CSP'),
   'with a Content-Security-Policy that runs no script');
my $html = join '', map { get("?owner=$_")->decoded_content }
    "user-$USER", uri_escape_key($evil_key);
for my $sid ($sa, $sb, $sc) {
    ok(t_cmp($html =~ /<tr class="session" data-id="\Q$sid\E"/ ? 1 : 0, 1, "row $sid"),
       "the page has a row for $sid");
}
ok(t_cmp($html =~ /data-id="\Q$sa\E".*?<span style="width:25\.0%">/s ? 1 : 0, 1, 'bar'),
   "A's progress bar is 25% wide");
ok(t_cmp($html =~ /<script|<b>x|<i>/ ? 'raw' : 'escaped', 'escaped', 'no raw markup'),
   'no client-chosen markup appears raw');
ok(t_cmp(index($html, '&lt;script&gt;alert(&quot;owner&quot;)&lt;/script&gt;') >= 0 ? 1 : 0, 1,
         'owner escaped'), 'the hostile owner is shown escaped');
ok(t_cmp(index($html, '&lt;b&gt;x&quot;y&amp;z&lt;i&gt;.bin') >= 0 ? 1 : 0, 1, 'name escaped'),
   'the hostile file name is shown escaped');
my $tot = json_of(get('?json'))->{totals} || {};
ok(t_cmp(($html =~ /id="active">(\d+)</)[0], $tot->{sessions}, 'html active'),
   'the HTML totals show the active sessions of all stores');
ok(t_cmp(($html =~ /id="completed">(\d+) \//)[0], $tot->{last_hour}{completed}, 'html completed'),
   'and those completed in the last hour');

# ---------------------------------------------------------------- auto
$r = get('?auto&owner=user-statususer');
my $auto = $r->decoded_content;
ok(t_cmp(scalar $r->header('Content-Type'), qr{^text/plain}, 'auto type'), '?auto is text/plain');
my %kv = map { /^([^:]+): (.*)$/ ? ($1 => $2) : () } split /\n/, $auto;
my $all = json_of(get('?json'));
ok(t_cmp($kv{BITSSessions}, $all->{totals}{sessions}, 'auto sessions'),
   'BITSSessions is the total of all stores');
ok(t_cmp($kv{BITSBytesInFlight}, $all->{totals}{bytes_in_flight}, 'auto bytes'),
   'BITSBytesInFlight likewise');
ok(t_cmp(($kv{BITSFailedLastHour_expired_0x8020001F} // 0) >= 1 ? 1 : 0, 1, 'auto code'),
   'failures by outcome and code as keys');
ok(t_cmp($auto =~ /^BITSSession: \Q$sa\E RECEIVING 1000\/4000$/m ? 1 : 0, 1, 'auto row'),
   'BITSSession lines for the listed sessions');
ok(t_cmp($auto =~ /^BITSSession: \Q$sb\E RECEIVING 0\/-$/m ? 1 : 0, 1, 'auto row B'),
   'B with no total yet');

# ---------------------------------------------------------------- metrics
$r = get('?metrics');
my $m = $r->decoded_content;
ok(t_cmp(scalar $r->header('Content-Type'), qr{^text/plain; version=0\.0\.4}, 'prom type'),
   '?metrics in the Prometheus text format');
my $lab = qq{store="$st->{path}"};
ok(t_cmp($m =~ /^bits_sessions_active\{\Q$lab\E\} 3$/m ? 1 : 0, 1, 'active'), 'bits_sessions_active 3');
ok(t_cmp($m =~ /^bits_bytes_in_flight\{\Q$lab\E\} 1010$/m ? 1 : 0, 1, 'flight'), 'bits_bytes_in_flight 1010');
ok(t_cmp($m =~ /^bits_sessions\{\Q$lab\E,state="RECEIVING"\} 3$/m ? 1 : 0, 1, 'state'), 'bits_sessions by state');
ok(t_cmp($m =~ /^bits_sessions_completed_last_hour\{\Q$lab\E\} 1$/m ? 1 : 0, 1, 'completed'),
   'bits_sessions_completed_last_hour 1');
ok(t_cmp($m =~ /^bits_sessions_failed_by_code_last_hour\{\Q$lab\E,outcome="expired",code="0x8020001F"\} 1$/m
         ? 1 : 0, 1, 'by code'), 'bits_sessions_failed_by_code_last_hour for the expired one');
ok(t_cmp($m =~ /^# TYPE bits_sessions_active gauge$/m ? 1 : 0, 1, 'TYPE'), 'with # TYPE lines');
my @bad = grep { !/^#/ && !/^[a-z_]+(\{[^}]*\})? -?[0-9]+(\.[0-9]+)?$/ } split /\n/, $m;
ok(t_cmp(scalar @bad, 0, 'syntax'), 'every sample line is well-formed') or diag(join "\n", @bad);
$r = get('?metrics', Accept => 'application/openmetrics-text; version=1.0.0');
ok(t_cmp(scalar $r->header('Content-Type'), qr{^application/openmetrics-text}, 'om type'),
   'OpenMetrics when the scraper asks for it');
ok(t_cmp($r->decoded_content =~ /\n# EOF\n\z/ ? 1 : 0, 1, 'EOF'), 'ending in # EOF');

# ---------------------------------------------------------------- access, pages
$r = ua()->get(url('/bits-status-denied?json'));
ok(t_cmp($r->code, 403, 'denied'), 'a Require rule denies the page (403)');
ok(t_cmp($r->decoded_content =~ /"sessions"/ ? 1 : 0, 0, 'nothing leaked'), 'and shows nothing of it');

my @seen;
for my $page (1, 2, 3) {
    my $pj = json_of(get("?json&owner=user-statususer&limit=1&page=$page"));
    push @seen, map { $_->{id} } @{ $pj->{sessions} || [] };
    ok(t_cmp($pj->{page}{pages}, 2, "pages $page"), "page $page: 2 pages of one");
}
ok(t_cmp(join(',', @seen), join(',', sort $sa, $sb), 'pages'),
   'page 1 and 2 hold one session each, in id order; page 3 none');
$html = get('?owner=user-statususer&limit=1')->decoded_content;
ok(t_cmp($html =~ /<a rel="next" href="\?page=2&amp;limit=1&amp;owner=user-statususer">/ ? 1 : 0,
         1, 'next link'), 'the HTML page links to the next page');

# ---------------------------------------------------------------- mod_status
$r = ua()->get(url('/server-status?auto'));
ok(t_cmp($r->code, 200, 'server-status'), 'mod_status answers');
ok(t_cmp($r->decoded_content =~ /^BITSSessions: \d+$/m ? 1 : 0, 1, 'status auto'),
   "mod_status's ?auto has mod_bits' lines");
$r = ua()->get(url('/server-status'));
ok(t_cmp($r->decoded_content =~ m{<h2>BITS uploads</h2>} ? 1 : 0, 1, 'status html'),
   "mod_status's page has the BITS section");

done_testing();
