#!/bin/sh
# eicar.sh - print the 68-byte EICAR anti-virus test string to stdout, no newline.
#
# The string is stored ROT13-encoded so that no scanner flags this repository
# and no clear copy is ever committed (CONVENTIONS.md, Tests).  The output is
# harmless by design: it is the industry's test file, not malware.
# Used by tests/samples/make-samples.sh and by the build of the bundled
# default signature set.  Fails (exit 1) if the decoded bytes are not the
# expected 68, so a damaged copy is noticed instead of yielding a sample that
# silently matches nothing.
set -eu

rot13='K5B!C%@NC[4\CMK54(C^)7PP)7}$RVPNE-FGNAQNEQ-NAGVIVEHF-GRFG-SVYR!$U+U*'

eicar=$(printf '%s' "$rot13" | tr 'A-Za-z' 'N-ZA-Mn-za-m')
if [ "${#eicar}" -ne 68 ]; then
    echo "eicar.sh: decoded string has ${#eicar} bytes, want 68" >&2
    exit 1
fi
printf '%s' "$eicar"
