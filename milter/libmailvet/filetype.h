/* filetype.h - what a file claims to be against what it is.
 * filetype_mismatch() compares an object's name extension and declared MIME type with
 * the type libclamav detected, by class (executable, zip, OLE2, PDF, image, text ...):
 * true when a known claim names another class than a known detected type, e.g.
 * invoice.pdf that is a PE executable.  filetype_unsupported() recognises by magic
 * bytes the containers libclamav does not open (ACE, LHA/LZH, ar, VHD, VHDX, WIM,
 * and zstd, LZ4, lzip, LZMA-alone, lzop and compress streams), so they can be
 * reported as objects of their type.  Tables only; no state, thread-safe. */
#ifndef MV_FILETYPE_H
#define MV_FILETYPE_H

#include <stdbool.h>
#include <stddef.h>

/* filetype_mismatch - NAME (may be NULL) and DECLARED ("type/subtype", may be NULL)
 * against libclamav's DETECTED ("CL_TYPE_MSEXE" ...) */
bool filetype_mismatch(const char *name, const char *declared, const char *detected);
/* filetype_unsupported - "MV_TYPE_ACE" ... for a container libclamav cannot open, or NULL */
const char *filetype_unsupported(const unsigned char *data, size_t len);

#endif
