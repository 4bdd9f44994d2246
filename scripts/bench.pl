#!/usr/bin/perl
# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# make bench: mod_bits against mod_dav_fs on ONE private httpd, in ONE run,
# driven by t/bench/bitsload (C, raw keep-alive sockets, reports its own
# CPU) so that the client is not what is measured.  Each pair (BITS, DAV)
# runs back to back, in alternating order from round to round; the table
# shows medians of the rounds and the issue-9 goal beside each ratio.  Goals
# are printed, never asserted: timing is not a test on a shared machine.
#
#   1  128 MiB in 8 MiB fragments          vs one plain PUT        >= 0.95
#   2  32 MiB in 64 KiB fragments          vs ranged PUTs          >= 0.9
#   3  4 KiB fragments, 1/4/16 clients     vs 4 KiB ranged PUTs    >= 0.9
#   4  httpd RSS growth during one 1 GiB fragment                  <= 16 MiB
#   5  Create-Session + 10 fragments, 100,000 vs 10 sessions in the store (time) <= 1.2
#   6  4 clients upload while 100,000 expired sessions are swept:
#      max latency +100 ms at most, throughput -10% at most
#   7  1-3 with BITSFragmentSync On (when the module has it) and on a
#      journaled ext4 loop image the bench makes (as root)
#
# Knobs: BENCH_ROUNDS (3), BENCH_QUICK=1 (one small round, ~2 min),
# BENCH_OUT (bench/out), BENCH_EXT4=0, BENCH_KEEP=1, BITS_MODULE=other .so,
# BENCH_ONLY="2 3" (those scenarios), BENCH_VARIANTS="main sync" (those variants).
# Writes BENCH_OUT/bench-<time>.csv (every measurement),
# BENCH_OUT/summary-<time>.csv (the table) and BENCH_OUT/bench-<time>.png.
use strict;
use warnings;
use Cwd ();
use File::Path qw(make_path);
use File::Temp qw(tempdir);
use POSIX qw(strftime);
use Time::HiRes qw(time sleep);
use lib Cwd::abs_path($ENV{BITS_TOP} // '.') . '/t/bench';
use BitsBench qw(start_httpd stop_httpd children child_stat free_port);

$| = 1;

my $top    = Cwd::abs_path($ENV{BITS_TOP} // '.');
my $module = $ENV{BITS_MODULE} // "$top/.libs/mod_bits.so";
my $load   = "$top/t/bench/bitsload";
my $fill   = "$top/t/bench/bitsfill";
my $quick  = $ENV{BENCH_QUICK} // 0;
my $rounds = $ENV{BENCH_ROUNDS} // ($quick ? 1 : 3);
my $out    = $ENV{BENCH_OUT} // "$top/bench/out";
my $root   = $> == 0;
my %only   = map { $_ => 1 } split ' ', ($ENV{BENCH_ONLY} // '1 2 3 4 5 6');
my %vwant  = map { $_ => 1 } split ' ', ($ENV{BENCH_VARIANTS} // 'main sync ext4');
for ($module, $load, $fill) { die "$_ is missing: run make bench\n" unless -x $_ || -f $_ }

# Sizes: the full run stays under ~15 minutes on the 2-core machine.
my %Z = $quick
    ? (s1 => '32M', s2 => '8M', small_secs => 1.5, rss => '256M', many => 10_000,
       s5_secs => 2, sweep => 10_000, s6_secs => 4, s6_windows => 1)
    : (s1 => '128M', s2 => '32M', small_secs => 4, rss => '1G', many => 100_000,
       s5_secs => 4, sweep => 100_000, s6_secs => 10, s6_windows => 3);

my $dir = tempdir('/tmp/mod_bits-bench.XXXXXX', CLEANUP => 0);
chmod 0755, $dir;
my $docs = "$dir/htdocs";
make_path($docs);

# Variant "ext4": a journaled ext4 (data=ordered, the default) on a loop
# image, mounted at htdocs/ext4 for BITS and DAV alike.
my $ext4 = 0;
if (($ENV{BENCH_EXT4} // 1) && $vwant{ext4} && $root && -x '/usr/sbin/mkfs.ext4') {
    make_path("$docs/ext4");
    if (system("truncate -s 2G $dir/ext4.img && /usr/sbin/mkfs.ext4 -q -F $dir/ext4.img"
               . " && mount -o loop $dir/ext4.img $docs/ext4") == 0) {
        $ext4 = 1;
    } else {
        warn "bench: no ext4 loop image (mount failed); variant skipped\n";
    }
}

my @dirs = qw(bits dav few many sweep);
push @dirs, 'ext4/bits', 'ext4/dav' if $ext4;
for (@dirs) { make_path("$docs/$_"); chmod 0777, "$docs/$_" }

my $sync_ok = directive_ok('BITSFragmentSync On');
if ($sync_ok) { make_path("$docs/bits-sync"); chmod 0777, "$docs/bits-sync" }

my $port = free_port();
start_httpd($dir, $port, $module, sections());
END {
    stop_httpd($dir) if $dir;
    if ($ext4) { system("umount $docs/ext4 2>/dev/null || umount -l $docs/ext4") }
    # Deleting 200,000 sessions takes minutes on a disk mounted with
    # `discard`: it goes on in the background, without holding the caller's lock.
    if ($dir && !$ENV{BENCH_KEEP} && rename $dir, "$dir.trash") {
        system("setsid rm -rf '$dir.trash' </dev/null >/dev/null 2>&1 &");
    }
}

my @variants = ([main => '', 'bits']);
push @variants, [sync => '', 'bits-sync'] if $sync_ok;
push @variants, [ext4 => 'ext4/', 'ext4/bits'] if $ext4;
@variants = grep { $vwant{ $_->[0] } } @variants;

my $stamp = strftime('%Y%m%d-%H%M%S', localtime);
make_path($out);
my $csv_file = "$out/bench-$stamp.csv";
open my $csv, '>', $csv_file or die "$csv_file: $!";
print $csv "round,scenario,variant,side,clients,bytes,wall_s,mb_s,client_cpu_s,client_cpu_pct,"
         . "requests,p50_ms,p99_ms,max_ms,unfinished,errors\n";

my (%res, %ratio);    # $res{key}{side} = [mb/s per round]; $ratio{key} = [per round]
my $t0 = time;
printf "mod_bits bench: %d round(s)%s, httpd on 127.0.0.1:%d, work dir %s\n", $rounds,
    $quick ? ' (quick)' : '', $port, $dir;
printf "variants: %s%s\n", join(', ', map { $_->[0] } @variants),
    $sync_ok ? '' : ' (BITSFragmentSync: not in this build)';

# Scenario 5's stores: 10 and 100,000 live sessions of other owners; the
# sweep stamp is fresh so that no request sweeps them meanwhile.
if ($only{5}) {
    fill_store("$docs/few/BITS-Sessions", 10, 0);
    fill_store("$docs/many/BITS-Sessions", $Z{many}, 0);
}

for my $r (1 .. $rounds) {
    for my $v (@variants) {
        my ($name, $dav, $bits) = @$v;
        pair($r, "1 8M frags vs PUT", $name,
             [-m => 'bits', -u => "/$bits/", -s => $Z{s1}, -f => '8M'],
             [-m => 'put', -u => "/${dav}dav/", -s => $Z{s1}], $Z{s1}) if $only{1};
        pair($r, "2 64K frags vs ranged PUT", $name,
             [-m => 'bits', -u => "/$bits/", -s => $Z{s2}, -f => '64K'],
             [-m => 'range', -u => "/${dav}dav/", -s => $Z{s2}, -f => '64K'], $Z{s2}) if $only{2};
        for my $c ($only{3} ? (1, 4, 16) : ()) {
            pair($r, "3 4K frags, $c clients", $name,
                 [-m => 'bits', -u => "/$bits/", -s => '1M', -f => '4K', -c => $c,
                  -d => $Z{small_secs}],
                 [-m => 'range', -u => "/${dav}dav/", -s => '1M', -f => '4K', -c => $c,
                  -d => $Z{small_secs}]);
        }
    }
    rss_scenario($r) if $only{4};
    pair($r, "5 Create+10x4K, 10 vs many", 'main',
         [-m => 'bits', -u => '/few/', -s => '40K', -f => '4K', -d => $Z{s5_secs}],
         [-m => 'bits', -u => '/many/', -s => '40K', -f => '4K', -d => $Z{s5_secs}],
         undef, [qw(few many)]) if $only{5};
    printf "round %d done after %.0f s\n", $r, time - $t0;
}
sweep_scenario() if $only{6};
report();
printf "bench: %.0f s in all; CSV %s\n", time - $t0, $csv_file;
exit 0;

# --- measurements ----------------------------------------------------------

# One bitsload run; returns its key=value line as a hash.
sub run_load {
    my @args = @_;
    my $cmd = join ' ', 'timeout', 900, $load, -p => $port, map { /^-/ ? $_ : "'$_'" } @args;
    my $line = `$cmd`;
    my %h = map { split /=/, $_, 2 } split ' ', ($line // '');
    $h{errors} = ($h{errors} // 0) + ($? ? 1 : 0);
    warn "bench: bitsload @args failed (exit $?)\n" if $? && !$h{unfinished};
    return \%h;
}

sub record {
    my ($r, $scen, $variant, $side, $args, $h) = @_;
    my %a = @$args;
    print $csv join(',', $r, qq{"$scen"}, $variant, $side, $a{-c} // 1,
        map { $h->{$_} // '' } qw(bytes wall mbps cpu cpu_pct requests p50_ms p99_ms max_ms
                                  unfinished errors)), "\n";
}

# BITS and its comparison back to back (order alternating by round); the
# uploads of the first round are checked byte for byte, then removed.
sub pair {
    my ($r, $scen, $variant, $a, $b, $verify_size, $sides) = @_;
    my ($sa, $sb) = @{ $sides // [qw(bits dav)] };
    my %got;
    my @order = $r % 2 ? ([$sa, $a], [$sb, $b]) : ([$sb, $b], [$sa, $a]);
    for (@order) {
        my ($side, $args) = @$_;
        my $h = run_load(@$args);
        record($r, $scen, $variant, $side, $args, $h);
        verify_uploads({@$args}->{-u}, $verify_size) if $verify_size && $r == 1;
        clean_uploads({@$args}->{-u});
        $got{$side} = $h;
        push @{ $res{"$scen|$variant"}{$side} }, $h;
    }
    my ($x, $y) = map { $got{$_}{mbps} // 0 } $sa, $sb;
    push @{ $ratio{"$scen|$variant"} }, $y > 0 ? $x / $y : 0;
}

sub verify_uploads {
    my ($url, $size) = @_;
    my $f = "$docs${url}c0-0.bin";
    system($load, '-V', $f, '-s', $size) == 0 or die "bench: $f is not what was uploaded\n";
}

sub clean_uploads {
    my ($url) = @_;
    unlink glob("$docs${url}c*.bin");
}

# Scenario 4: VmRSS of the child serving one 1 GiB fragment (the child
# whose write count grows by the upload), sampled every 20 ms; and the same
# for one 1 GiB plain PUT to mod_dav_fs for comparison.
sub rss_scenario {
    my ($r) = @_;
    for my $case (['bits', [-m => 'bits', -u => '/bits/', -s => $Z{rss}, -f => $Z{rss}]],
                  ['dav', [-m => 'put', -u => '/dav/', -s => $Z{rss}]]) {
        my ($side, $args) = @$case;
        my %base = map { $_ => child_stat($_) } children($dir);
        my %peak = map { $_ => $base{$_}{rss} } keys %base;
        my $cmd = join ' ', 'timeout', 900, $load, -p => $port, @$args;
        open my $p, '-|', $cmd or die "$cmd: $!";
        # Sample until the generator's output arrives (it prints at the end).
        my $rin = '';
        vec($rin, fileno($p), 1) = 1;
        my $line = '';
        while (1) {
            my $ready = select(my $rout = $rin, undef, undef, 0.02);
            for my $c (keys %base) {
                my $s = child_stat($c) or next;
                $peak{$c} = $s->{rss} if $s->{rss} > $peak{$c};
            }
            if ($ready > 0) { $line = <$p> // ''; last }
        }
        close $p;
        my %h = map { split /=/, $_, 2 } split ' ', $line;
        $h{errors} = ($h{errors} // 0) + ($? ? 1 : 0);
        my ($serving) = sort {
            (child_stat($b)->{wchar} // 0) - $base{$b}{wchar}
                <=> (child_stat($a)->{wchar} // 0) - $base{$a}{wchar} } keys %base;
        my $growth = $serving ? ($peak{$serving} - $base{$serving}{rss}) / 1024 : -1;
        $res{rss_from}{$side} = $serving ? sprintf('%.1f -> %.1f MiB', $base{$serving}{rss} / 1024,
                                                   $peak{$serving} / 1024) : 'no child found';
        $h{rss_growth_mib} = $growth;
        record($r, "4 RSS growth, $Z{rss} body", 'main', $side, $args, \%h);
        print $csv "$r,\"4 RSS growth, $Z{rss} body\",main,$side-rss-growth-MiB,1,$growth\n";
        push @{ $res{rss}{$side} }, $growth;
        clean_uploads({@$args}->{-u});
    }
}

# Scenario 6: 4 clients upload 1 MiB files in 64 KiB fragments for a few
# windows with an empty store, then the store gets 100,000 sessions that
# expired 30 days ago, the sweep is made due (its stamp dated 1970), and the
# same windows run while the sweep works: from httpd's timer, beside the
# clients (a build that sweeps inside the Create-Session that finds it due
# shows that client as unfinished, its wait so far as latency).  Either way
# the windows count the sessions swept meanwhile.
sub sweep_scenario {
    my $store = "$docs/sweep/BITS-Sessions";
    my @args = (-m => 'bits', -u => '/sweep/', -s => '1M', -f => '64K', -c => 4,
                -d => $Z{s6_secs}, -g => 2);
    fill_store($store, 0, 0);
    for my $w (1 .. $Z{s6_windows}) {
        my $h = run_load(@args);
        record($w, '6 sweep, 4 clients', 'main', 'without', \@args, $h);
        push @{ $res{sweep}{without} }, $h;
        clean_uploads('/sweep/');
    }
    my $tf = time;
    fill_store($store, $Z{sweep}, 30 * 86400);
    printf "scenario 6: %d expired sessions written in %.0f s\n", $Z{sweep}, time - $tf;
    utime 0, 0, "$store/.sweep-stamp";
    unlink "$store/.sweep-claim";
    my $left = pending($store);
    for my $w (1 .. $Z{s6_windows}) {
        my $h = run_load(@args);
        my $now = pending($store);
        $h->{swept} = $left - $now;
        $left = $now;
        record($w, '6 sweep, 4 clients', 'main', 'with', \@args, $h);
        print $csv "$w,\"6 sweep, 4 clients\",main,with-swept-sessions,4,$h->{swept}\n";
        push @{ $res{sweep}{with} }, $h;
        clean_uploads('/sweep/');
    }
    $res{sweep}{left} = $left;
}

# Sessions of the store that still hold data (not yet swept).
sub pending {
    my ($store) = @_;
    my @f = glob("$store/Requests/*/requestfile.bin");
    return scalar @f;
}

# bitsfill as the user httpd runs as; the stamp says "just swept".
sub fill_store {
    my ($store, $n, $age) = @_;
    my @as = $root ? (qw(setpriv --reuid=nobody --regid=nogroup --clear-groups)) : ();
    my $upload = $store =~ s{/BITS-Sessions$}{}r;
    system(@as, $fill, $store, $n, $age, $upload) == 0 or die "bench: bitsfill $store failed\n";
    system(@as, 'touch', "$store/.sweep-stamp") == 0 or die "bench: touch failed\n";
}

# --- the table, CSV and chart ------------------------------------------------

sub median {
    my @v = sort { $a <=> $b } grep { defined } @_;
    return 0 unless @v;
    return @v % 2 ? $v[$#v / 2] : ($v[@v / 2 - 1] + $v[@v / 2]) / 2;
}

sub report {
    my $sum_file = "$out/summary-$stamp.csv";
    open my $sum, '>', $sum_file or die "$sum_file: $!";
    print $sum "scenario,variant,bits_mb_s,other_mb_s,ratio,goal,bits_client_cpu_pct\n";
    my @chart;
    print "\n";
    printf "%-36s %-5s %10s %10s %7s %9s %6s\n", 'scenario (median of rounds)', 'var',
        'BITS MB/s', 'other MB/s', 'ratio', 'goal', 'c.cpu%';
    for my $v (@variants) {
        my $vn = $v->[0];
        for my $scen ("1 8M frags vs PUT", "2 64K frags vs ranged PUT",
                      map { "3 4K frags, $_ clients" } 1, 4, 16) {
            my $e = $res{"$scen|$vn"} or next;
            my $goal = $scen =~ /^1/ ? 0.95 : 0.9;
            row($sum, \@chart, $scen, $vn, $e->{bits}, $e->{dav}, median(@{ $ratio{"$scen|$vn"} }),
                ">= $goal", $goal);
        }
    }
    my $s5 = "5 Create+10x4K, 10 vs many";
    if (my $e = $res{"$s5|main"}) {
        # The time of one sequence grows as throughput falls: many/few time = few/many rate.
        my @t = map { my $x = $_; $x > 0 ? 1 / $x : 0 } @{ $ratio{"$s5|main"} };
        row($sum, \@chart, "5 Create+10x4K, $Z{many} vs 10 (time)", 'main', $e->{many}, $e->{few},
            median(@t), '<= 1.2', 1.2);
    }
    if ($res{rss}) {
        my ($rb, $rd) = (median(@{ $res{rss}{bits} }), median(@{ $res{rss}{dav} }));
        printf "%-36s %-5s %21s %7.1f %9s\n", "4 RSS growth $Z{rss} (MiB)", 'main',
            sprintf('(DAV PUT: %.1f MiB)', $rd), $rb, '<= 16';
        printf "   serving child's VmRSS: BITS %s, DAV %s (sampled every 20 ms)\n",
            $res{rss_from}{bits} // '?', $res{rss_from}{dav} // '?';
        print $sum "\"4 RSS growth MiB\",main,,,$rb,<= 16,\n";
    }
    if (my $s = $res{sweep}) {
        my %m;
        for my $k (qw(without with)) {
            my @h = @{ $s->{$k} || [] };
            for my $f (qw(mbps p50_ms p99_ms)) { $m{$k}{$f} = median(map { $_->{$f} } @h) }
            $m{$k}{max_ms} = (sort { $b <=> $a } map { $_->{max_ms} // 0 } @h)[0] // 0;
            $m{$k}{unfinished} = 0;
            $m{$k}{unfinished} += $_->{unfinished} // 0 for @h;
        }
        my $drop = $m{without}{mbps} > 0 ? 1 - $m{with}{mbps} / $m{without}{mbps} : 0;
        my $extra = $m{with}{max_ms} - $m{without}{max_ms};
        printf "%-36s %-5s %10.1f %10.1f %7.2f %9s\n", '6 sweep: throughput', 'main',
            $m{with}{mbps}, $m{without}{mbps}, 1 - $drop, '>= 0.9';
        for my $k (qw(without with)) {
            printf "   %-7s p50 %7.1f ms  p99 %7.1f ms  max %9.1f ms  %s\n", $k,
                @{ $m{$k} }{qw(p50_ms p99_ms max_ms)},
                $m{$k}{unfinished} ? "($m{$k}{unfinished} request(s) unanswered at the end)" : '';
        }
        printf "   max latency +%.0f ms with the sweep (goal <= +100 ms); swept %s of %d, %d left\n",
            $extra, join('+', map { $_->{swept} // 0 } @{ $s->{with} }), $Z{sweep}, $s->{left};
        print $sum "\"6 sweep throughput\",main,$m{with}{mbps},$m{without}{mbps},"
                 . sprintf('%.3f', 1 - $drop) . ",>= 0.9,\n";
        print $sum "\"6 sweep extra max latency ms\",main,,,$extra,<= 100,\n";
        push @chart, ['6 sweep thr.', 'main', 1 - $drop, 0.9];
    }
    close $sum;
    chart(\@chart);
    print "summary CSV $sum_file\n";
}

sub row {
    my ($sum, $chart, $scen, $vn, $bits, $other, $ratio, $goal_txt, $goal) = @_;
    my $mb  = median(map { $_->{mbps} } @$bits);
    my $omb = median(map { $_->{mbps} } @$other);
    my $cpu = median(map { $_->{cpu_pct} } @$bits);
    my $err = 0;
    $err += $_->{errors} // 0 for @$bits, @$other;
    printf "%-36s %-5s %10.1f %10.1f %7.2f %9s %6.0f%s\n", $scen, $vn, $mb, $omb, $ratio,
        $goal_txt, $cpu, $err ? "  ($err errors)" : '';
    printf $sum "\"%s\",%s,%.2f,%.2f,%.3f,%s,%.1f\n", $scen, $vn, $mb, $omb, $ratio, $goal_txt, $cpu;
    my $label = $scen =~ s/( vs|,) .*//r;
    $label .= " $1c" if $scen =~ /(\d+) clients/;
    push @$chart, [$label, $vn, $ratio, $goal];
}

# Ratio per scenario as bars, the goal of each as a point.
sub chart {
    my ($rows) = @_;
    return warn "bench: gnuplot not found, no chart (make deps)\n"
        unless grep { -x "$_/gnuplot" } split /:/, $ENV{PATH};
    my $data = "$out/chart-$stamp.dat";
    open my $d, '>', $data or die $!;
    my $i = 0;
    printf $d "%d \"%s\" %.3f %.3f\n", $i++, "$_->[0] ($_->[1])", $_->[2], $_->[3] for @$rows;
    close $d;
    open my $g, '|-', 'gnuplot' or return;
    print $g <<"GP";
set terminal pngcairo size 1200,600 noenhanced
set output "$out/bench-$stamp.png"
set title "mod_bits vs mod_dav_fs, median of $rounds round(s) ($stamp)"
set ylabel "ratio (BITS / other; scenario 5: time 100k / 10)"
set style fill solid 0.6
set boxwidth 0.6
set xtics rotate by -35 font ",8"
set yrange [0:*]
set offsets 0.5,0.5,0.15,0
set grid ytics
set key outside top center horizontal
plot "$data" using 1:3:xtic(2) with boxes title "measured", \\
     "$data" using 1:4 with points pt 7 ps 1.5 title "goal"
GP
    close $g;
    unlink $data;
    print "chart $out/bench-$stamp.png\n";
}

# --- httpd ---------------------------------------------------------------

# One <Directory> per upload directory: each is its own BITS location with
# its own store (<dir>/BITS-Sessions).
sub sections {
    my @bits = (qw(bits few many sweep), ($ext4 ? 'ext4/bits' : ()));
    my $dirs = join '', map { "<Directory $docs/$_>\n    BITSUploadEnabled On\n"
                                  . "    BITSAllowOverwrites On\n</Directory>\n" } @bits;
    $dirs .= "<Directory $docs/bits-sync>\n    BITSUploadEnabled On\n    BITSAllowOverwrites On\n"
           . "    BITSFragmentSync On\n</Directory>\n" if $sync_ok;
    $dirs .= join '', map { "<Directory $docs/$_>\n    Dav On\n</Directory>\n" }
        ('dav', ($ext4 ? 'ext4/dav' : ()));
    return $dirs;
}

# Does this module build accept a directive (inside a <Directory>)?
sub directive_ok {
    my ($directive) = @_;
    my $t = "$dir/probe.conf";
    make_path("$dir/logs");    # DefaultRuntimeDir must exist, or -t fails
    open my $c, '>', $t or die $!;
    print $c "ServerRoot $dir\nServerName 127.0.0.1\nDefaultRuntimeDir $dir/logs\n"
           . "LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so\n"
           . "LoadModule bits_module $module\n<Directory $docs>\n$directive\n</Directory>\n";
    close $c;
    my $ok = system("/usr/sbin/apache2 -t -f $t >/dev/null 2>&1") == 0;
    unlink $t;
    return $ok;
}
