#!/usr/bin/perl
# corpus.pl - write the benchmark corpus: COUNT (default 300) RFC 5322 messages in
# OUTDIR, the same bytes for the same COUNT and SEED on every run (fixed seed, fixed
# zip timestamps, no clock, no /dev/urandom).  Pure Perl with core modules only.
#
# Usage: bench/corpus.pl [-n COUNT] [-s SEED] [-e EICAR_SH] [-u] OUTDIR
#
# -u: a corpus that never repeats: no campaign burst, so every attachment and every
# member of an archive is unique within the corpus and against any corpus of another
# SEED (the one exception: the 68-byte EICAR file inside the infected messages).
#
# Files are OUTDIR/NNNN-KIND.eml; KIND says what the message is:
#   ordinary (about 80 %):
#     plain    text/plain, 1-60 KB of text
#     alt      multipart/alternative, text and HTML
#     mixed    multipart/mixed with 1-3 attachments (PDF-like, JPEG-like, CSV),
#              each 10 KB to 5 MB (log-skewed: most are small, a few are large)
#     rfc822   a forward: message/rfc822 holding a message with an attachment
#     office   an office-like document (docx/xlsx: a zip of XML and media)
#     zip      a zip of text and binary files
#   campaign (about 15 %, one burst of consecutive messages): the same 300 KB
#     invoice zip in every message, the text around it different
#   infected (about 5 %): the EICAR test string (from tests/samples/eicar.sh, never
#     real malware) in a zip, in a zip in a zip, in a zip inside a forwarded
#     message/rfc822, or as a plain attachment
# Every address is in example.com.  OUTDIR/MANIFEST lists file, kind and size.
use strict;
use warnings;
use Getopt::Std;
use MIME::Base64 qw(encode_base64);
use IO::Compress::Zip qw($ZipError :zip_method);
use File::Basename qw(dirname);
use File::Path qw(make_path);

my %opt;
getopts('n:s:e:u', \%opt) or usage();
my $count = $opt{n} // 300;
my $seed  = $opt{s} // 20261126;
my $unique = $opt{u};
my $out   = shift @ARGV or usage();
my $eicar_sh = $opt{e} // dirname(__FILE__) . '/../tests/samples/eicar.sh';
$count =~ /^\d+$/ && $count >= 20 or die "corpus.pl: -n wants a count of 20 or more\n";

sub usage { die "usage: corpus.pl [-n COUNT] [-s SEED] [-e EICAR_SH] [-u] OUTDIR\n" }

my $eicar = `sh '$eicar_sh'`;
length($eicar) == 68 or die "corpus.pl: $eicar_sh did not print the 68-byte EICAR string\n";

srand($seed);
make_path($out);

# 8 MB of pseudo-random bytes; binary attachments are slices of it behind a header
# unique to the message, so no two are alike (distinct SHA-256, no cache hits).
my $POOL = pack('N*', map { int(rand(4294967296)) } 1 .. 2 * 1024 * 1024);

my @WORDS = qw(account invoice meeting quarter report budget review schedule project
  delivery customer contract payment order shipment team update summary figures
  please attached regards thanks monday friday office supplier request approval
  draft final version revenue forecast audit policy travel expense client service);

sub pick { $_[ int(rand(@_)) ] }
sub words { join ' ', map { pick(@WORDS) } 1 .. $_[0] }

# text of about N bytes, lines of 60-75 characters
sub text {
    my ($n) = @_;
    my $t = '';
    while (length($t) < $n) {
        my $l = words(8 + int(rand(4)));
        $t .= ucfirst($l) . ".\n";
    }
    return $t;
}

# size of an attachment: 10 KB to 5 MB, skewed to the small end (median ~50 KB)
sub att_size {
    my $u = rand();
    return int(10_000 * 500**($u * $u));
}

sub binary {
    my ($n, $head) = @_;
    my $off = int(rand(length($POOL) - $n - 1));
    return $head . substr($POOL, $off, $n - length($head));
}

my $ZIPTIME = 1700000000;    # fixed member timestamps: the same zip bytes every run

# zip(name => data, ...) - a deflated zip in memory
sub zip {
    my @m = @_;
    my $buf = '';
    my $z;
    while (@m) {
        my ($name, $data) = splice(@m, 0, 2);
        my %o = (Name => $name, Time => $ZIPTIME, Method => ZIP_CM_DEFLATE, Minimal => 1,
                 exTime => undef);
        if ($z) { $z->newStream(%o) or die $ZipError }
        else { $z = IO::Compress::Zip->new(\$buf, %o) or die $ZipError }
        $z->print($data);
    }
    $z->close;
    return $buf;
}

my $bseq = 0;
sub boundary { sprintf('=_bench_%06d_%04x', ++$bseq, int(rand(65536))) }

sub b64part {
    my ($type, $name, $data) = @_;
    return "Content-Type: $type; name=\"$name\"\n"
      . "Content-Disposition: attachment; filename=\"$name\"\n"
      . "Content-Transfer-Encoding: base64\n\n" . encode_base64($data);
}

sub textpart { "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n$_[0]" }

sub multipart {
    my ($sub, @parts) = @_;
    my $b = boundary();
    my $s = "Content-Type: multipart/$sub; boundary=\"$b\"\n\nThis is a multi-part message in MIME format.\n";
    $s .= "--$b\n$_\n" for @parts;
    return $s . "--$b--\n";
}

sub headers {
    my ($i, $subject, $from) = @_;
    $from //= sprintf('sender%d@example.com', int(rand(500)));
    my $day = 1 + $i % 28;
    return "From: $from\nTo: user" . int(rand(1000)) . "\@example.com\n"
      . "Subject: $subject\n"
      . sprintf("Date: Thu, %02d Nov 2026 10:%02d:%02d +0000\n", $day, $i % 60, ($i * 7) % 60)
      . "Message-ID: <bench-$i-$seed\@example.com>\nMIME-Version: 1.0\n";
}

sub docx {
    my ($i) = @_;
    my $body = join '', map { '<w:p><w:r><w:t>' . words(12) . '</w:t></w:r></w:p>' } 1 .. 50 + int(rand(1500));
    return zip(
        '[Content_Types].xml' => '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        '_rels/.rels' => '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        'word/document.xml' => "<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>$body</w:body></w:document>",
        'word/media/image1.png' => binary(att_size(), "\x89PNG\r\n\x1a\nbench $i\n"));
}

sub xlsx {
    my ($i) = @_;
    my $rows = join '', map { my $r = $_; "<row r=\"$r\">" . join('', map { "<c><v>" . int(rand(100000)) . "</v></c>" } 1 .. 12) . '</row>' } 1 .. 100 + int(rand(3000));
    return zip(
        '[Content_Types].xml' => '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>',
        '_rels/.rels' => '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        'xl/workbook.xml' => '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets><sheet name="Q' . ($i % 4 + 1) . '" sheetId="1"/></sheets></workbook>',
        'xl/worksheets/sheet1.xml' => "<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet><sheetData>$rows</sheetData></worksheet>");
}

# one attachment of a random kind: [type, name, bytes]
sub attachment {
    my ($i, $k) = @_;
    my $r = rand();
    my $n = att_size();
    if ($r < 0.45) { return ['application/pdf', "report-$i-$k.pdf", binary($n, "%PDF-1.4\n% bench $i $k\n")] }
    if ($r < 0.80) { return ['image/jpeg', "photo-$i-$k.jpg", binary($n, "\xff\xd8\xff\xe0\0\x10JFIF\0bench $i $k\n")] }
    return ['text/csv', "data-$i-$k.csv", text($n > 400_000 ? 400_000 : $n)];
}

sub ordinary {
    my ($i) = @_;
    my $r = rand();
    my $h = headers($i, ucfirst(words(4)));
    if ($r < 0.20) {
        return ('plain', $h . "Content-Type: text/plain; charset=utf-8\n\n" . text(1000 + int(rand(60000))));
    }
    if ($r < 0.35) {
        my $t = text(500 + int(rand(20000)));
        (my $html = $t) =~ s/\n/<br>\n/g;
        return ('alt', $h . multipart('alternative', textpart($t),
            "Content-Type: text/html; charset=utf-8\n\n<html><body><p>$html</p></body></html>\n"));
    }
    if ($r < 0.65) {
        my @att = map { attachment($i, $_) } 1 .. 1 + int(rand(3));
        return ('mixed', $h . multipart('mixed', textpart(text(300 + int(rand(3000)))),
            map { b64part(@$_) } @att));
    }
    if ($r < 0.75) {
        my $a = attachment($i, 1);
        my $inner = headers($i + 100000, 'Original: ' . words(3)) . multipart('mixed',
            textpart(text(500 + int(rand(5000)))), b64part(@$a));
        return ('rfc822', $h . multipart('mixed', textpart("Forwarded, see below.\n"),
            "Content-Type: message/rfc822\nContent-Disposition: attachment\n\n$inner"));
    }
    if ($r < 0.90) {
        my ($type, $name, $data) = rand() < 0.6
          ? ('application/vnd.openxmlformats-officedocument.wordprocessingml.document', "minutes-$i.docx", docx($i))
          : ('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', "figures-$i.xlsx", xlsx($i));
        return ('office', $h . multipart('mixed', textpart(text(300 + int(rand(2000)))),
            b64part($type, $name, $data)));
    }
    my $z = zip("notes-$i.txt" => text(2000 + int(rand(200000))),
                "scan-$i.pdf" => binary(att_size(), "%PDF-1.4\n% bench zip $i\n"));
    return ('zip', $h . multipart('mixed', textpart(text(300 + int(rand(2000)))),
        b64part('application/zip', "archive-$i.zip", $z)));
}

# the campaign's attachment: one 300 KB zip, the same bytes in every message
my $campaign_zip = zip('ledger.txt' => text(200_000),
                       'statement.pdf' => binary(250_000, "%PDF-1.4\n% bench campaign\n"));

sub campaign {
    my ($i) = @_;
    my $h = headers($i, "Invoice INV-" . (40000 + $i) . " overdue", 'billing@example.com');
    return ('campaign', $h . multipart('mixed',
        textpart("Dear customer $i,\n\nplease find invoice INV-" . (40000 + $i) . " attached.\n" . text(200 + int(rand(800)))),
        b64part('application/zip', 'invoice.zip', $campaign_zip)));
}

sub infected {
    my ($i) = @_;
    my $h = headers($i, 'Documents ' . words(2));
    my $body = textpart(text(300 + int(rand(1000))));
    my $v = $i % 4;
    # -u: a member unique to the message in every zip, so no zip repeats
    my @own = $unique ? ("note-$i.txt" => text(500)) : ();
    if ($v == 0) {
        return ('infected', $h . multipart('mixed', $body,
            b64part('application/zip', "docs-$i.zip", zip('eicar.com' => $eicar, 'readme.txt' => text(2000), @own))));
    }
    if ($v == 1) {
        my $inner = zip('eicar.com' => $eicar, @own);
        return ('infected', $h . multipart('mixed', $body,
            b64part('application/zip', "outer-$i.zip", zip("inner-$i.zip" => $inner, 'list.txt' => text(5000)))));
    }
    if ($v == 2) {
        my $inner = headers($i + 100000, 'Original docs') . multipart('mixed', textpart(text(800)),
            b64part('application/zip', "docs-$i.zip", zip('eicar.com' => $eicar, @own)));
        return ('infected', $h . multipart('mixed', textpart("Forwarded.\n"),
            "Content-Type: message/rfc822\nContent-Disposition: attachment\n\n$inner"));
    }
    return ('infected', $h . multipart('mixed', $body, b64part('application/octet-stream', 'eicar.com', $eicar)));
}

my $n_campaign = $unique ? 0 : int($count * 0.15);
my $n_infected = int($count * 0.05) || 1;
my $burst_at   = int($count * 0.40);    # the burst: consecutive messages from here
# infected messages spread evenly through the rest
my %infected_at;
for my $k (0 .. $n_infected - 1) {
    my $p = int(($k + 0.5) * $count / $n_infected);
    $p++ while ($p >= $burst_at && $p < $burst_at + $n_campaign) || $infected_at{$p};
    $infected_at{$p % $count} = 1;
}

open(my $man, '>', "$out/MANIFEST") or die "corpus.pl: $out/MANIFEST: $!\n";
my %n;
for my $i (0 .. $count - 1) {
    my ($kind, $msg) = $infected_at{$i}                                     ? infected($i)
                     : ($i >= $burst_at && $i < $burst_at + $n_campaign) ? campaign($i)
                     :                                                     ordinary($i);
    my $f = sprintf('%04d-%s.eml', $i + 1, $kind);
    open(my $fh, '>:raw', "$out/$f") or die "corpus.pl: $out/$f: $!\n";
    print $fh $msg;
    close($fh) or die "corpus.pl: $out/$f: $!\n";
    printf $man "%s %s %d\n", $f, $kind, length($msg);
    $n{$kind}++;
    $n{bytes} += length($msg);
}
close($man);
printf "corpus: %d messages, %.1f MB in %s (%s)\n", $count, $n{bytes} / 1e6, $out,
  join(', ', map { "$_ $n{$_}" } grep { $_ ne 'bytes' } sort keys %n);
