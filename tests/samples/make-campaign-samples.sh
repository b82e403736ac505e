#!/bin/sh
# make-campaign-samples.sh [--ham] OUTDIR - build the harmless look-alikes of the
# campaign and generic heuristics (policies/) into OUTDIR, after campaigns.md §5.
#
#   make-campaign-samples.sh OUTDIR
#       OUTDIR/*.eml       one message per case
#       OUTDIR/expect.tsv  what each message must do, one line per check:
#                            FILE <TAB> hit|miss <TAB> RULE_ID [<TAB> SCAN ARGS]
#                          "hit": the scan lists RULE_ID among its hits; "miss":
#                          it does not.  SCAN ARGS are extra "mailvet scan"
#                          options (the envelope: --auth, --client, --sender,
#                          --rcpt), words separated by spaces.
#   make-campaign-samples.sh --ham OUTDIR
#       OUTDIR/ham-NNN.eml  at least 200 ordinary messages (plain, HTML,
#                           alternative, replies, invoices with PDFs, photos,
#                           calendar invitations, zips of documents, several
#                           languages) that every policy must leave below the
#                           tag threshold.
#
# Every sample is inert: each carries the string INERT-TEST-FIXTURE, names only
# example.com, example.net and *.invalid, holds executables as stubs (magic bytes
# and zeros, no code, no sections, no entry point) and scripts that are comments
# only.  No malware, no EICAR (that is tests/samples/eicar.sh's job).
# JPEGs are real (cjpeg), PDFs are real one-page documents, OOXML files are
# minimal but well-formed packages.  Output is deterministic: fixed dates, a
# fixed pseudo-random sequence, pinned archive timestamps.
# Needs: perl (Compress::Zlib ships with it), zip, 7z (p7zip-full), genisoimage,
# cjpeg (libjpeg-turbo-progs), gzip, tar, gcab, arj.  Exit 0 on success.
set -eu

ham=
if [ "${1:-}" = "--ham" ]; then
    ham=yes
    shift
fi
if [ $# -ne 1 ]; then
    echo "usage: make-campaign-samples.sh [--ham] OUTDIR" >&2
    exit 1
fi
for tool in perl zip 7z genisoimage cjpeg gzip tar gcab arj; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "make-campaign-samples.sh: $tool not found" >&2
        exit 1
    fi
done
perl -MCompress::Zlib -e 1 2>/dev/null || {
    echo "make-campaign-samples.sh: perl's Compress::Zlib is missing" >&2
    exit 1
}
mkdir -p "$1"
out=$(cd "$1" && pwd)
export TZ=UTC LC_ALL=C
exec perl -x "$0" ${ham:+--ham} "$out"

#!perl
use strict;
use warnings;
use utf8;
use Compress::Zlib qw(crc32 compress);
use MIME::Base64 qw(encode_base64);
use Encode qw(encode decode);
use File::Path qw(make_path remove_tree);

my $ham = 0;
if (@ARGV && $ARGV[0] eq '--ham') { $ham = 1; shift @ARGV; }
my $out = shift @ARGV or die "usage";
my $tmp = "$out/.tmp";
remove_tree($tmp);
make_path($tmp);
chdir $out or die "$out: $!";
my $MARK = 'INERT-TEST-FIXTURE';

# ---------------------------------------------------------------------------
# little helpers

sub slurp { my ($f) = @_; open my $fh, '<:raw', $f or die "$f: $!"; local $/; my $d = <$fh>; $d }
sub spit { my ($f, $d) = @_; open my $fh, '>:raw', $f or die "$f: $!"; print $fh $d; close $fh or die "$f: $!" }
sub run { system(@_) == 0 or die "make-campaign-samples: '@_' failed\n" }

# deterministic pseudo-random numbers (a 31-bit LCG; same on every platform)
my $seed = 20200608;
sub rnd { my ($n) = @_; $seed = ($seed * 1103515245 + 12345) % 2147483648; return int(($seed / 2147483648) * $n) }
sub pick { my @l = @_; return $l[rnd(scalar @l)] }

# a fresh empty directory under .tmp
my $dirno = 0;
sub tmpdir { my $d = "$tmp/d" . ++$dirno; make_path($d); return $d }
# write FILES (name => bytes) in a fresh directory with pinned mtimes
sub stage {
    my @files = @_;
    my $d = tmpdir();
    while (my ($n, $b) = splice(@files, 0, 2)) {
        my $p = "$d/$n";
        (my $dir = $p) =~ s{/[^/]*$}{};
        make_path($dir);
        spit($p, $b);
        utime(1577836800, 1577836800, $p);
    }
    return $d;
}

# ---------------------------------------------------------------------------
# stubs and real documents

# PE stub (§5.1): MZ, e_lfanew 64, "PE\0\0", zeros; no sections, no entry point
sub pe_stub {
    my ($dotnet) = @_;
    my $b = "MZ" . ("\0" x 58) . pack('V', 64) . "PE\0\0" . ("\0" x 188) . $MARK;
    $b .= "\0mscoree.dll\0_CorExeMain\0" if $dotnet;
    return $b . ("\0" x 256);
}
sub elf_stub   { "\x7fELF\x02\x01\x01" . ("\0" x 57) . $MARK . ("\0" x 64) }
sub macho_stub { "\xcf\xfa\xed\xfe" . ("\0" x 60) . $MARK . ("\0" x 64) }
sub xar_stub   { "xar!" . ("\0" x 60) . $MARK . ("\0" x 64) }
sub lnk_stub   { pack('H*', '4c0000000114020000000000c000000000000046') . ("\0" x 56) . $MARK . ("\0" x 64) }

# a real one-page PDF showing LINES (ASCII)
sub pdf {
    my @lines = @_;
    my $text = "BT /F1 11 Tf 56 780 Td 14 TL\n";
    for my $l (@lines, $MARK) { (my $e = $l) =~ s/([()\\])/\\$1/g; $text .= "($e) '\n" }
    $text .= "ET\n";
    my @obj = (
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        "<< /Length " . length($text) . " >>\nstream\n$text\nendstream",
        "<< /Title ($lines[0]) /Producer (mailvet test fixture) >>",
    );
    my $pdf = "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n";
    my @off;
    for my $i (0 .. $#obj) { push @off, length $pdf; $pdf .= ($i + 1) . " 0 obj\n$obj[$i]\nendobj\n" }
    my $x = length $pdf;
    $pdf .= "xref\n0 " . (@obj + 1) . "\n0000000000 65535 f \n";
    $pdf .= sprintf("%010d 00000 n \n", $_) for @off;
    $pdf .= "trailer\n<< /Size " . (@obj + 1) . " /Root 1 0 R /Info 6 0 R >>\nstartxref\n$x\n%%EOF\n";
    return $pdf;
}

# a real JPEG (JFIF, cjpeg) of a W x H gradient; VARIANT changes the colours
sub jpeg {
    my ($w, $h, $variant) = @_;
    my $ppm = "P6\n$w $h\n255\n";
    for my $y (0 .. $h - 1) {
        for my $x (0 .. $w - 1) {
            $ppm .= pack('C3', ($x * 255 / $w + $variant * 40) % 256, ($y * 255 / $h) % 256,
                         (($x + $y) * 3 + $variant * 70) % 256);
        }
    }
    spit("$tmp/in.ppm", $ppm);
    run("cjpeg -quality 80 -outfile $tmp/out.jpg $tmp/in.ppm");
    return slurp("$tmp/out.jpg");
}

# zip (stored, written here; UTF-8 names flagged); MEMBERS: name => bytes, ...
sub zipfile {
    my @m = @_;
    my ($local, $central, $n) = ('', '', 0);
    my $dostime = (40 << 25) | (1 << 21) | (1 << 16);    # 2020-01-01 00:00
    while (my ($name, $data) = splice(@m, 0, 2)) {
        my $nb = encode('UTF-8', $name);
        my $flag = ($nb =~ /[\x80-\xff]/) ? 0x0800 : 0;
        my $crc = crc32($data);
        my $off = length $local;
        $local .= pack('VvvvVVVVvv', 0x04034b50, 20, $flag, 0, $dostime, $crc, length $data, length $data,
                       length $nb, 0) . $nb . $data;
        $central .= pack('VvvvvVVVVvvvvvVV', 0x02014b50, 20, 20, $flag, 0, $dostime, $crc, length $data,
                         length $data, length $nb, 0, 0, 0, 0, 0x20, $off) . $nb;
        $n++;
    }
    return $local . $central . pack('VvvvvVVv', 0x06054b50, 0, 0, $n, $n, length $central, length $local, 0);
}
# zip -P PASSWORD (ZipCrypto) with the zip tool
sub zip_encrypted {
    my ($pw, @m) = @_;
    my $d = stage(@m);
    my @names; for (my $i = 0; $i < @m; $i += 2) { push @names, $m[$i] }
    run('sh', '-c', 'cd "$1" && shift && zip -q -X -P "$@"', 'sh', $d, $pw, "$d.zip", @names);
    return slurp("$d.zip");
}
sub sevenzip {
    my @m = @_;
    my $d = stage(@m);
    my @names; for (my $i = 0; $i < @m; $i += 2) { push @names, $m[$i] }
    run('sh', '-c', 'cd "$1" && shift && 7z a -bd -y "$@" > /dev/null', 'sh', $d, "$d.7z", @names);
    return slurp("$d.7z");
}
sub targz {
    my @m = @_;
    my $d = stage(@m);
    my @names; for (my $i = 0; $i < @m; $i += 2) { push @names, $m[$i] }
    run('sh', '-c', 'cd "$1" && shift && tar --owner=0 --group=0 --mtime=2020-01-01 -cf - "$@" | gzip -n -9 > "$0"',
        "$d.tgz", $d, @names);
    return slurp("$d.tgz");
}
# gzip of one file: FNAME is NAME
sub gz1 {
    my ($name, $data) = @_;
    my $d = stage($name, $data);
    run('sh', '-c', 'cd "$1" && gzip -9 -c "$2" > "$1.gz"', 'sh', $d, $name);
    return slurp("$d.gz");
}
sub iso {
    my @m = @_;
    my $d = stage(@m);
    run('sh', '-c', 'genisoimage -quiet -J -r -V FIXTURE -o "$1" "$2" 2>/dev/null', 'sh', "$d.iso", $d);
    return slurp("$d.iso");
}
sub cab {
    my @m = @_;
    my $d = stage(@m);
    my @names; for (my $i = 0; $i < @m; $i += 2) { push @names, $m[$i] }
    run('sh', '-c', 'cd "$1" && shift && gcab -c -n "$@"', 'sh', $d, "$d.cab", @names);
    return slurp("$d.cab");
}
sub arjfile {
    my @m = @_;
    my $d = stage(@m);
    my @names; for (my $i = 0; $i < @m; $i += 2) { push @names, $m[$i] }
    run('sh', '-c', 'cd "$1" && shift && arj a -y -i "$@" > /dev/null', 'sh', $d, "$d.arj", @names);
    return slurp("$d.arj");
}
# RAR 4 with one stored file (the layout of tests/containers.sh mk_rar)
sub rarfile {
    my ($name, $data) = @_;
    my $block = sub {
        my ($type, $flags, $body) = @_;
        my $h = pack('Cvv', $type, $flags, 7 + length $body) . $body;
        return pack('v', crc32($h) & 0xffff) . $h;
    };
    my $dostime = (40 << 25) | (1 << 21) | (1 << 16);
    my $r = "Rar!\x1a\x07\x00" . $block->(0x73, 0, pack('vV', 0, 0));
    $r .= $block->(0x74, 0x8000, pack('VVCVVCCvV', length $data, length $data, 2, crc32($data), $dostime,
                                      20, 0x30, length $name, 0x20) . $name) . $data;
    return $r . $block->(0x7b, 0x4000, '');
}
# ACE 2.0 with one stored file (the layout of tests/containers.sh mk_ace)
sub acefile {
    my ($name, $data) = @_;
    my $acecrc = sub { (~crc32($_[0])) & 0xffffffff };
    my $block = sub { my ($b) = @_; pack('vv', $acecrc->($b) & 0xffff, length $b) . $b };
    my $dostime = (40 << 25) | (1 << 21) | (1 << 16);
    my $a = $block->(pack('Cv', 0, 0) . '**ACE**' . pack('CCCCV', 20, 20, 2, 0, $dostime) . ("\0" x 8));
    $a .= $block->(pack('CvVVVVV', 1, 1, length $data, length $data, $dostime, 0x20, $acecrc->($data))
                   . pack('CCvvv', 0, 0, 0, 0, length $name) . $name) . $data;
    return $a;
}

# OOXML packages
sub xml_esc { my ($s) = @_; $s =~ s/&/&amp;/g; $s =~ s/</&lt;/g; $s =~ s/>/&gt;/g; $s }
sub docx {
    my ($paras, %o) = @_;
    my $ct = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        . '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        . '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        . '<Default Extension="xml" ContentType="application/xml"/>'
        . ($o{vba} ? '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>' : '')
        . '<Override PartName="/word/document.xml" ContentType="application/vnd.'
        . ($o{vba} ? 'ms-word.document.macroEnabled.main+xml' : 'openxmlformats-officedocument.wordprocessingml.document.main+xml')
        . '"/></Types>';
    my $rels = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        . '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        . '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
        . '</Relationships>';
    my $body = join '', map { '<w:p><w:r><w:t>' . xml_esc($_) . '</w:t></w:r></w:p>' } (@$paras, $MARK);
    my $doc = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        . '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
        . $body . '</w:body></w:document>';
    my @m = ('[Content_Types].xml' => $ct, '_rels/.rels' => $rels, 'word/document.xml' => encode('UTF-8', $doc));
    if ($o{vba}) {
        my $docrels = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            . '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            . '<Relationship Id="rId9" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" Target="vbaProject.bin"/>'
            . '</Relationships>';
        # structural stand-in (§5.5): CFB magic, zeros, the stream names as strings
        my $vba = pack('H*', 'd0cf11e0a1b11ae1') . ("\0" x 504) . encode('UTF-16LE', '_VBA_PROJECT')
            . ("\0" x 16) . "Attribute VB_Name = \"ThisDocument\"\r\nSub AutoOpen()\r\n' $MARK\r\n"
            . "' WScript.Shell\r\nEnd Sub\r\n" . ("\0" x 128);
        push @m, 'word/_rels/document.xml.rels' => $docrels, 'word/vbaProject.bin' => $vba;
    }
    return zipfile(@m);
}
sub xlsx {
    my ($rows, %o) = @_;
    my $macro = $o{xlm};
    my $ct = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        . '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        . '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        . '<Default Extension="xml" ContentType="application/xml"/>'
        . '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.'
        . ($macro ? 'ms-excel.sheet.macroEnabled.main+xml' : 'openxmlformats-officedocument.spreadsheetml.sheet.main+xml') . '"/>'
        . '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        . ($macro ? '<Override PartName="/xl/macrosheets/sheet1.xml" ContentType="application/vnd.ms-excel.macrosheet+xml"/>' : '')
        . '</Types>';
    my $rels = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        . '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        . '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        . '</Relationships>';
    my $wb = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        . '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        . '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/>'
        . ($macro ? '<sheet name="Macro1" sheetId="2" r:id="rId2"/>' : '') . '</sheets>'
        . ($macro ? '<definedNames><definedName name="_xlnm.Auto_Open" hidden="1">Macro1!$A$1</definedName></definedNames>' : '')
        . '</workbook>';
    my $wbrels = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        . '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        . '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        . ($macro ? '<Relationship Id="rId2" Type="http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet" Target="macrosheets/sheet1.xml"/>' : '')
        . '</Relationships>';
    my $r = 0;
    my $data = '';
    for my $row (@$rows, [$MARK]) {
        $r++;
        $data .= "<row r=\"$r\">" . join('', map { '<c t="inlineStr"><is><t>' . xml_esc($_) . '</t></is></c>' } @$row) . '</row>';
    }
    my $sheet = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        . '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        . $data . '</sheetData></worksheet>';
    my @m = ('[Content_Types].xml' => $ct, '_rels/.rels' => $rels, 'xl/workbook.xml' => $wb,
             'xl/_rels/workbook.xml.rels' => $wbrels, 'xl/worksheets/sheet1.xml' => encode('UTF-8', $sheet));
    if ($macro) {
        # §5.5: a macro sheet whose only formulas are ALERT and HALT
        my $ms = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            . '<xm:macrosheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            . 'xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><sheetData>'
            . "<row r=\"1\"><c r=\"A1\"><f>ALERT(\"$MARK\")</f></c></row>"
            . '<row r="2"><c r="A2"><f>HALT()</f></c></row></sheetData></xm:macrosheet>';
        push @m, 'xl/macrosheets/sheet1.xml' => $ms;
    }
    return zipfile(@m);
}

# RTF (§5.4)
sub rtf_equation {
    my ($style) = @_;
    my $hex = 'd0cf11e0a1b11ae1 0000000000000000 02ce020000000000c000000000000046 00000000';
    if ($style && $style eq 'split') {
        $hex = join("\n", map { join(' ', split //, $_) } split / /, $hex);
    }
    return "{\\rtf1\\ansi ${MARK}{\\object\\objemb\\objupdate{\\*\\objclass Equation.3}\\objw1\\objh1\n"
        . "{\\*\\objdata $hex}}}\n";
}
sub rtf_plain {
    my ($text) = @_;
    return "{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Times New Roman;}}\n\\pard $text\\par\n\\pard $MARK\\par\n}\n";
}

# ---------------------------------------------------------------------------
# messages

my $msgno = 0;
sub b64 { my ($b) = @_; return encode_base64($b) }
sub enc_header {
    my ($s) = @_;
    return $s unless $s =~ /[^\x20-\x7e]/;
    # encoded words of at most 12 characters each, never splitting a character
    my @w;
    while (length $s) { push @w, '=?UTF-8?B?' . encode_base64(encode('UTF-8', substr($s, 0, 12, '')), '') . '?=' }
    return join("\n ", @w);
}
sub enc_addr {
    my ($s) = @_;
    return $s unless $s =~ /^(.*?)\s*(<[^>]*>)$/;
    my ($name, $addr) = ($1, $2);
    return $s unless $name =~ /[^\x20-\x7e]/;
    return enc_header($name) =~ s/\n / /gr . " $addr";
}
sub name_params {
    my ($name) = @_;
    if ($name =~ /[^\x20-\x7e]/ || $name =~ /["\\]/) {
        my $pct = join '', map { /[A-Za-z0-9._-]/ ? $_ : sprintf('%%%02X', ord) } split //, encode('UTF-8', $name);
        return (sprintf('name="%s"', enc_header($name) =~ s/\n //gr), "filename*=UTF-8''$pct");
    }
    return ("name=\"$name\"", "filename=\"$name\"");
}
sub text_part {
    my ($type, $text) = @_;
    my $b = encode('UTF-8', $text);
    if ($b =~ /[\x80-\xff]/ || $b =~ /^.{900}/m) {
        return "Content-Type: $type; charset=utf-8\nContent-Transfer-Encoding: base64\n\n" . b64($b);
    }
    $b .= "\n" unless $b =~ /\n\z/;
    return "Content-Type: $type; charset=us-ascii\nContent-Transfer-Encoding: 7bit\n\n" . $b;
}
# eml FILE, subject => S, body => TEXT, html => HTML, atts => [[BYTES, NAME, TYPE, DISP], ...],
#   from, to, date, headers => [LINES], related => inline HTML parts
sub eml {
    my ($file, %m) = @_;
    $msgno++;
    my $from = $m{from} // 'Sample Sender <sender@example.com>';
    my $to = $m{to} // 'Sample Recipient <recipient@example.com>';
    my $date = $m{date} // sprintf('Wed, %02d Jan 2020 %02d:%02d:00 +0000', 1 + $msgno % 28, 8 + $msgno % 10, $msgno % 60);
    my $rp = $from =~ /<([^>]+)>/ ? $1 : $from;
    my $h = "Return-Path: <" . $rp . ">\n"
        . "Received: from client.example.net (client.example.net [192.0.2.25])\n\tby mx.example.com with ESMTP; $date\n"
        . "From: " . enc_addr($from) . "\nTo: " . enc_addr($to) . "\n"
        . "Subject: " . enc_header($m{subject} // '') . "\nDate: $date\n"
        . "Message-ID: <fixture.$msgno." . ($file =~ s/[^A-Za-z0-9]/./gr) . "\@example.com>\n"
        . "X-Fixture: $MARK\n";
    $h .= "$_\n" for @{ $m{headers} // [] };
    $h .= "MIME-Version: 1.0\n";
    my $bodypart;
    my $text = $m{body};
    if (defined $m{html} && defined $text) {
        my $b = "=_alt_$msgno";
        $bodypart = "Content-Type: multipart/alternative; boundary=\"$b\"\n\n"
            . "--$b\n" . text_part('text/plain', $text) . "--$b\n" . text_part('text/html', $m{html}) . "--$b--\n";
    } elsif (defined $m{html}) {
        $bodypart = text_part('text/html', $m{html});
    } else {
        $bodypart = text_part('text/plain', $text // '');
    }
    my @atts = @{ $m{atts} // [] };
    my $msg;
    if (@atts) {
        my $b = "=_mixed_$msgno";
        $msg = $h . "Content-Type: multipart/mixed; boundary=\"$b\"\n\nThis is a multi-part message in MIME format.\n"
            . "--$b\n" . $bodypart;
        for my $a (@atts) {
            my ($bytes, $name, $type, $disp) = @$a;
            $bytes = encode('UTF-8', $bytes) if $bytes =~ /[^\x00-\xff]/;
            $type //= 'application/octet-stream';
            $disp //= 'attachment';
            my ($np, $fp) = name_params($name);
            if ($type eq 'message/rfc822') {    # never base64 (RFC 2046 5.2.1)
                $msg .= "--$b\nContent-Type: $type\nContent-Transfer-Encoding: 7bit\n"
                    . "Content-Disposition: $disp; $fp\n\n" . $bytes;
                next;
            }
            $msg .= "--$b\nContent-Type: $type; $np\nContent-Transfer-Encoding: base64\n"
                . "Content-Disposition: $disp; $fp\n\n" . b64($bytes);
        }
        $msg .= "--$b--\n";
    } else {
        $msg = $h . $bodypart;
    }
    spit($file, encode('UTF-8', $msg) =~ s/\n/\n/gr);    # headers are ASCII already
}

my @expect;
sub expect { my ($file, $kind, $rule, $args) = @_; push @expect, join("\t", $file, $kind, $rule, $args // ()) }

my $sigblock = "\n\nBest regards,\n\nJordan Fixture\nSales Department\nFixture Trading Co. Ltd\n"
    . "Tel: +1 555 0100  Fax: +1 555 0101\nhttps://www.example.com\n\n-- $MARK\n";

if ($ham) { build_ham(); } else { build_campaign(); }
remove_tree($tmp);
exit 0;

# ---------------------------------------------------------------------------
sub build_campaign {
    # --- Avaddon wave 1 (§5.2) --------------------------------------------
    my $js = "// $MARK: comments only, nothing executes\n"
        . "// markers: WScript.Shell powershell bitsadmin /transfer %TEMP%\n"
        . "// url: http://payload.example.invalid/fixture.bin\n";
    my $avzip = zipfile('IMG123456.jpg.js' => $js);
    eml('avaddon-wave1.eml', subject => 'Is this your photo?', body => ';)',
        atts => [[$avzip, 'IMG123456.jpg.js.zip', 'application/zip']]);
    expect('avaddon-wave1.eml', 'hit', $_) for qw(AVADDON_PHOTO_LURE AVADDON_SMILEY_BODY AVADDON_IMG_JS_NAME
        AVADDON_JS_IN_ZIP AVADDON_CAMPAIGN DOUBLE_EXTENSION EXEC_IN_ARCHIVE SCRIPT_DOWNLOADER_STRINGS);
    expect('avaddon-wave1.eml', 'miss', $_) for qw(EMOTICON_ONLY_SUBJECT AVADDON_XLM_NOTICE NEGASTEAL_BUSINESS_LURE);
    # the same zip, no lure: the structure alone reaches the campaign threshold
    eml('avaddon-logs.eml', subject => 'logs', body => "See attached logs\n",
        atts => [[$avzip, 'IMG123456.jpg.js.zip', 'application/zip']]);
    expect('avaddon-logs.eml', 'hit', $_) for qw(AVADDON_IMG_JS_NAME AVADDON_JS_IN_ZIP DOUBLE_EXTENSION);
    expect('avaddon-logs.eml', 'miss', $_) for qw(AVADDON_CAMPAIGN AVADDON_SMILEY_BODY AVADDON_PHOTO_LURE);
    # emoticon subject and body (the 2019 GandCrab wave); the JS loose, not zipped
    my $js2019 = "// $MARK: comments only\n// WScript.Shell powershell -enc DownloadFile %TEMP%\n";
    eml('avaddon-emoticon.eml', subject => ';-)', body => ":)\n",
        atts => [[zipfile('IMG0123_2018-JPG.js' => $js2019), 'IMG0123_2018-JPG.zip', 'application/zip']]);
    expect('avaddon-emoticon.eml', 'hit', $_) for qw(EMOTICON_ONLY_SUBJECT AVADDON_SMILEY_BODY AVADDON_IMG_JS_NAME
        AVADDON_CAMPAIGN SCRIPT_DOWNLOADER_STRINGS);
    # near misses: a real holiday photo with the same lure and a wink
    my $photo = jpeg(96, 64, 1);
    eml('avaddon-realphoto.eml', subject => 'Is this your photo?', body => ';)',
        atts => [[$photo, 'IMG_1234.JPG', 'image/jpeg']]);
    expect('avaddon-realphoto.eml', 'hit', 'AVADDON_PHOTO_LURE');
    expect('avaddon-realphoto.eml', 'hit', 'AVADDON_SMILEY_BODY');
    expect('avaddon-realphoto.eml', 'miss', $_) for qw(AVADDON_IMG_JS_NAME AVADDON_JS_IN_ZIP AVADDON_CAMPAIGN
        DOUBLE_EXTENSION EXEC_IN_ARCHIVE EXEC_MAGIC_MISMATCH);
    # the lure padded with spaces before its wink: still a hit
    eml('avaddon-padded.eml', subject => 'Re: Look at this photo' . (' ' x 5000) . ';)', body => ';)',
        atts => [[$photo, 'IMG_1234.JPG', 'image/jpeg']]);
    expect('avaddon-padded.eml', 'hit', 'AVADDON_PHOTO_LURE');
    eml('photo-wink-reply.eml', subject => 'Lunch on Friday :)', body => "Sure, see you there ;) I'll bring the photos.\n",
        atts => [[jpeg(64, 48, 2), 'IMG_20200104_121314.jpg', 'image/jpeg']]);
    expect('photo-wink-reply.eml', 'miss', $_) for qw(AVADDON_SMILEY_BODY EMOTICON_ONLY_SUBJECT AVADDON_PHOTO_LURE);
    # a zip of photos (jpg, not js) with the photo lure
    eml('photo-zip.eml', subject => 'My favourite photo', body => ";)\n",
        atts => [[zipfile('IMG123456.jpg' => jpeg(48, 48, 3)), 'IMG123456.jpg.zip', 'application/zip']]);
    expect('photo-zip.eml', 'miss', $_) for qw(AVADDON_IMG_JS_NAME AVADDON_JS_IN_ZIP AVADDON_CAMPAIGN DOUBLE_EXTENSION);

    # --- Avaddon wave 2: XLM macro in "Official notification.zip" (§5.5) -----
    my $xlsm = xlsx([['Ispettorato Nazionale del Lavoro'], ['Avviso']], xlm => 1);
    eml('avaddon-xlm.eml', subject => 'Notifica ufficiale: violazione', body => "In allegato la notifica ufficiale.\n",
        atts => [[zipfile('notifica_8812.xlsm' => $xlsm), 'Official notification.zip', 'application/zip']]);
    expect('avaddon-xlm.eml', 'hit', 'OFFICE_XLM_MACRO');
    expect('avaddon-xlm.eml', 'hit', 'AVADDON_XLM_NOTICE');
    expect('avaddon-xlm.eml', 'hit', 'OFFICE_XLM_AUTO_OPEN');
    eml('xlm-budget.eml', subject => 'budget macros', body => "The macro workbook we talked about.\n",
        atts => [[$xlsm, 'budget_tools.xlsm', 'application/vnd.ms-excel.sheet.macroEnabled.12']]);
    expect('xlm-budget.eml', 'hit', 'OFFICE_XLM_MACRO');
    expect('xlm-budget.eml', 'miss', 'AVADDON_XLM_NOTICE');
    eml('notice-pdf.eml', subject => 'Avviso: ispezione programmata', body => "Gentile cliente, in allegato l'avviso.\n",
        atts => [[zipfile('avviso.pdf' => pdf('Avviso di ispezione', 'Ispettorato, 1 luglio 2020')),
                  'Official notification.zip', 'application/zip']]);
    expect('notice-pdf.eml', 'miss', $_) for qw(AVADDON_XLM_NOTICE OFFICE_XLM_MACRO);

    # --- NEGASTEAL (§5.3) ------------------------------------------------------
    my $lure_body = "Dear Sir/Madam,\n\nPlease find attached our RFQ for new order 117 and quote your best price "
        . "and delivery time.\n注文書を添付いたします。" . $sigblock;
    my $dotnet = pe_stub(1);
    my %arch = (
        zip => [zipfile('RFQ_2024-117.exe' => $dotnet), 'application/zip'],
        rar => [rarfile('RFQ_2024-117.exe', $dotnet), 'application/vnd.rar'],
        '7z' => [sevenzip('RFQ_2024-117.exe' => $dotnet), 'application/x-7z-compressed'],
        iso => [iso('RFQ_2024-117.exe' => $dotnet), 'application/x-iso9660-image'],
        img => [iso('RFQ_2024-117.exe' => $dotnet), 'application/octet-stream'],
        gz => [gz1('RFQ_2024-117.exe', $dotnet), 'application/gzip'],
    );
    for my $ext (sort keys %arch) {
        my $f = "negasteal-rfq-$ext.eml";
        eml($f, subject => 'RFQ: new order 117 / 注文書', body => $lure_body,
            from => 'Procurement <purchase@example.net>',
            atts => [[$arch{$ext}[0], "RFQ_2024-117.$ext", $arch{$ext}[1]]]);
        expect($f, 'hit', $_) for qw(NEGASTEAL_BUSINESS_LURE NEGASTEAL_ARCHIVE_EXECUTABLE EXEC_IN_ARCHIVE
            EXECUTABLE_PRESENT);
        # libclamav ignores gzip's FNAME: the member of the .gz has no name
        expect($f, 'hit', 'NEGASTEAL_DOC_NAMED_EXECUTABLE') unless $ext eq 'gz';
    }
    expect('negasteal-rfq-zip.eml', 'hit', $_) for qw(DOTNET_PE NEGASTEAL_DOTNET_PAYLOAD);
    expect('negasteal-rfq-iso.eml', 'hit', 'DISK_IMAGE_ATTACHMENT');
    expect('negasteal-rfq-img.eml', 'hit', 'DISK_IMAGE_ATTACHMENT');
    # the same lure with a real PDF
    eml('negasteal-rfq-pdf.eml', subject => 'RFQ: new order 117 / 注文書', body => $lure_body,
        from => 'Procurement <purchase@example.net>',
        atts => [[pdf('Request for quotation RFQ 2024-117', 'Item 1: 200 pcs flange DN50', 'Item 2: 40 pcs valve'),
                  'RFQ_2024-117.pdf', 'application/pdf']]);
    expect('negasteal-rfq-pdf.eml', 'hit', 'NEGASTEAL_BUSINESS_LURE');
    expect('negasteal-rfq-pdf.eml', 'miss', $_) for qw(NEGASTEAL_ARCHIVE_EXECUTABLE EXEC_IN_ARCHIVE EXECUTABLE_PRESENT
        NEGASTEAL_DOC_NAMED_EXECUTABLE NEGASTEAL_DOTNET_PAYLOAD EXEC_ATTACHMENT DOUBLE_EXTENSION);
    # plain (not .NET) PE in a zip: the purchase-order lure (§3.1 EXEC_IN_ARCHIVE fixture)
    eml('po-zip-exe.eml', subject => 'Purchase order 4500012345', body => "Hello,\n\nplease see the PO attached.$sigblock",
        atts => [[zipfile('PO_4500012345.exe' => pe_stub(0)), 'PO_4500012345.zip', 'application/zip']]);
    expect('po-zip-exe.eml', 'hit', $_) for qw(EXEC_IN_ARCHIVE NEGASTEAL_ARCHIVE_EXECUTABLE EXECUTABLE_PRESENT);
    expect('po-zip-exe.eml', 'miss', $_) for qw(NEGASTEAL_DOTNET_PAYLOAD DOTNET_PE);
    # a supplier's zip of spreadsheets
    eml('supplier-sheets.eml', subject => 'Quotation Q-2024-881 and price list',
        body => "Hello,\n\nas requested, our quotation and the updated price list.$sigblock",
        from => 'Supplier Sales <sales@example.net>',
        atts => [[zipfile('pricelist_2024.csv' => "item;price;currency\nflange DN50;12.40;EUR\n# $MARK\n",
                          'Quotation_Q-2024-881.xlsx' => xlsx([['Item', 'Qty', 'Price'], ['Flange DN50', '200', '12.40']]),
                          'stock.xlsx' => xlsx([['Item', 'Stock'], ['Valve', '40']])),
                  'Quotation_Q-2024-881.zip', 'application/zip']]);
    expect('supplier-sheets.eml', 'hit', 'NEGASTEAL_BUSINESS_LURE');
    expect('supplier-sheets.eml', 'miss', $_) for qw(EXEC_IN_ARCHIVE NEGASTEAL_ARCHIVE_EXECUTABLE NESTED_ARCHIVE
        EXECUTABLE_PRESENT DOUBLE_EXTENSION OFFICE_VBA_MACRO OFFICE_XLM_MACRO OFFICE_XLM_AUTO_OPEN);
    # ACE in the shipping genre (§5.3 b)
    eml('negasteal-ace.eml', subject => 'Shipping documents / bill of lading', body => "Dear customer,\n\nthe shipping documents are attached.$sigblock",
        atts => [[acefile('RFQ#0929919882.exe', $dotnet), 'Shipping_Documents.ace', 'application/x-ace-compressed']]);
    expect('negasteal-ace.eml', 'hit', $_) for qw(RARE_ARCHIVE_FORMAT UNPARSEABLE_ARCHIVE NEGASTEAL_ARCHIVE_EXECUTABLE
        EXEC_IN_ARCHIVE);
    # invoice named executable (§5.3 c)
    eml('invoice-pdf-exe.eml', subject => 'Invoice 8841', body => "Please pay the attached invoice.$sigblock",
        atts => [[pe_stub(0), 'Invoice_8841.pdf.exe', 'application/octet-stream']]);
    expect('invoice-pdf-exe.eml', 'hit', $_) for qw(EXEC_ATTACHMENT DOUBLE_EXTENSION NEGASTEAL_DOC_NAMED_EXECUTABLE EXECUTABLE_PRESENT);
    expect('invoice-pdf-exe.eml', 'miss', 'EXEC_MAGIC_MISMATCH');
    eml('invoice-pdf.eml', subject => 'Invoice 8841', body => "Please pay the attached invoice.$sigblock",
        atts => [[pdf('Invoice 8841', 'Total due: 1,250.00 EUR', 'IBAN: XX00 FIXTURE'), 'Invoice_8841.pdf', 'application/pdf']]);
    expect('invoice-pdf.eml', 'hit', 'NEGASTEAL_BUSINESS_LURE');
    expect('invoice-pdf.eml', 'miss', $_) for qw(EXEC_ATTACHMENT DOUBLE_EXTENSION NEGASTEAL_DOC_NAMED_EXECUTABLE
        EXECUTABLE_PRESENT EXEC_MAGIC_MISMATCH);
    # order.DAT holding a PE (§5.3 d) and a photo.jpg that is one
    eml('order-dat.eml', subject => 'Ordine di acquisto', body => "In allegato l'ordine.\n",
        atts => [[pe_stub(0), 'order.DAT', 'application/octet-stream']]);
    expect('order-dat.eml', 'hit', $_) for qw(EXEC_MAGIC_MISMATCH EXECUTABLE_PRESENT);
    expect('order-dat.eml', 'miss', 'EXEC_ATTACHMENT');
    eml('photo-pe.eml', subject => 'holiday', body => "here\n",
        atts => [[pe_stub(0), 'photo.jpg', 'image/jpeg']]);
    expect('photo-pe.eml', 'hit', 'EXEC_MAGIC_MISMATCH');
    eml('data-dat.eml', subject => 'Export data', body => "The data export you asked for.\n",
        atts => [[join("", ("\x01\x02FIXTURE-DATA\n" . $MARK . "\n") x 20), 'export.DAT', 'application/octet-stream']]);
    expect('data-dat.eml', 'miss', $_) for qw(EXEC_MAGIC_MISMATCH EXECUTABLE_PRESENT NON_WINDOWS_EXECUTABLE);
    eml('tool-exe.eml', subject => 'the tool', body => "The tool we talked about.\n",
        atts => [[pe_stub(0), 'tool.exe', 'application/x-msdownload']]);
    expect('tool-exe.eml', 'hit', $_) for qw(EXEC_ATTACHMENT EXECUTABLE_PRESENT);
    expect('tool-exe.eml', 'miss', $_) for qw(EXEC_MAGIC_MISMATCH DOUBLE_EXTENSION NEGASTEAL_DOC_NAMED_EXECUTABLE DOTNET_PE);
    eml('numeric-ext2.eml', subject => 'report tool', body => "attached\n",
        atts => [[pe_stub(0), 'report.2020.exe', 'application/x-msdownload']]);
    expect('numeric-ext2.eml', 'hit', 'EXEC_ATTACHMENT');
    expect('numeric-ext2.eml', 'miss', 'DOUBLE_EXTENSION');
    eml('setup-exe.eml', subject => 'VPN client', body => "Install this on your laptop.\n",
        atts => [[pe_stub(0), 'vpn-client-setup.exe', 'application/x-msdownload']]);
    expect('setup-exe.eml', 'miss', 'NEGASTEAL_DOC_NAMED_EXECUTABLE');
    # Scan.pdf.zip holding Scan.exe (single-member archive, decoy name)
    eml('scan-pdf-zip.eml', subject => 'scan', body => "scanned document\n",
        atts => [[zipfile('Scan.exe' => pe_stub(0)), 'Scan.pdf.zip', 'application/zip']]);
    expect('scan-pdf-zip.eml', 'hit', 'DOUBLE_EXTENSION');
    expect('scan-pdf-zip.eml', 'hit', 'EXEC_IN_ARCHIVE');
    # Equation Editor RTF (§5.4)
    eml('negasteal-equation.eml', subject => 'Quotation request 4471', body => "Please see our quotation request.$sigblock",
        atts => [[rtf_equation(), 'Quotation_4471.doc', 'application/msword']]);
    expect('negasteal-equation.eml', 'hit', $_) for qw(RTF_EQUATION_EXPLOIT NEGASTEAL_EQUATION_LURE NEGASTEAL_BUSINESS_LURE);
    eml('rtf-equation-split.eml', subject => 'maths homework', body => "the formulas\n",
        atts => [[rtf_equation('split'), 'formulas.rtf', 'application/rtf']]);
    expect('rtf-equation-split.eml', 'hit', 'RTF_EQUATION_EXPLOIT');
    expect('rtf-equation-split.eml', 'miss', 'NEGASTEAL_EQUATION_LURE');
    eml('rtf-plain.eml', subject => 'Quotation request 4471', body => "Please see our quotation request.$sigblock",
        atts => [[rtf_plain('Quotation request 4471: 200 pcs flange DN50.'), 'Quotation_4471.rtf', 'application/rtf']]);
    expect('rtf-plain.eml', 'miss', $_) for qw(RTF_EQUATION_EXPLOIT NEGASTEAL_EQUATION_LURE RTF_SUSPICIOUS_OBJECT);
    # "{\rt" without "f1" and an embedded object (§5.4 variant)
    eml('rtf-header.eml', subject => 'document', body => "the document\n",
        atts => [["{\\rt\\ansi $MARK {\\object\\objemb{\\*\\objclass Package}{\\*\\objdata 0105000002000000}}}\n",
                  'document.rtf', 'application/rtf']]);
    expect('rtf-header.eml', 'hit', 'RTF_SUSPICIOUS_OBJECT');
    expect('rtf-header.eml', 'miss', 'RTF_EQUATION_EXPLOIT');
    # outbound exfiltration report (§5.7)
    my $report = "<html><body><!-- $MARK --><br>PC&nbsp;Name&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;: FIXTURE-PC"
        . "<br>UserName&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;: fixture<br>OS&nbsp;Full&nbsp;Name&nbsp;&nbsp;: $MARK"
        . "<br>URL: https://login.example.com<br>Username: fixture<br>Password: fixture-not-a-secret<br>Application: Fixture</body></html>\n";
    eml('negasteal-exfil.eml', subject => 'PW_fixture/FIXTURE-PC', from => 'pc01 <pc01@example.com>',
        to => 'drop@example.invalid', html => $report,
        atts => [[$report, 'PW_fixture.html', 'text/html']]);
    expect('negasteal-exfil.eml', 'hit', 'NEGASTEAL_EXFIL_REPORT', '--auth pc01@example.com --client 10.0.0.50 --sender pc01@example.com --rcpt drop@example.invalid');
    expect('negasteal-exfil.eml', 'miss', 'NEGASTEAL_EXFIL_REPORT', '--client 192.0.2.25 --sender pc01@example.com --rcpt drop@example.invalid');
    eml('outbound-newsletter.eml', subject => 'Account summary', from => 'Support <support@example.com>',
        to => 'customer@example.net',
        html => "<html><body><p>Hello,</p><p>User Name: customer<br>Plan: basic<br>Next invoice: 1 February</p><p>$MARK</p></body></html>\n");
    expect('outbound-newsletter.eml', 'miss', 'NEGASTEAL_EXFIL_REPORT', '--auth support@example.com --client 10.0.0.20');

    # --- generic (§5.8) ----------------------------------------------------------
    eml('bidi.eml', subject => 'new photo', body => "look\n",
        atts => [["// $MARK comment only\n", "photo\x{202E}gnp.js", 'application/octet-stream']]);
    expect('bidi.eml', 'hit', 'BIDI_FILENAME');
    expect('bidi.eml', 'hit', 'EXEC_ATTACHMENT');
    eml('arabic-rlm.eml', subject => 'تقرير شهري', body => "مرحبا،\nمرفق التقرير الشهري.\n",
        from => 'مكتب <office@example.net>',
        atts => [[pdf('Monthly report'), "\x{200F}تقرير يناير.pdf", 'application/pdf']]);
    expect('arabic-rlm.eml', 'miss', 'BIDI_FILENAME');
    expect('arabic-rlm.eml', 'miss', 'EXEC_ATTACHMENT');
    # encrypted archive
    my $enc = zip_encrypted('Fixture123', 'readme.txt' => "$MARK\nnothing to see\n");
    eml('encrypted-password.eml', subject => 'documents', body => "Hello,\n\nthe documents. Password: Fixture123\n",
        atts => [[$enc, 'docs.zip', 'application/zip']]);
    expect('encrypted-password.eml', 'hit', 'ENCRYPTED_ARCHIVE');
    expect('encrypted-password.eml', 'hit', 'PASSWORD_IN_BODY');
    eml('encrypted-nopassword.eml', subject => 'documents', body => "Hello,\n\nthe documents; the code follows by phone.\n",
        atts => [[$enc, 'docs.zip', 'application/zip']]);
    expect('encrypted-nopassword.eml', 'hit', 'ENCRYPTED_ARCHIVE');
    expect('encrypted-nopassword.eml', 'miss', 'PASSWORD_IN_BODY');
    eml('plainzip-password.eml', subject => 'your portal access', body => "Hello,\n\nyour portal password: Welcome-2020 (change it at first login). The manual is attached.\n",
        atts => [[zipfile('manual.pdf' => pdf('Portal manual')), 'manual.zip', 'application/zip']]);
    expect('plainzip-password.eml', 'miss', 'PASSWORD_IN_BODY');
    expect('plainzip-password.eml', 'miss', 'ENCRYPTED_ARCHIVE');
    # script downloader and COVID VBS
    eml('covid-vbs.eml', subject => 'CORONAVIRUS COVID-19 advice', body => "Read the attachment.\n",
        atts => [["' $MARK comment only\n' WScript.Shell .Run( DownloadFile %TEMP%\n", 'CORONAVIRUS_COVID-19.vbs.vbs', 'text/vbscript']]);
    expect('covid-vbs.eml', 'hit', $_) for qw(EXEC_ATTACHMENT DOUBLE_EXTENSION SCRIPT_DOWNLOADER_STRINGS);
    eml('web-source.eml', subject => 'website sources', body => "The site sources, as promised.\n",
        atts => [[zipfile('site/index.html' => "<html><head><script src=\"app.js\"></script></head><body>$MARK</body></html>\n",
                          'site/app.js' => "// $MARK\nfunction greet(n) { return 'Hello ' + n; }\ndocument.title = greet('world');\n",
                          'site/vendor.min.js' => "/* $MARK */ var x=1;\n",
                          'site/style.css' => "body { margin: 0 }\n", 'site/README.txt' => "Static site.\n"),
                  'site.zip', 'application/zip']]);
    expect('web-source.eml', 'miss', $_) for qw(SCRIPT_DOWNLOADER_STRINGS EXEC_IN_ARCHIVE DOUBLE_EXTENSION);
    # PowerShell reflective loader (§5.8)
    my $ps1 = "<#\n $MARK: comment only, nothing runs\n [Reflection.Assembly]::Load([Convert]::FromBase64String(\$blob))\n"
        . " TVqQ" . ('A' x 5000) . "\n#>\n";
    eml('ps-loader.eml', subject => 'script', body => "run this\n", atts => [[$ps1, 'loader.ps1', 'text/plain']]);
    expect('ps-loader.eml', 'hit', 'POWERSHELL_REFLECTIVE_LOADER');
    eml('ps-admin.eml', subject => 'backup script', body => "The backup script for the file server.\n",
        atts => [["# $MARK\n# nightly copy\nCopy-Item -Path C:\\data -Destination \\\\backup.example.com\\share -Recurse\n", 'backup.ps1', 'text/plain']]);
    expect('ps-admin.eml', 'miss', 'POWERSHELL_REFLECTIVE_LOADER');
    expect('ps-admin.eml', 'miss', 'SCRIPT_DOWNLOADER_STRINGS');
    # non-Windows executables
    eml('elf.eml', subject => 'update', body => "update\n", atts => [[elf_stub(), 'update.bin', 'application/octet-stream']]);
    expect('elf.eml', 'hit', 'NON_WINDOWS_EXECUTABLE');
    expect('elf.eml', 'hit', 'EXECUTABLE_PRESENT');
    eml('macho.eml', subject => 'app', body => "mac build\n", atts => [[macho_stub(), 'LittleFixture', 'application/octet-stream']]);
    expect('macho.eml', 'hit', 'NON_WINDOWS_EXECUTABLE');
    eml('pkg.eml', subject => 'installer', body => "installer\n", atts => [[xar_stub(), 'x.pkg', 'application/octet-stream']]);
    expect('pkg.eml', 'hit', 'NON_WINDOWS_EXECUTABLE');
    eml('firmware.eml', subject => 'firmware dump', body => "the dump\n",
        atts => [["FWIMG\0\1" . ("\0" x 200) . $MARK, 'firmware.bin', 'application/octet-stream']]);
    expect('firmware.eml', 'miss', $_) for qw(NON_WINDOWS_EXECUTABLE EXECUTABLE_PRESENT EXEC_MAGIC_MISMATCH);
    # LNK
    eml('lnk.eml', subject => 'document', body => "open it\n", atts => [[lnk_stub(), 'Document.lnk', 'application/octet-stream']]);
    expect('lnk.eml', 'hit', 'LNK_ATTACHMENT');
    eml('lnk-zip.eml', subject => 'document', body => "open it\n",
        atts => [[zipfile('Document.pdf.lnk' => lnk_stub()), 'Document.zip', 'application/zip']]);
    expect('lnk-zip.eml', 'hit', 'LNK_ATTACHMENT');
    expect('lnk-zip.eml', 'hit', 'EXEC_IN_ARCHIVE');
    eml('links-txt.eml', subject => 'links', body => "list of links\n",
        atts => [["blink.example.com\nlnk.example.net\n$MARK\n", 'links.txt', 'text/plain']]);
    expect('links-txt.eml', 'miss', 'LNK_ATTACHMENT');
    # rare archives
    eml('arj.eml', subject => 'files', body => "files\n",
        atts => [[arjfile('notes.txt' => "$MARK\n"), 'files.arj', 'application/x-arj']]);
    expect('arj.eml', 'hit', 'RARE_ARCHIVE_FORMAT');
    eml('cab.eml', subject => 'files', body => "files\n",
        atts => [[cab('notes.txt' => "$MARK\n"), 'files.cab', 'application/vnd.ms-cab-compressed']]);
    expect('cab.eml', 'hit', 'RARE_ARCHIVE_FORMAT');
    eml('ace-notes.eml', subject => 'files', body => "files\n",
        atts => [[acefile('notes.txt', "$MARK\n"), 'files.ace', 'application/octet-stream']]);
    expect('ace-notes.eml', 'hit', 'RARE_ARCHIVE_FORMAT');
    expect('ace-notes.eml', 'miss', 'EXEC_IN_ARCHIVE');
    eml('zip-notes.eml', subject => 'files', body => "files\n",
        atts => [[zipfile('notes.txt' => "$MARK\n"), 'files.zip', 'application/zip']]);
    expect('zip-notes.eml', 'miss', $_) for qw(RARE_ARCHIVE_FORMAT NESTED_ARCHIVE ENCRYPTED_ARCHIVE DISK_IMAGE_ATTACHMENT
        UNPARSEABLE_ARCHIVE);
    eml('logs-tgz.eml', subject => 'logs', body => "the logs\n",
        atts => [[targz('logs/app.log' => "$MARK\n", 'logs/cron.log' => "ok\n"), 'logs.tar.gz', 'application/gzip']]);
    expect('logs-tgz.eml', 'miss', $_) for qw(NESTED_ARCHIVE RARE_ARCHIVE_FORMAT);
    # disk images
    eml('iso-docs.eml', subject => 'docs image', body => "image\n",
        atts => [[iso('notes.txt' => "$MARK\n"), 'docs.iso', 'application/x-iso9660-image']]);
    expect('iso-docs.eml', 'hit', 'DISK_IMAGE_ATTACHMENT');
    expect('iso-docs.eml', 'miss', 'EXEC_IN_ARCHIVE');
    eml('vhd.eml', subject => 'disk', body => "disk\n",
        atts => [["conectix" . ("\0" x 504) . $MARK, 'disk.vhd', 'application/octet-stream']]);
    expect('vhd.eml', 'hit', 'DISK_IMAGE_ATTACHMENT');
    # nested archive
    eml('nested.eml', subject => 'files', body => "files\n",
        atts => [[zipfile('inner.zip' => zipfile('notes.txt' => "$MARK\n")), 'outer.zip', 'application/zip']]);
    expect('nested.eml', 'hit', 'NESTED_ARCHIVE');
    eml('zip-gz.eml', subject => 'files', body => "files\n",
        atts => [[gz1('files.zip', zipfile('notes.txt' => "$MARK\n")), 'files.zip.gz', 'application/gzip']]);
    expect('zip-gz.eml', 'hit', 'NESTED_ARCHIVE');
    eml('docx-in-zip.eml', subject => 'contracts', body => "the contracts\n",
        atts => [[zipfile('contract.docx' => docx(['Contract']), 'annex.xlsx' => xlsx([['a', 'b']])), 'contracts.zip', 'application/zip']]);
    expect('docx-in-zip.eml', 'miss', $_) for qw(NESTED_ARCHIVE OFFICE_VBA_MACRO);
    # Office VBA
    eml('docm.eml', subject => 'form', body => "fill in the form\n",
        atts => [[docx(['Form'], vba => 1), 'fixture.docm', 'application/vnd.ms-word.document.macroEnabled.12']]);
    expect('docm.eml', 'hit', 'OFFICE_VBA_MACRO');
    expect('docm.eml', 'hit', 'OFFICE_VBA_AUTOEXEC_SHELL');
    eml('docx.eml', subject => 'form', body => "fill in the form\n",
        atts => [[docx(['Form']), 'form.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document']]);
    expect('docx.eml', 'miss', 'OFFICE_VBA_MACRO');
    expect('docx.eml', 'miss', 'OFFICE_VBA_AUTOEXEC_SHELL');
    # HTML smuggling (§5.6)
    my $smuggle = "<html><body><!-- $MARK --><script>\nvar b = atob(\"TVqQAAAAAAAAAAAA\"), u = new Uint8Array(b.length);\n"
        . "for (var i = 0; i < b.length; i++) u[i] = b.charCodeAt(i);\nvar a = document.createElement(\"a\");\n"
        . "a.href = URL.createObjectURL(new Blob([u])); a.download = \"fixture.bin\"; /* a.click() */\n</script></body></html>\n";
    eml('smuggling.eml', subject => 'secure document', body => "open the attached page\n",
        atts => [[$smuggle, 'document.html', 'text/html']]);
    expect('smuggling.eml', 'hit', 'HTML_SMUGGLING');
    my $webpage = "<html><head><title>Report</title><script>\nfunction show() { var d = document.createElement('div');\n"
        . "d.textContent = 'Report'; document.body.appendChild(d); }\nwindow.onload = show;\n"
        . "document.getElementById('btn') && document.getElementById('btn').click();\n</script></head><body>$MARK"
        . "<a href=\"report.csv\" download>download the CSV</a></body></html>\n";
    eml('html-report.eml', subject => 'report page', body => "the report page\n",
        atts => [[$webpage, 'report.html', 'text/html']]);
    expect('html-report.eml', 'miss', 'HTML_SMUGGLING');
    # add-in
    eml('ppam.eml', subject => 'add-in', body => "install the add-in\n",
        atts => [[zipfile('[Content_Types].xml' => "<Types/><!-- $MARK -->"), 'tools.ppam', 'application/vnd.ms-powerpoint.addin.macroEnabled.12']]);
    expect('ppam.eml', 'hit', 'DANGEROUS_EXTENSION');
    expect('docx.eml', 'miss', 'DANGEROUS_EXTENSION');

    open my $fh, '>:utf8', 'expect.tsv' or die "expect.tsv: $!";
    print $fh "$_\n" for @expect;
    close $fh;
}

# ---------------------------------------------------------------------------
sub build_ham {
    my @people = (['Anna Schmidt', 'anna.schmidt@example.com'], ['Kenji Tanaka', 'k.tanaka@example.net'],
                  ['Fatima Al-Sayed', 'fatima@example.net'], ['Pierre Martin', 'p.martin@example.com'],
                  ['Lucía Gómez', 'lucia.gomez@example.net'], ['Tom Baker', 'tom@example.com'],
                  ['Yuki Sato', 'yuki.sato@example.com'], ['Ahmed Hassan', 'ahmed.h@example.net'],
                  ['Sara Rossi', 'sara.rossi@example.com'], ['Li Wei', 'li.wei@example.net']);
    my %texts = (
        en => [
            ['Meeting on Thursday', "Hi,\n\ncan we move Thursday's meeting to 3 pm? The room on the second floor is free.\n\nThanks"],
            ['Project status', "Hello team,\n\nthe migration is 80% done. Remaining: DNS, backups, and the old mail server.\nNext review on Monday."],
            ['Lunch?', "Anyone up for lunch at the Italian place today? :)"],
            ['Your order has shipped', "Good news! Your order #10482 has shipped and will arrive in 2-3 days.\nTrack it at https://shop.example.com/track/10482"],
            ['Invoice 2020-0117', "Dear customer,\n\nplease find our invoice 2020-0117 attached. Payment is due within 30 days to the bank details on the invoice.\n\nKind regards,\nAccounts"],
            ['Quotation for office chairs', "Hello,\n\nthank you for your inquiry. Our quotation for 20 office chairs is attached; prices are valid for 30 days."],
            ['Purchase order 4711', "Hi,\n\nplease confirm the attached purchase order 4711 (PO) and the delivery date."],
            ['Holiday pictures', "Here are some pictures from our trip to the coast. The weather was great!"],
            ['Reminder: dentist appointment', "This is a reminder of your appointment on 12 January at 10:30."],
            ['Password reset', "Someone asked to reset the password of your account. If it was you, open https://accounts.example.com/reset?t=fixture within 24 hours. If not, ignore this message."],
            ['Weekly newsletter', "This week: new features, a webinar on Thursday and our holiday opening hours."],
            ['Shipment notification', "Your DHL shipment 1234567890 is on its way. Expected delivery: Friday."],
            ['Tender documents', "Dear bidders,\n\nthe tender documents for lot 3 are attached. Questions by 15 January please."],
            ['Re: budget 2020', "Looks good to me. Let's keep the travel budget as is."],
            ['Conference call notes', "Notes from today's call are attached. Action items are marked in bold."],
            ['Bank transfer confirmation', "We have received your payment of 250.00 EUR. Thank you. Remittance advice attached."],
        ],
        de => [
            ['Rechnung Nr. 2020-0042', "Sehr geehrte Damen und Herren,\n\nanbei erhalten Sie unsere Rechnung Nr. 2020-0042. Bitte überweisen Sie den Betrag innerhalb von 14 Tagen.\n\nMit freundlichen Grüßen"],
            ['Angebot Büromöbel', "Guten Tag,\n\nvielen Dank für Ihre Anfrage. Unser Angebot finden Sie im Anhang."],
            ['Besprechung am Montag', "Hallo zusammen,\n\ndie Besprechung am Montag beginnt um 9 Uhr im großen Raum. Bitte bringt eure Zahlen mit."],
            ['Urlaubsfotos', "Hallo Oma,\n\nhier ein paar Fotos vom Urlaub. Liebe Grüße!"],
            ['Bestellung 55-123', "Hallo,\n\nhiermit bestellen wir gemäß Ihrem Angebot 50 Stück Artikel 55-123."],
            ['Lieferschein', "Anbei der Lieferschein zur heutigen Lieferung."],
        ],
        ja => [
            ['お見積書の送付', "いつもお世話になっております。\nご依頼いただきましたお見積書を添付いたします。\nご確認のほど、よろしくお願いいたします。"],
            ['会議の日程について', "お疲れ様です。\n来週の会議ですが、水曜日の午後二時からでいかがでしょうか。"],
            ['請求書送付のご案内', "株式会社サンプル\n経理部 御中\n\n今月分の請求書をお送りいたします。"],
            ['旅行の写真', "こんにちは！\n旅行の写真を送ります。楽しかったね。"],
            ['納品書', "本日納品いたしました商品の納品書を添付いたします。"],
        ],
        ar => [
            ['اجتماع الأسبوع القادم', "السلام عليكم،\n\nنود تأكيد موعد الاجتماع يوم الثلاثاء الساعة العاشرة صباحاً.\n\nمع التحية"],
            ['فاتورة شهر يناير', "مرحباً،\n\nمرفق فاتورة شهر يناير. يرجى السداد خلال ثلاثين يوماً."],
            ['صور الرحلة', "أهلاً،\nهذه بعض الصور من رحلتنا. مع أطيب التمنيات."],
        ],
        fr => [
            ['Facture 2020-118', "Bonjour,\n\nveuillez trouver ci-joint la facture 2020-118.\n\nCordialement"],
            ['Réunion de lundi', "Bonjour à tous,\n\nla réunion de lundi est déplacée à 14h."],
        ],
        es => [
            ['Presupuesto solicitado', "Hola,\n\nadjunto el presupuesto que nos pidió. Quedamos a su disposición."],
            ['Fotos de la boda', "¡Hola! Te mando algunas fotos de la boda. Un abrazo."],
        ],
    );
    my @langs = qw(en en en de de ja ja ar fr es);
    my @sigs = ("\n\n-- \n%s\nexample.com | +1 555 0100\n", "\n\nBest,\n%s\n",
                "\n\nMit freundlichen Grüßen\n%s\nBeispiel GmbH, Musterstraße 1, 12345 Musterstadt\n",
                "\n\n%s\nThis e-mail may contain confidential information. If you are not the intended recipient, please delete it.\n",
                "\n\n%s\n");
    my %attname = (
        en => ['report.pdf', 'Invoice_2020-0117.pdf', 'minutes.pdf', 'agenda.docx', 'figures.xlsx', 'IMG_2041.JPG', 'photo.jpg', 'data.csv'],
        de => ['Rechnung_2020-0042.pdf', 'Angebot.pdf', 'Protokoll.docx', 'Zahlen.xlsx', 'Foto.jpg', 'Lieferschein.pdf'],
        ja => ['見積書.pdf', '請求書_2020年1月.pdf', '議事録.docx', '写真.jpg', '納品書.pdf'],
        ar => ['فاتورة.pdf', 'تقرير.docx', 'صورة.jpg'],
        fr => ['facture_2020-118.pdf', 'compte-rendu.docx', 'photo.jpg'],
        es => ['presupuesto.pdf', 'foto_boda.jpg', 'datos.xlsx'],
    );
    my $make_att = sub {
        my ($name, $lang, $k) = @_;
        my ($ext) = $name =~ /\.([^.]+)$/;
        $ext = lc $ext;
        if ($ext eq 'pdf') { return [pdf("Document $k", "Fixture document for the ham corpus", "Page 1 of 1"), $name, 'application/pdf'] }
        if ($ext eq 'jpg') { return [jpeg(32 + rnd(64), 24 + rnd(48), rnd(5)), $name, 'image/jpeg'] }
        if ($ext eq 'docx') { return [docx(["Document $k", 'Minutes and notes']), $name, 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'] }
        if ($ext eq 'xlsx') { return [xlsx([['Month', 'Total'], ['January', 100 + rnd(900)], ['February', 100 + rnd(900)]]), $name, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'] }
        if ($ext eq 'csv') { return ["date,amount\n2020-01-0$_," . (10 + $_) . ".00\n", $name, 'text/csv'] for (1 + rnd(8)) }
        die "no attachment type for $name";
    };
    my $ics = sub {
        my ($sum) = @_;
        return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Example//Fixture//EN\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n"
            . "UID:fixture-" . rnd(100000) . "\@example.com\r\nDTSTAMP:20200101T090000Z\r\nDTSTART:20200115T140000Z\r\n"
            . "DTEND:20200115T150000Z\r\nSUMMARY:$sum\r\nDESCRIPTION:$MARK\r\nORGANIZER:mailto:anna.schmidt\@example.com\r\n"
            . "END:VEVENT\r\nEND:VCALENDAR\r\n";
    };
    my $vcf = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Tom Baker\r\nEMAIL:tom\@example.com\r\nNOTE:$MARK\r\nEND:VCARD\r\n";
    my $html_of = sub {
        my ($text) = @_;
        my $h = xml_esc($text);
        $h =~ s/\n\n/<\/p><p>/g;
        $h =~ s/\n/<br>/g;
        return "<html><head><meta charset=\"utf-8\"><style>p{font-family:Arial}</style></head><body><p>$h</p>"
            . "<p style=\"color:#888\">$MARK</p></body></html>\n";
    };
    my $newsletter = sub {
        my ($i) = @_;
        return "<html><body><table width=\"600\"><tr><td><img src=\"https://news.example.com/logo.png\" alt=\"Example News\"></td></tr>"
            . "<tr><td><h1>Issue $i: what's new</h1><p>New features, a webinar on Thursday and holiday opening hours.</p>"
            . "<p><a href=\"https://news.example.com/read/$i\">Read more</a></p>"
            . "<p><a href=\"https://news.example.com/unsubscribe?u=fixture\">Unsubscribe</a> | <a href=\"https://www.example.com/privacy\">Privacy</a></p>"
            . "<img src=\"https://news.example.com/open.gif?i=$i\" width=\"1\" height=\"1\"></td></tr></table><!-- $MARK --></body></html>\n";
    };

    my $n = 0;
    my $kinds = 12;
    for my $i (0 .. 227) {
        my $lang = $langs[$i % @langs];
        my $t = $texts{$lang}[rnd(scalar @{ $texts{$lang} })];
        my ($subject, $text) = @$t;
        my $from = $people[rnd(scalar @people)];
        my $to = $people[rnd(scalar @people)];
        my $sig = sprintf($sigs[rnd(scalar @sigs)], $from->[0]);
        my %m = (from => "$from->[0] <$from->[1]>", to => "$to->[0] <$to->[1]>", subject => $subject);
        my $kind = $i % $kinds;
        my $file = sprintf('ham-%03d.eml', $i);
        my $body = "$text$sig";
        if ($kind == 0) {                       # plain text
            eml($file, %m, body => $body);
        } elsif ($kind == 1) {                  # HTML only
            eml($file, %m, html => $html_of->($body));
        } elsif ($kind == 2) {                  # multipart/alternative
            eml($file, %m, body => $body, html => $html_of->($body));
        } elsif ($kind == 3) {                  # reply with quoted text
            my $q = join("\n", map { "> $_" } split /\n/, $text);
            eml($file, %m, subject => "Re: $subject", body => "Thanks, agreed.\n\nOn Tue, 7 Jan 2020, $to->[0] wrote:\n$q\n$sig",
                headers => ["In-Reply-To: <fixture.prev.$i\@example.com>", "References: <fixture.prev.$i\@example.com>"]);
        } elsif ($kind == 4 || $kind == 5) {    # one document or photo
            my $name = pick(@{ $attname{$lang} });
            eml($file, %m, body => $body, atts => [$make_att->($name, $lang, $i)]);
        } elsif ($kind == 6) {                  # several attachments, alternative body
            my @a = map { $make_att->($_, $lang, $i) } (pick(@{ $attname{$lang} }), pick(@{ $attname{$lang} }));
            $a[1][1] =~ s/\./_2./;
            eml($file, %m, body => $body, html => $html_of->($body), atts => \@a);
        } elsif ($kind == 7) {                  # calendar invitation
            eml($file, %m, subject => "Invitation: $subject", body => "$text\n\nWhen: 15 January 2020, 14:00-15:00 UTC$sig",
                atts => [[$ics->($subject), 'invite.ics', 'text/calendar; method=REQUEST']]);
        } elsif ($kind == 8) {                  # zip of documents
            my @names = map { pick(@{ $attname{$lang} }) } 1 .. 1 + rnd(3);
            my %seen;
            my @mem;
            for my $nm (@names) {
                next if $seen{$nm}++;
                my $a = $make_att->($nm, $lang, $i);
                push @mem, $nm, $a->[0];
            }
            eml($file, %m, body => $body, atts => [[zipfile(@mem), pick('documents.zip', 'Unterlagen.zip', 'files.zip', '資料.zip'), 'application/zip']]);
        } elsif ($kind == 9) {                  # newsletter
            eml($file, %m, from => 'Example News <news@example.com>', subject => "Example News #$i",
                body => "Example News #$i\n\nNew features, a webinar on Thursday and holiday opening hours.\nRead more: https://news.example.com/read/$i\nUnsubscribe: https://news.example.com/unsubscribe\n",
                html => $newsletter->($i), headers => ['List-Unsubscribe: <https://news.example.com/unsubscribe?u=fixture>', 'Precedence: bulk']);
        } elsif ($kind == 10) {                 # signature vcard, tar.gz of logs, or a photo with a smiley
            my $v = int($i / 12) % 3;
            if ($v == 0) {
                eml($file, %m, body => $body, atts => [[$vcf, 'Tom Baker.vcf', 'text/vcard']]);
            } elsif ($v == 1) {
                eml($file, %m, subject => 'logs from last night', body => "Hi,\n\nlogs attached, the job failed at 02:14.$sig",
                    atts => [[targz('logs/app.log' => "2020-01-01 02:14:00 ERROR disk full\n$MARK\n", 'logs/cron.log' => "ok\n"), 'logs.tar.gz', 'application/gzip']]);
            } else {
                eml($file, %m, subject => pick('Photo just for you', 'Look at this photo!', 'Fotos vom Wochenende', '写真です'),
                    body => pick(';)', ':-)', ':D', 'Schau mal :)'), atts => [[jpeg(64, 48, $i % 5), sprintf('IMG_%04d.JPG', 1000 + $i), 'image/jpeg']]);
            }
        } else {                                # kind 11: misc business and technical
            my $v = int($i / 12) % 5;
            if ($v == 0) {
                eml($file, %m, subject => 'Patch for the parser', body => "Hi,\n\nthe patch is attached.$sig",
                    atts => [["--- a/parser.c\n+++ b/parser.c\n@@ -1 +1 @@\n-int x;\n+int x = 0; /* $MARK */\n", 'fix.patch', 'text/x-diff']]);
            } elsif ($v == 1) {
                eml($file, %m, subject => 'Your invoice is ready', from => 'Billing <billing@example.com>',
                    body => "Your invoice for January is ready. Amount: 49.00 EUR. Payment by direct debit.\n",
                    html => "<html><body><p>Your invoice for <b>January</b> is ready.</p><p>Amount: 49.00 EUR</p><p><a href=\"https://billing.example.com/inv/2020-01\">View invoice</a></p><!-- $MARK --></body></html>\n",
                    atts => [[pdf('Invoice January 2020', 'Amount 49.00 EUR'), 'invoice-2020-01.pdf', 'application/pdf']]);
            } elsif ($v == 2) {
                eml($file, %m, subject => '[ci] build #' . (100 + $i) . ' passed', from => 'CI <ci@example.com>',
                    body => "Build #" . (100 + $i) . " passed.\n\nChanges:\n  * parser: initialise x\n\nLog: https://ci.example.com/build/" . (100 + $i) . "\n-- $MARK\n");
            } elsif ($v == 3) {
                # a forwarded message as an attachment, and the sources of a web site
                my $fwd = "From: $to->[0] <$to->[1]>\nTo: $from->[0] <$from->[1]>\nSubject: site update\n"
                    . "Date: Mon, 6 Jan 2020 10:00:00 +0000\nMessage-ID: <fwd.$i\@example.com>\nMIME-Version: 1.0\n"
                    . "Content-Type: text/plain; charset=us-ascii\n\nThe new pages are ready. $MARK\n";
                eml($file, %m, subject => 'Fwd: site update', body => "FYI, see below and the sources.$sig",
                    atts => [[$fwd, 'site update.eml', 'message/rfc822', 'attachment'],
                             [zipfile(map { ("site/js/module$_.js" => "// $MARK\nexport function f$_() { return $_; }\n") } 1 .. 6),
                              'site-sources.zip', 'application/zip']]);
            } else {
                eml($file, %m, subject => 'Re: ' . $subject,
                    body => "Please see the spreadsheet and the scan of the signed contract.$sig",
                    atts => [[xlsx([['Order', 'Qty'], ['4711', '20']]), 'order_4711.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
                             [pdf('Contract (signed)'), 'contract_signed.pdf', 'application/pdf']]);
            }
        }
        $n++;
    }
    # the Arabic file name with only a right-to-left mark (U+200F) (§5.8)
    eml('ham-arabic-rlm.eml', from => 'مكتب <office@example.net>', subject => 'تقرير شهري',
        body => "مرحبا،\nمرفق التقرير الشهري.\n", atts => [[pdf('Monthly report'), "\x{200F}تقرير.pdf", 'application/pdf']]);
    # a real holiday photo named like a camera file, with a wink
    eml('ham-holiday-photo.eml', subject => 'Is this you?', body => ";)\n",
        atts => [[jpeg(96, 64, 4), 'IMG_1234.JPG', 'image/jpeg']]);
    # a photo subject with a run of spaces before more words: the lure's regex must
    # decide it (a miss), not give up on it (unscannable)
    eml('ham-spaced-subject.eml', subject => 'Look at this photo' . (' ' x 2000) . 'from our trip',
        body => "Taken at the lake last week.\n", atts => [[jpeg(96, 64, 5), 'lake.jpg', 'image/jpeg']]);
    $n += 3;
    die "only $n ham messages" if $n < 200;
}
