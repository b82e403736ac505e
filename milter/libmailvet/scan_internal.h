/* scan_internal.h - what the parts of the scan module share, and nothing outside it:
 * scan.c (the scans and libclamav's callbacks), scan_engine.c (loading and compiling
 * an engine) and scan_report.c (the report and its objects, no libclamav). */
#ifndef MV_SCAN_INTERNAL_H
#define MV_SCAN_INTERNAL_H

#include <glib.h>

#include "scan.h"

struct cl_engine;

struct scan_engine {
    struct cl_engine *cl;
    unsigned signatures; /* all of them */
    unsigned extra;      /* those of the EXTRA directory (ours) */
    char version[128];
};

/* scan_callbacks_install - libclamav's per-scan callbacks of scan.c on engine CL */
void scan_callbacks_install(struct cl_engine *cl);

/* scan_name_add - NAME into LIST (char *) once */
void scan_name_add(GPtrArray *list, const char *name);
/* scan_object_new - an empty object appended to REP, taking PATH (allocated) */
struct scan_object *scan_object_new(struct scan_report *rep, char *path, const char *name,
                                    const char *type, uint64_t size, unsigned depth);
/* scan_report_start - REP's lists, made once */
void scan_report_start(struct scan_report *rep);

#endif
