/* report.h - a pipeline result as JSON (mailvet scan --json, later records) or as
 * readable text.  The strings returned belong to the caller (g_free). */
#ifndef MV_REPORT_H
#define MV_REPORT_H

#include "pipeline.h"

/* report_cache_state - the message's cache outcome: off, hit, miss or partial */
const char *report_cache_state(const struct pipeline_result *res);
/* report_json_new - one compact JSON object for the message named NAME */
char *report_json_new(const char *name, const struct pipeline_result *res);
/* report_text_new - clamscan-like lines: "NAME: verdict (reasons)" and the parts */
char *report_text_new(const char *name, const struct pipeline_result *res, bool verbose);

#endif
