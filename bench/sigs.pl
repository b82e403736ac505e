#!/usr/bin/perl
# sigs.pl - write a harmless ClamAV signature database of real size into OUTDIR, the
# same bytes for the same counts and SEED on every run (fixed seed, no clock).  Perl
# core only.  ClamAV's official database cannot be fetched everywhere; this one has
# its shape, so that load time, memory and the cost of a scan can be measured:
#
#   bench-md5.hdb     MD5:size:name          hash signatures (-m, default 2000000)
#   bench-sha256.hsb  SHA256:size:name       hash signatures (-h, default 500000)
#   bench-body.ndb    name:target:offset:hex body signatures (-b, default 150000):
#                     static byte strings (Boyer-Moore) and patterns with ??, {n-m},
#                     * and (aa|bb) (Aho-Corasick), offsets *, n, n,max, EOF-n, EP+n
#   bench-logical.ldb name;Engine:51-255,Target:T;expr;sub0;sub1;...  logical
#                     signatures (-l, default 100000), 2-3 subsignatures each
#
# Everything is random: the hashes are of no file, and every byte pattern holds
# static runs of at least 8 random bytes, which ordinary mail does not contain.  The
# names start with "Bench.".  To keep detection testable, copy a real test signature
# (mailvet-eicar.hdb) beside them.
#
# Usage: bench/sigs.pl [-m MD5] [-h SHA256] [-b BODY] [-l LOGICAL] [-s SEED] OUTDIR
use strict;
use warnings;
use Getopt::Std;
use File::Path qw(make_path);

my %opt;
getopts('m:h:b:l:s:', \%opt) or usage();
my $n_md5    = $opt{m} // 2_000_000;
my $n_sha    = $opt{h} // 500_000;
my $n_body   = $opt{b} // 150_000;
my $n_ldb    = $opt{l} // 100_000;
my $seed     = $opt{s} // 20261206;
my $out      = shift @ARGV or usage();
/^\d+$/ or die "sigs.pl: counts are whole numbers\n" for $n_md5, $n_sha, $n_body, $n_ldb;

sub usage { die "usage: sigs.pl [-m MD5] [-h SHA256] [-b BODY] [-l LOGICAL] [-s SEED] OUTDIR\n" }

srand($seed);
make_path($out);

# hex(N) - N random bytes as lower-case hex
sub hex_bytes {
    my ($n) = @_;
    my $s = '';
    $s .= sprintf('%08x', int(rand(4294967296))) for 1 .. int(($n + 3) / 4);
    return substr($s, 0, 2 * $n);
}

# a file size as ClamAV's hash signatures carry them: 1 KB to 16 MB, log-uniform
sub size { int(1024 * 16384**rand()) }

sub open_out {
    my ($name) = @_;
    open(my $fh, '>', "$out/$name") or die "sigs.pl: $out/$name: $!\n";
    return $fh;
}

sub close_out {
    my ($fh, $name) = @_;
    close($fh) or die "sigs.pl: $out/$name: $!\n";
}

my $fh = open_out('bench-md5.hdb');
printf $fh "%s:%d:Bench.Hash.Md5-%07d\n", hex_bytes(16), size(), $_ for 1 .. $n_md5;
close_out($fh, 'bench-md5.hdb');

$fh = open_out('bench-sha256.hsb');
printf $fh "%s:%d:Bench.Hash.Sha256-%07d\n", hex_bytes(32), size(), $_ for 1 .. $n_sha;
close_out($fh, 'bench-sha256.hsb');

# targets: signatures for Windows executables (target 1) are the great majority of
# ClamAV's database and cost nothing on mail without executables; here 94 % PE, 2 %
# any file, 2 % HTML, 2 % normalised text.  Only those last three apply to mail, and
# they set the cost of a scan per MB: with 10 % of them any file, random patterns
# made a scan of random bytes 10 times slower (1.3 MB/s in clamscan) than with the
# hash signatures alone; with these 2 % it is of the order of ClamAV's database
my @TARGETS = ((1) x 47, 0, 3, 7);

# body - a body pattern: static runs of 8-24 random bytes, in 30 % of them two runs
# joined by a wildcard
sub body {
    my $parts = rand() < 0.3 ? 2 : 1;
    my $s = hex_bytes(8 + int(rand(17)));
    for (2 .. $parts) {
        my $r = rand();
        my $gap = $r < 0.3 ? '??' x (1 + int(rand(4)))
                : $r < 0.6 ? sprintf('{%d-%d}', 1 + int(rand(8)), 9 + int(rand(64)))
                : $r < 0.8 ? '*'
                :            sprintf('(%s|%s)', hex_bytes(1), hex_bytes(1));
        $s .= $gap . hex_bytes(8 + int(rand(17)));
    }
    return $s;
}

# offset - where a body pattern may match, for TARGET (EP+n for executables only)
sub offset {
    my ($target) = @_;
    my $r = rand();
    return '*' if $r < 0.7;
    return int(rand(4096)) if $r < 0.8;
    return int(rand(1024)) . ',' . int(rand(4096)) if $r < 0.88;
    return 'EP+' . int(rand(512)) if $r < 0.95 && ($target == 1 || $target == 6);
    return 'EOF-' . (64 + int(rand(4096)));
}

$fh = open_out('bench-body.ndb');
for my $i (1 .. $n_body) {
    my $t = $TARGETS[int(rand(@TARGETS))];
    # about half static strings without wildcards (ClamAV's Boyer-Moore matcher)
    my $hex = rand() < 0.5 ? hex_bytes(12 + int(rand(29))) : body();
    printf $fh "Bench.Body-%07d:%d:%s:%s\n", $i, $t, offset($t), $hex;
}
close_out($fh, 'bench-body.ndb');

$fh = open_out('bench-logical.ldb');
for my $i (1 .. $n_ldb) {
    my $t = $TARGETS[int(rand(@TARGETS))];
    my $n = 2 + int(rand(2));
    my $expr = $n == 2 ? '0&1' : (rand() < 0.5 ? '0&1&2' : '0&(1|2)');
    my @sub = map { body() } 1 .. $n;
    printf $fh "Bench.Logical-%07d;Engine:51-255,Target:%d;%s;%s\n", $i, $t, $expr, join(';', @sub);
}
close_out($fh, 'bench-logical.ldb');

printf "signatures: %d MD5, %d SHA-256, %d body, %d logical in %s\n", $n_md5, $n_sha, $n_body,
  $n_ldb, $out;
