#!/bin/sh
# make-stress-samples.sh OUTDIR FIELD - messages whose FIELD holds a long value made
# to stress regular expressions, one message per value, for tests/rules-stress.sh.
#
#   FIELD is one of what rules read (mailvet-policy(5)):
#     subject from reply_to header body html    the message's fields (header: X-Mailer;
#                                               html: a text/html body)
#     attachment_name attachment_type disposition    a MIME attachment's
#     member_name      the name of a file inside a zip attachment (a zip name
#                      holds at most 65535 bytes, so this one is cut there)
#     content content_exe content_rtf content_html content_xml
#                      an attachment's bytes, bare or after the magic that makes
#                      libclamav and the rules see an executable, an RTF document,
#                      an HTML file, an Excel 4 macro sheet
#     envelope         no message: OUTDIR/PATTERN.txt, values of 100000 bytes for
#                      --sender, --rcpt and --client (one command-line argument holds
#                      at most 128 KiB)
#   OUTDIR/FIELD.PATTERN.eml for each PATTERN below, the value 1 MiB long
#   (1048576 bytes, no line break) unless said otherwise; STRESS_BYTES=N makes the
#   values N bytes long instead (at least 64; tests/fuzz/seeds.sh takes short ones).
#
# The patterns: long runs of one character (run, spaces, dots), near-misses of what
# the shipped rules look for repeated without end (ext, double_ext, keywords,
# labels), repetition bait for nested or overlapping quantifiers (words,
# re_prefix, smileys, lure_pad), and multi-byte UTF-8 (utf8).  Every value ends in
# a character that spoils a match at the end, so a regex that backtracks does so
# over the whole value.  All addresses are @example.com.  Deterministic.
# Needs: perl (Compress::Zlib).  Exit 0 on success.
set -eu

if [ $# -ne 2 ]; then
    echo "usage: make-stress-samples.sh OUTDIR FIELD" >&2
    exit 1
fi
mkdir -p "$1"
out=$(cd "$1" && pwd)
export LC_ALL=C
exec perl -x "$0" "$out" "$2"

#!perl
use strict;
use warnings;
use Compress::Zlib qw(crc32);
use MIME::Base64 qw(encode_base64);

my ($out, $field) = @ARGV;
my $MIB = $ENV{STRESS_BYTES} || 1048576;
die "make-stress-samples: STRESS_BYTES must be at least 64\n" if $MIB < 64;

# fill - S repeated to exactly N bytes, then TAIL replacing its last bytes
sub fill {
    my ($s, $n, $tail) = @_;
    $tail //= '';
    my $body = $s x (int(($n - length $tail) / length($s)) + 1);
    return substr($body, 0, $n - length $tail) . $tail;
}

# the values, by name; each a function of the length wanted
my %pattern = (
    run        => sub { fill('a', $_[0], '!') },
    spaces     => sub { 'x' . fill(' ', $_[0] - 1, 'x') },
    dots       => sub { fill('.', $_[0], 'x') },
    ext        => sub { fill('.ex.jpg.j.scr_.lnk .', $_[0], 'x') },
    double_ext => sub { fill('.pdf .exe. ', $_[0], 'x') },
    keywords   => sub { fill('invoic quotatio remittanc swif purchase orde rfq ', $_[0], 'x') },
    labels     => sub { fill('pc name: user name: password: computer name: ', $_[0], 'x') },
    words      => sub { fill('a ', $_[0], '!') },
    re_prefix  => sub { fill('Re: Fwd: ', $_[0], 'x') },
    smileys    => sub { fill(':-) ;) ^_^ ', $_[0], 'x') },
    lure_pad   => sub { 'look at this photo' . fill(' ', $_[0] - 18, 'x') },
    # U+1F600 U+FE0F e-acute, as UTF-8 bytes (cut on a character boundary)
    utf8 => sub {
        my $k = int(($_[0] - 1) / 9);
        return "\xf0\x9f\x98\x80\xef\xb8\x8f\xc3\xa9" x $k . 'x' x ($_[0] - 9 * $k);
    },
);

sub spit { my ($f, $d) = @_; open my $fh, '>:raw', $f or die "$f: $!"; print $fh $d; close $fh or die "$f: $!" }

my $HEAD = "From: sender\@example.com\nTo: rcpt\@example.com\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n"
    . "Message-ID: <stress\@example.com>\nMIME-Version: 1.0\n";

# message - the whole message for one FIELD with VALUE
sub message {
    my ($f, $v) = @_;
    my $plain = "Content-Type: text/plain; charset=utf-8\n\nhello\n";
    my $mixed = sub {
        my ($part) = @_;
        return $HEAD . "Subject: stress\nContent-Type: multipart/mixed; boundary=SB\n\n"
            . "--SB\nContent-Type: text/plain\n\nsee attached\n--SB\n$part\n--SB--\n";
    };
    my $att = sub {
        my ($name, $bytes, $type) = @_;
        return "Content-Type: " . ($type // 'application/octet-stream') . "\n"
            . "Content-Disposition: attachment; filename=\"$name\"\n"
            . "Content-Transfer-Encoding: base64\n\n" . encode_base64($bytes);
    };
    if ($f eq 'subject') {
        return "From: sender\@example.com\nTo: rcpt\@example.com\nSubject: $v\n\nhello\n";
    } elsif ($f eq 'from') {
        return "From: $v <sender\@example.com>\nTo: rcpt\@example.com\nSubject: stress\n\nhello\n";
    } elsif ($f eq 'reply_to') {
        return $HEAD . "Subject: stress\nReply-To: $v <r\@example.com>\n$plain";
    } elsif ($f eq 'header') {
        return $HEAD . "Subject: stress\nX-Mailer: $v\n$plain";
    } elsif ($f eq 'body') {
        return $HEAD . "Subject: stress\nContent-Type: text/plain; charset=utf-8\n\n$v\n";
    } elsif ($f eq 'html') {
        return $HEAD . "Subject: stress\nContent-Type: text/html; charset=utf-8\n\n"
            . "<html><body><p>$v</p></body></html>\n";
    } elsif ($f eq 'attachment_name') {
        return $mixed->($att->($v, "hello\n"));
    } elsif ($f eq 'attachment_type') {
        return $mixed->($att->('f.bin', "hello\n", "application/$v"));
    } elsif ($f eq 'disposition') {
        return $mixed->("Content-Type: application/octet-stream\nContent-Disposition: $v\n"
            . "Content-Transfer-Encoding: base64\n\n" . encode_base64("hello\n"));
    } elsif ($f eq 'member_name') {
        return $mixed->($att->('docs.zip', zip(substr($v, -65535), "hello\n"), 'application/zip'));
    } elsif ($f eq 'content') {
        return $mixed->($att->('f.txt', $v));
    } elsif ($f eq 'content_exe') {
        return $mixed->($att->('f.exe', "MZ\x90\x00" . $v));
    } elsif ($f eq 'content_rtf') {
        return $mixed->($att->('f.rtf', "{\\rtf1\\objupdate\\object " . $v, 'application/rtf'));
    } elsif ($f eq 'content_html') {
        return $mixed->($att->('f.html', "<html><script>atob( new Blob( Uint8Array( " . $v, 'text/html'));
    } elsif ($f eq 'content_xml') {
        return $mixed->($att->('sheet.xml', "<xm:macrosheet EXEC( " . $v, 'application/xml'));
    }
    die "make-stress-samples: unknown field $f\n";
}

# zip - a stored zip of one member NAME with BYTES (names up to 65535 bytes)
sub zip {
    my ($name, $bytes) = @_;
    my $crc = crc32($bytes);
    my $n = length $bytes;
    my $local = pack('VvvvvvVVVvv', 0x04034b50, 20, 0, 0, 0, 0x21, $crc, $n, $n, length $name, 0)
        . $name . $bytes;
    my $central = pack('VvvvvvvVVVvvvvvVV', 0x02014b50, 20, 20, 0, 0, 0, 0x21, $crc, $n, $n,
        length $name, 0, 0, 0, 0, 0, 0) . $name;
    my $end = pack('VvvvvVVv', 0x06054b50, 0, 0, 1, 1, length $central, length $local, 0);
    return $local . $central . $end;
}

for my $p (sort keys %pattern) {
    if ($field eq 'envelope') {
        spit("$out/$p.txt", $pattern{$p}->($MIB < 100000 ? $MIB : 100000));
    } else {
        spit("$out/$field.$p.eml", message($field, $pattern{$p}->($MIB)));
    }
}
