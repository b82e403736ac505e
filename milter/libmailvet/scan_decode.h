/* scan_decode.h - content decoded for rules from the bytes of one object, by hand where
 * libclamav keeps what it decodes to itself.  libclamav hands out VBA module source
 * (scan.c takes it from its VBA callback), but the Excel 4.0 formulas it disassembles,
 * the RTF object data it decodes and the scripts it normalises reach only its own
 * signature matcher.  scan_decode_object() looks at an object's bytes, as the
 * file-inspection callback shows them, and fills its decoded fields
 * (enum scan_decoded, scan.h):
 *   - a BIFF8 workbook stream (the "Workbook" stream of an .xls, which libclamav
 *     inspects as an object of its own): the formulas of its Excel 4.0 macro sheets
 *     as text, "EXEC("...")", one a line, and "Auto_Open"/"Auto_Close" for the
 *     built-in names that run them;
 *   - an OOXML macro sheet (xl/macrosheets/sheetN.xml): the text of its <f> elements;
 *   - RTF: the hex of every \objdata, with white space, line breaks, control words and
 *     {\*...} groups removed and lower-cased, and the OLE class names it embeds (from
 *     \objclass, from the OLE 1.0 header of the data, and Equation.3 for the Equation
 *     Editor's CLSID anywhere in the data);
 *   - a script (by name: js, jse, vbs, vbe, wsf, wsh, wsc, hta, ps1, psm1, bat, cmd,
 *     sct) as its text; an HTML file (by type or name, or sniffed) as the text of
 *     its <script> elements.
 * Every field stops at the budget's content window (scan_decoded_add).  No logging, no
 * library but GLib. */
#ifndef MV_SCAN_DECODE_H
#define MV_SCAN_DECODE_H

#include <stddef.h>

#include "scan.h"

/* scan_decode_object - fill O's decoded fields from BUF (SIZE bytes, the whole
 * object), NAME (may be NULL) and libclamav's TYPE (may be NULL) */
void scan_decode_object(struct scan_budget *budget, struct scan_object *o, const unsigned char *buf,
                        size_t size, const char *name, const char *type);

#endif
