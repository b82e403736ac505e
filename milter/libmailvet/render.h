/* render.h - a pipeline result as JSON (mailvet scan --json, later records) or as
 * readable text.  The strings returned belong to the caller (g_free). */
#ifndef MV_RENDER_H
#define MV_RENDER_H

#include "pipeline.h"

/* render_cache_state - the message's cache outcome over the local and the Redis cache:
 * off (neither is on), hit (every leaf's report from one), miss or partial */
const char *render_cache_state(const struct pipeline_result *res);
/* render_json_new - one compact JSON object for the message named NAME */
char *render_json_new(const char *name, const struct pipeline_result *res);
/* render_text_new - clamscan-like lines: "NAME: verdict (reasons)" and the parts */
char *render_text_new(const char *name, const struct pipeline_result *res, bool verbose);

#endif
