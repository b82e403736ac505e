#!/bin/sh
# make-samples.sh OUTDIR - build the harmless test samples into OUTDIR.
#
# Interface (stable; the milter, e2e and CLI tests rely on these names):
#   OUTDIR/sigs/eicar.hdb      ClamAV MD5 hash signature "md5:size:Eicar-Test-Signature"
#   OUTDIR/eicar.com           the 68-byte EICAR test string (from eicar.sh)
#   OUTDIR/eicar.zip           zip holding eicar.com
#   OUTDIR/eicar-zip-zip.zip   zip holding eicar.zip (EICAR two archives deep)
#   OUTDIR/clean.eml           multipart: text body + harmless text attachment
#   OUTDIR/eicar.eml           multipart: text body + eicar.com as base64
#   OUTDIR/eicar-zip.eml       multipart: text body + eicar.zip as base64
#   OUTDIR/eicar-zip-zip.eml   multipart: text body + eicar-zip-zip.zip as base64
#   OUTDIR/eicar-enc-password.eml    EICAR in a password-protected zip, the
#                                    password written in the text body
#   OUTDIR/eicar-enc-nopassword.eml  the same zip, no password in the text
#   OUTDIR/big-clean.eml       clean message over 2 MB (spool spill tests)
#   OUTDIR/many-parts.eml      clean: a text body + 200 small text attachments, each
#                              different (200 leaves, 200 cache keys)
#
# Messages are RFC 5322 with LF line endings (as a local file, sendmail(1) or
# swaks take them; a test that speaks the milter protocol turns them into CRLF).
# All addresses are @example.com.  EICAR is built at run time and is never
# stored in clear in the repository.  Everything is deterministic except the
# zip files' internal timestamps, which are pinned with touch -t.
# Needs: sh, tr, md5sum, wc, base64, zip.  Exit 0 on success, 1 on error.
set -eu

if [ $# -ne 1 ]; then
    echo "usage: make-samples.sh OUTDIR" >&2
    exit 1
fi
out=$1
here=$(cd "$(dirname "$0")" && pwd)

for tool in md5sum base64 zip; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "make-samples.sh: $tool not found" >&2
        exit 1
    fi
done

mkdir -p "$out/sigs"
cd "$out"
rm -f eicar.com eicar.zip eicar-zip-zip.zip ./*.eml sigs/eicar.hdb

# --- raw samples -----------------------------------------------------------
sh "$here/eicar.sh" > eicar.com
size=$(wc -c < eicar.com | tr -d ' ')
md5=$(md5sum eicar.com | cut -d' ' -f1)
printf '%s:%s:Eicar-Test-Signature\n' "$md5" "$size" > sigs/eicar.hdb

# Pinned mtimes make the archives byte-identical from run to run.
touch -t 202001010000 eicar.com
zip -q -X eicar.zip eicar.com
touch -t 202001010000 eicar.zip
zip -q -X eicar-zip-zip.zip eicar.zip

# --- messages --------------------------------------------------------------
# headers SUBJECT MSGID BOUNDARY: the common RFC 5322 + MIME header block.
headers() {
    cat <<HDR
Return-Path: <sender@example.com>
Received: from client.example.com (client.example.com [192.0.2.10])
	by mx.example.com with ESMTP; Wed, 01 Jan 2020 00:00:00 +0000
From: Sample Sender <sender@example.com>
To: Sample Recipient <recipient@example.com>
Subject: $1
Date: Wed, 01 Jan 2020 00:00:00 +0000
Message-ID: <$2@example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="$3"

This is a multi-part message in MIME format.
HDR
}

# text_part BOUNDARY TEXT: a plain-text body part.
text_part() {
    cat <<PART
--$1
Content-Type: text/plain; charset=us-ascii
Content-Transfer-Encoding: 7bit

$2
PART
}

# attachment BOUNDARY FILE NAME TYPE: FILE as a base64 attachment called NAME.
attachment() {
    printf -- '--%s\n' "$1"
    printf 'Content-Type: %s; name="%s"\n' "$4" "$3"
    printf 'Content-Transfer-Encoding: base64\n'
    printf 'Content-Disposition: attachment; filename="%s"\n\n' "$3"
    base64 < "$2"
}

# message OUT SUBJECT MSGID FILE NAME TYPE [BODY]
message() {
    b="=_mailvet_sample_$3"
    {
        headers "$2" "$3" "$b"
        text_part "$b" "${7:-Hello,

please find the file attached.

-- 
Sample Sender}"
        attachment "$b" "$4" "$5" "$6"
        printf -- '--%s--\n' "$b"
    } > "$1"
}

tmp=notes.txt.$$
trap 'rm -f "$tmp"' EXIT
cat > "$tmp" <<'TXT'
Meeting notes

1. Agenda agreed.
2. Next meeting on Friday.
3. Nothing else to report.
TXT
message clean.eml "Meeting notes" clean.1 "$tmp" notes.txt text/plain
message eicar.eml "Invoice" eicar.1 eicar.com eicar.com application/octet-stream
message eicar-zip.eml "Invoice (zip)" eicar-zip.1 eicar.zip invoice.zip application/zip

# the lure that hides from gateways: an encrypted zip, its password in the body
zip -q -P 'Xy7-kq42' eicar-enc.zip eicar.com
message eicar-enc-password.eml "Invoice (protected)" eicar-enc.1 eicar-enc.zip invoice.zip \
    application/zip "Hello,

the invoice is protected. Password: Xy7-kq42

Regards"
message eicar-enc-nopassword.eml "Invoice (protected)" eicar-enc.2 eicar-enc.zip invoice.zip \
    application/zip "Hello,

the invoice is protected, call us for the code."
message eicar-zip-zip.eml "Invoice (zip in zip)" eicar-zip-zip.1 eicar-zip-zip.zip \
    invoice.zip application/zip

# big-clean.eml: about 2.4 MB (over the 2 MB mark), numbered text lines base64-encoded.
seq -w 1 150000 | sed 's/^/line /' > "$tmp"
message big-clean.eml "Quarterly report (large)" big-clean.1 "$tmp" report.txt text/plain
big=$(wc -c < big-clean.eml | tr -d ' ')
if [ "$big" -le 2097152 ]; then
    echo "make-samples.sh: big-clean.eml is $big bytes, want more than 2 MB" >&2
    exit 1
fi

# many-parts.eml: 200 different small text attachments, as a bulk mail with many files
b="=_mailvet_sample_many-parts.1"
{
    headers "Two hundred files" many-parts.1 "$b"
    text_part "$b" "Hello, the files are attached."
    i=1
    while [ "$i" -le 200 ]; do
        printf -- '--%s\nContent-Type: text/plain; name="file%03d.txt"\n' "$b" "$i"
        printf 'Content-Disposition: attachment; filename="file%03d.txt"\n\n' "$i"
        printf 'This is file number %d of 200.\n' "$i"
        i=$((i + 1))
    done
    printf -- '--%s--\n' "$b"
} > many-parts.eml
