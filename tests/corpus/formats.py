"""formats - container and document builders for the heuristics corpus.

Python 3 standard library only, so the corpus needs no archiver on the machine
and the same seed gives the same bytes (deflated data as the machine's zlib
writes it): every timestamp is pinned, every "random" byte comes from the
caller's random.Random.  What is built is inert: executables are stubs (magic
bytes and zeros, no code), scripts are comments, a ZipCrypto member is such a
stub encrypted, and a 7zAES-marked member is random bytes that decrypt to nothing.

Builders: zip_archive (stored/deflated, optionally ZipCrypto-encrypted),
gzip_file (with the FNAME header field), tar_gz, iso9660, lzh (-lh0-), rar4
(stored), sevenzip (copy coder; AES-marked members or an encrypted header),
ace_stub, pe_stub, png, jpeg, pdf, docx, xlsx, rtf helpers.
"""

import base64
import gzip
import io
import struct
import tarfile
import zipfile
import zlib

MARK = "INERT-TEST-FIXTURE"
EPOCH = 1591574400  # 2020-06-08 00:00:00 UTC, the Avaddon wave
DOS_DATE = (2020, 6, 8, 9, 30, 0)


# ---------------------------------------------------------------- stubs


def pe_stub(dotnet=True):
    """PE stub: MZ, e_lfanew 64, PE\\0\\0, zeros; no sections, no entry point."""
    b = b"MZ" + b"\0" * 58 + struct.pack("<I", 64) + b"PE\0\0" + b"\0" * 188
    b += MARK.encode()
    if dotnet:
        b += b"\0mscoree.dll\0_CorExeMain\0"
    return b + b"\0" * 256


def ace_stub(member):
    """ACE look-alike: **ACE** at 7, the member name in clear, zeros."""
    return (b"\0" * 7 + b"**ACE**" + b"\0" * 16 + member.encode() + b"\0" * 32 + MARK.encode()
            + b"\0" * 64)


# ---------------------------------------------------------------- images

_JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERX"
    "RTc4UG1RV19iZ2hnPk1xeXBkeFxlZ2P/2wBDARESEhgVGC8aGi9jQjhCY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2Nj"
    "Y2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2P/wAARCAAQABgDASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAA"
    "AAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAk"
    "M2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKT"
    "lJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QA"
    "HwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdh"
    "cRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hp"
    "anN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk"
    "5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwDlobD2rQhsPateGw9qvw2HtTpzObDY7zMiGw9qK6WKyCjJGAKK"
    "3eJp09JyS9We9SxrcT//2Q==")


def jpeg(comment):
    """A real 24x16 baseline JPEG; COMMENT goes in a COM segment (varies the bytes)."""
    c = (comment + " " + MARK).encode()
    return _JPEG[:20] + b"\xff\xfe" + struct.pack(">H", len(c) + 2) + c + _JPEG[20:]


def png(w, h, variant):
    """A real RGB PNG of W x H, colours depending on VARIANT."""
    rows = b"".join(b"\0" + b"".join(bytes(((x * 9 + variant * 37) % 256, (y * 13) % 256,
                                               ((x + y) * 5 + variant * 71) % 256))
                                        for x in range(w)) for y in range(h))

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"tEXt", b"Comment\0" + MARK.encode())
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


# ---------------------------------------------------------------- documents


def pdf(lines):
    """A real one-page PDF showing LINES (Latin-1 text)."""
    text = "BT /F1 11 Tf 56 780 Td 14 TL\n"
    for line in list(lines) + [MARK]:
        e = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        text += "(%s) '\n" % e
    text += "ET\n"
    tb = text.encode("latin-1", "replace")
    title = lines[0].encode("latin-1", "replace").replace(b"(", b"").replace(b")", b"")
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font "
            b"<< /F1 4 0 R >> >> /Contents 5 0 R >>",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            b"<< /Length %d >>\nstream\n" % len(tb) + tb + b"\nendstream",
            b"<< /Title (" + title + b") /Producer (mailvet corpus) >>"]
    out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    offs = []
    for i, o in enumerate(objs):
        offs.append(len(out))
        out += b"%d 0 obj\n" % (i + 1) + o + b"\nendobj\n"
    x = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offs)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objs) + 1, x)
    return out


def _ooxml(files):
    return zip_archive([(n, d.encode() if isinstance(d, str) else d) for n, d in files])


_NS_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_NS_S = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_P = "http://schemas.openxmlformats.org/package/2006/relationships"
_NS_C = "http://schemas.openxmlformats.org/package/2006/content-types"


def _esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def docx(paragraphs, template=None, ole_link=None):
    """A minimal well-formed Word document without macros.  TEMPLATE: an attached
    template (word/settings.xml, relationship attachedTemplate, TargetMode External);
    OLE_LINK: a linked OLE object whose source is that URL (relationship oleObject,
    TargetMode External)."""
    body = "".join("<w:p><w:r><w:t>%s</w:t></w:r></w:p>" % _esc(p)
                   for p in list(paragraphs) + [MARK])
    rels, parts, over = "", [], ""
    if template:
        over += ('<Override PartName="/word/settings.xml" ContentType="application/vnd.'
                 'openxmlformats-officedocument.wordprocessingml.settings+xml"/>')
        rels += '<Relationship Id="rId1" Type="%s/settings" Target="settings.xml"/>' % _NS_R
        parts.append(("word/settings.xml",
                      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:settings '
                      'xmlns:w="%s" xmlns:r="%s"><w:attachedTemplate r:id="rId1"/></w:settings>'
                      % (_NS_W, _NS_R)))
        parts.append(("word/_rels/settings.xml.rels",
                      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
                      'xmlns="%s"><Relationship Id="rId1" Type="%s/attachedTemplate" Target="%s" '
                      'TargetMode="External"/></Relationships>' % (_NS_P, _NS_R, _esc(template))))
    if ole_link:
        rels += ('<Relationship Id="rId9" Type="%s/oleObject" Target="%s" TargetMode="External"/>'
                 % (_NS_R, _esc(ole_link)))
        body = ('<w:p><w:r><w:object><o:OLEObject Type="Link" ProgID="Word.Document.8" '
                'ShapeID="_x0000_i1025" DrawAspect="Content" r:id="rId9" UpdateMode="Always">'
                '<o:LinkType>EnhancedMetaFile</o:LinkType></o:OLEObject></w:object></w:r></w:p>'
                + body)
    if rels:
        parts.append(("word/_rels/document.xml.rels",
                      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
                      'xmlns="%s">%s</Relationships>' % (_NS_P, rels)))
    return _ooxml([
        ("[Content_Types].xml",
         '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="%s">'
         '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
         'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
         '<Override PartName="/word/document.xml" ContentType="application/vnd.'
         'openxmlformats-officedocument.wordprocessingml.document.main+xml"/>%s</Types>'
         % (_NS_C, over)),
        ("_rels/.rels",
         '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="%s">'
         '<Relationship Id="rId1" Type="%s/officeDocument" Target="word/document.xml"/>'
         '</Relationships>' % (_NS_P, _NS_R)),
        ("word/document.xml",
         '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="%s" '
         'xmlns:r="%s" xmlns:o="urn:schemas-microsoft-com:office:office"><w:body>%s</w:body>'
         '</w:document>' % (_NS_W, _NS_R, body)),
    ] + parts)


def xlsx(rows):
    """A minimal well-formed workbook without macros; ROWS of strings/numbers."""
    data = ""
    for r, row in enumerate(list(rows) + [[MARK]], 1):
        data += '<row r="%d">' % r
        for c, v in enumerate(row):
            ref = "%s%d" % (chr(65 + c), r)
            if isinstance(v, (int, float)):
                data += '<c r="%s"><v>%s</v></c>' % (ref, v)
            else:
                data += '<c r="%s" t="inlineStr"><is><t>%s</t></is></c>' % (ref, _esc(v))
        data += "</row>"
    ct = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    return _ooxml([
        ("[Content_Types].xml",
         '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="%s">'
         '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
         'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
         '<Override PartName="/xl/workbook.xml" ContentType="%s.sheet.main+xml"/>'
         '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="%s.worksheet+xml"/>'
         '</Types>' % (_NS_C, ct, ct)),
        ("_rels/.rels",
         '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="%s">'
         '<Relationship Id="rId1" Type="%s/officeDocument" Target="xl/workbook.xml"/>'
         '</Relationships>' % (_NS_P, _NS_R)),
        ("xl/workbook.xml",
         '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="%s" '
         'xmlns:r="%s"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets>'
         '</workbook>' % (_NS_S, _NS_R)),
        ("xl/_rels/workbook.xml.rels",
         '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="%s">'
         '<Relationship Id="rId1" Type="%s/worksheet" Target="worksheets/sheet1.xml"/>'
         '</Relationships>' % (_NS_P, _NS_R)),
        ("xl/worksheets/sheet1.xml",
         '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="%s">'
         '<sheetData>%s</sheetData></worksheet>' % (_NS_S, data)),
    ])


def rtf_text(paragraphs, pad=0):
    """A plain RTF document (no objects); PAD extra filler paragraphs."""
    out = "{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0 Calibri;}}\\f0\\fs22 "
    for p in paragraphs:
        out += rtf_escape(p) + "\\par\n"
    for i in range(pad):
        out += ("Section %d. The parties agree to the terms set out in the schedule; "
                "deliveries follow the agreed calendar.\\par\n" % (i + 1))
    return (out + MARK + "\\par\n}").encode("ascii")


def rtf_escape(s):
    """RTF text: ASCII as is, other characters as \\uN?."""
    out = ""
    for ch in s:
        o = ord(ch)
        if ch in "\\{}":
            out += "\\" + ch
        elif o < 128:
            out += ch
        else:
            out += "\\u%d?" % (o if o < 32768 else o - 65536)
    return out


# ---------------------------------------------------------------- zip


_CRCTAB = []
for _n in range(256):
    _c = _n
    for _k in range(8):
        _c = (_c >> 1) ^ 0xEDB88320 if _c & 1 else _c >> 1
    _CRCTAB.append(_c)


class _ZipCrypto:
    """Traditional PKWARE encryption (APPNOTE 6.1); zipfile reads it but cannot write it."""

    def __init__(self, password):
        self.k = [0x12345678, 0x23456789, 0x34567890]
        for c in password:
            self._update(c)

    def _update(self, c):
        k = self.k
        k[0] = _CRCTAB[(k[0] ^ c) & 0xFF] ^ (k[0] >> 8)
        k[1] = ((k[1] + (k[0] & 0xFF)) * 134775813 + 1) & 0xFFFFFFFF
        k[2] = _CRCTAB[(k[2] ^ (k[1] >> 24)) & 0xFF] ^ (k[2] >> 8)

    def encrypt(self, data):
        out = bytearray()
        for p in data:
            t = (self.k[2] | 2) & 0xFFFF
            out.append(p ^ (((t * (t ^ 1)) >> 8) & 0xFF))
            self._update(p)
        return bytes(out)


def zip_archive(members, password=None, rng=None, deflate=True):
    """A zip of MEMBERS [(name, bytes)]; with PASSWORD every member is ZipCrypto-encrypted
    (the 12-byte headers from RNG)."""
    if password is None:
        bio = io.BytesIO()
        with zipfile.ZipFile(bio, "w") as z:
            for name, data in members:
                zi = zipfile.ZipInfo(name, DOS_DATE)
                zi.compress_type = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
                zi.external_attr = 0o644 << 16
                zi.create_system = 0
                z.writestr(zi, data)
        return bio.getvalue()
    dostime = (9 << 11) | (30 << 5)
    dosdate = ((2020 - 1980) << 9) | (6 << 5) | 8
    local, central = b"", b""
    for name, data in members:
        fn = name.encode("utf-8")
        flags = 0x1 | (0x800 if any(ord(c) > 127 for c in name) else 0)
        crc = zlib.crc32(data)
        co = zlib.compressobj(9, zlib.DEFLATED, -15)
        comp = co.compress(data) + co.flush()
        zc = _ZipCrypto(password.encode("utf-8"))
        head = bytes(rng.randrange(256) for _ in range(11)) + bytes([crc >> 24])
        enc = zc.encrypt(head + comp)
        fields = struct.pack("<HHHHHIIIHH", 20, flags, 8, dostime, dosdate, crc, len(enc),
                             len(data), len(fn), 0)
        central += (b"PK\1\2" + struct.pack("<H", 20) + fields
                    + struct.pack("<HHHII", 0, 0, 0, 0o644 << 16, len(local)) + fn)
        local += b"PK\3\4" + fields + fn + enc
    return (local + central + b"PK\5\6" + struct.pack("<HHHHIIH", 0, 0, len(members),
                                                      len(members), len(central), len(local), 0))


# ---------------------------------------------------------------- gzip, tar


def gzip_file(name, data):
    """gzip of DATA with NAME in the header (FNAME), mtime pinned."""
    bio = io.BytesIO()
    with gzip.GzipFile(filename=name, mode="wb", fileobj=bio, mtime=EPOCH) as g:
        g.write(data)
    return bio.getvalue()


def tar_gz(members):
    """A .tar.gz of MEMBERS [(name, bytes)], owners and times pinned."""
    tbio = io.BytesIO()
    with tarfile.open(fileobj=tbio, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name, data in members:
            ti = tarfile.TarInfo(name)
            ti.size, ti.mtime, ti.mode = len(data), EPOCH, 0o644
            ti.uname = ti.gname = "user"
            t.addfile(ti, io.BytesIO(data))
    return _gz_noname(tbio.getvalue())


def _gz_noname(data):
    bio = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=bio, mtime=EPOCH) as g:
        g.write(data)
    return bio.getvalue()


# ---------------------------------------------------------------- ISO 9660


def _both16(v):
    return struct.pack("<H", v) + struct.pack(">H", v)


def _both32(v):
    return struct.pack("<I", v) + struct.pack(">I", v)


def _dirrec(name, extent, size, isdir):
    n = len(name)
    rec = (struct.pack("<BB", 0, 0) + _both32(extent) + _both32(size)
           + bytes([120, 6, 8, 9, 30, 0, 0]) + bytes([2 if isdir else 0, 0, 0])
           + _both16(1) + bytes([n]) + name)
    if len(rec) % 2:
        rec += b"\0"
    return bytes([len(rec)]) + rec[1:]


def iso9660(files, volume="DOCUMENTS"):
    """An ISO 9660 image (one root directory) holding FILES [(name, bytes)].
    Names are written as given (upper-cased) with ";1"."""
    S = 2048
    root_lba = 20
    lba = 21
    entries = []
    for name, data in files:
        entries.append((name.upper().encode("ascii", "replace") + b";1", lba, data))
        lba += (len(data) + S - 1) // S or 1
    total = lba
    root = _dirrec(b"\0", root_lba, S, True) + _dirrec(b"\1", root_lba, S, True)
    for n, l, d in entries:
        root += _dirrec(n, l, len(d), False)
    root = root.ljust(S, b"\0")
    date17 = b"2020060809300000\0"
    pvd = (b"\1CD001\1\0" + b"MAILVET CORPUS".ljust(32) + volume.encode().ljust(32) + b"\0" * 8
           + _both32(total) + b"\0" * 32 + _both16(1) + _both16(1) + _both16(S) + _both32(10)
           + struct.pack("<I", 18) + b"\0" * 4 + struct.pack(">I", 19) + b"\0" * 4
           + _dirrec(b"\0", root_lba, S, True)
           + volume.encode().ljust(128) + MARK.encode().ljust(128) + b" " * 128 + b" " * 128
           + b" " * 37 * 3 + date17 * 2 + b"0" * 16 + b"\0" + date17 + b"\1\0")
    pvd = pvd.ljust(S, b"\0")
    term = b"\xffCD001\1".ljust(S, b"\0")
    lpt = struct.pack("<BBIH", 1, 0, root_lba, 1) + b"\0\0"
    mpt = struct.pack(">BBIH", 1, 0, root_lba, 1) + b"\0\0"
    img = b"\0" * (16 * S) + pvd + term + lpt.ljust(S, b"\0") + mpt.ljust(S, b"\0") + root
    for n, l, d in entries:
        img += d.ljust(((len(d) + S - 1) // S or 1) * S, b"\0")
    return img


# ---------------------------------------------------------------- LZH


def _crc16(data):
    crc = 0
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def lzh(members):
    """An LHA archive, level-0 headers, method -lh0- (stored)."""
    out = b""
    for name, data in members:
        fn = name.encode("ascii")
        h = (b"-lh0-" + struct.pack("<IIIBB", len(data), len(data), 0x50C84B40, 0x20, 0)
             + bytes([len(fn)]) + fn + struct.pack("<H", _crc16(data)))
        out += bytes([len(h), sum(h) & 0xFF]) + h + data
    return out + b"\0"


# ---------------------------------------------------------------- RAR 4


def rar4(members):
    """A RAR 4 archive, method stored (0x30), header CRCs right."""
    def block(body):
        return struct.pack("<H", zlib.crc32(body) & 0xFFFF) + body
    out = b"Rar!\x1a\x07\x00" + block(struct.pack("<BHHHI", 0x73, 0, 13, 0, 0))
    for name, data in members:
        fn = name.encode("ascii")
        body = struct.pack("<BHHIIBIIBBHI", 0x74, 0x8000, 32 + len(fn), len(data), len(data),
                           2, zlib.crc32(data), 0x50C84B40, 20, 0x30, len(fn), 0x20) + fn
        out += block(body) + data
    return out + b"\xc4\x3d\x7b\x00\x40\x07\x00"


# ---------------------------------------------------------------- 7z


def _num7(v):
    """7z variable-length number."""
    if v < 0x80:
        return bytes([v])
    for n in range(1, 9):
        if v < (1 << (7 * (n + 1))) or n == 8:
            break
    if n == 8:
        return b"\xff" + struct.pack("<Q", v)
    first = (0xFF << (8 - n)) & 0xFF
    hi = v >> (8 * n)
    return bytes([first | hi]) + (v & ((1 << (8 * n)) - 1)).to_bytes(n, "little")


def _aes_coder(rng):
    props = bytes([0x40 | 19, 0x0F]) + bytes(rng.randrange(256) for _ in range(16))
    return b"\x24\x06\xf1\x07\x01" + _num7(len(props)) + props


def _streams(sizes, unpack, coder, crcs):
    s = b"\x06" + _num7(0) + _num7(len(sizes)) + b"\x09" + b"".join(_num7(x) for x in sizes)
    s += b"\x00\x07\x0b" + _num7(len(sizes)) + b"\x00"
    s += coder * len(sizes) if isinstance(coder, bytes) else b"".join(coder)
    s += b"\x0c" + b"".join(_num7(x) for x in unpack) + b"\x00"
    if crcs is not None:
        s += b"\x08\x0a\x01" + b"".join(struct.pack("<I", c) for c in crcs) + b"\x00"
    return s


def _names7(names):
    blob = b"\x00" + b"".join(n.encode("utf-16-le") + b"\0\0" for n in names)
    attrs = b"\x01\x00" + struct.pack("<I", 0x20) * len(names)
    return (b"\x05" + _num7(len(names)) + b"\x11" + _num7(len(blob)) + blob
            + b"\x15" + _num7(len(attrs)) + attrs + b"\x00")


def _sig7(packed, header):
    start = struct.pack("<QQI", len(packed), len(header), zlib.crc32(header))
    return b"7z\xbc\xaf\x27\x1c\x00\x04" + struct.pack("<I", zlib.crc32(start)) + start + packed + header


def sevenzip(members, encrypted=False, encrypted_header=False, rng=None):
    """A 7z archive, one folder per member.  Plain: the copy coder, data in clear.
    ENCRYPTED: each folder is marked AES-256 (7zAES) and holds RNG bytes, names listed.
    ENCRYPTED_HEADER: also the header is an AES-marked stream, so nothing is listed."""
    if not encrypted:
        packed = b"".join(d for _, d in members)
        sizes = [len(d) for _, d in members]
        header = (b"\x01\x04" + _streams(sizes, sizes, b"\x01\x01\x00",
                                         [zlib.crc32(d) for _, d in members])
                  + b"\x00" + _names7([n for n, _ in members]) + b"\x00")
        return _sig7(packed, header)
    packs, sizes, unpack, coders = b"", [], [], []
    for _, d in members:
        blob = bytes(rng.randrange(256) for _ in range((len(d) + 15) // 16 * 16))
        packs += blob
        sizes.append(len(blob))
        unpack.append(len(d))
        coders.append(b"\x01" + _aes_coder(rng))
    header = (b"\x01\x04" + _streams(sizes, unpack, coders, [zlib.crc32(d) for _, d in members])
              + b"\x00"
              + _names7([n for n, _ in members]) + b"\x00")
    if not encrypted_header:
        return _sig7(packs, header)
    hblob = bytes(rng.randrange(256) for _ in range((len(header) + 15) // 16 * 16))
    enc = b"\x17" + _streams([len(hblob)], [len(header)], [b"\x01" + _aes_coder(rng)], None) + b"\x00"
    # the pack position of the header stream is after the members' data
    enc = enc.replace(b"\x06" + _num7(0), b"\x06" + _num7(len(packs)), 1)
    return _sig7(packs + hblob, enc)
