/* mv.c - names and helpers for the shared enums of mv.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mv.h"

/* mv_err_set - record status and message in err (NULL allowed); returns status */
enum mv_status mv_err_set(struct mv_err *err, enum mv_status status, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL)
        return status;
    err->status = status;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return status;
}

/* mv_status_name - short name of a status, for logs */
const char *mv_status_name(enum mv_status status)
{
    static const char *const names[] = {
        [MV_OK] = "ok",
        [MV_ENOMEM] = "no-memory",
        [MV_EIO] = "io-error",
        [MV_TOOBIG] = "too-big",
        [MV_EPARSE] = "parse-error",
        [MV_ESCAN] = "scan-error",
        [MV_ECONFIG] = "config-error",
        [MV_EBUG] = "bug",
    };

    if ((unsigned)status < sizeof(names) / sizeof(names[0]) && names[status] != NULL)
        return names[status];
    return "unknown";
}

static const char *const verdict_names[] = {
    [MV_VERDICT_CLEAN] = "clean",
    [MV_VERDICT_SUSPICIOUS] = "suspicious",
    [MV_VERDICT_UNSCANNABLE] = "unscannable",
    [MV_VERDICT_CAMPAIGN] = "campaign",
    [MV_VERDICT_INFECTED] = "infected",
};

/* mv_verdict_name - "clean", "infected", ... */
const char *mv_verdict_name(enum mv_verdict v)
{
    if ((unsigned)v < sizeof(verdict_names) / sizeof(verdict_names[0]))
        return verdict_names[v];
    return "unknown";
}

static const char *const action_names[] = {
    [MV_ACTION_ACCEPT] = "accept",         [MV_ACTION_TAG] = "tag",
    [MV_ACTION_QUARANTINE] = "quarantine", [MV_ACTION_DISCARD] = "discard",
    [MV_ACTION_TEMPFAIL] = "tempfail",     [MV_ACTION_REJECT] = "reject",
};

/* mv_action_name - "accept", "reject", ... */
const char *mv_action_name(enum mv_action a)
{
    if ((unsigned)a < sizeof(action_names) / sizeof(action_names[0]))
        return action_names[a];
    return "unknown";
}

/* mv_action_parse - action by name; false when NAME is none of them */
bool mv_action_parse(const char *name, enum mv_action *out)
{
    for (size_t i = 0; i < sizeof(action_names) / sizeof(action_names[0]); i++) {
        if (strcmp(name, action_names[i]) == 0) {
            *out = (enum mv_action)i;
            return true;
        }
    }
    return false;
}
