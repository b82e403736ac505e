/* config.c - mailvet.yaml into struct mv_config through one schema table.
 * Contract in config.h; the socket and listen addresses' syntax is config_address.c's.
 * keys[] below is the single source of truth: name, type, field,
 * default, range and whether SIGUSR1 applies a change.  Defaults and ranges are written
 * as the operator would write them ("100M", "120s") and go through the same parser as the
 * file, so a default outside its own range cannot hide (config_default() aborts, and
 * test_config calls it).  config_load() starts from the defaults in a fresh struct, applies
 * every key of the file, and collects every error ("FILE:LINE: KEY: message", one per
 * line) before it gives up, so the operator fixes a file in one round.  Units (units.c,
 * the same grammar as the command line's): sizes are bytes with an optional K, M, G or
 * T suffix (1024-based); durations need one of ms, s, m, h, d or w: a bare number is
 * refused, as it meant seconds for one key and milliseconds for another.  Each duration
 * key is stored in its own unit (seconds, or milliseconds for max_scan_time ...).  Not a
 * leaf module, but it still does not log: the caller prints err->msg. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <glib.h>

#include "config.h"
#include "suggest.h"
#include "mvlimits.h"
#include "units.h"
#include "yamlnode.h"

/* The directories configure chose (Makefile.am passes them), so that a daemon built
 * with --prefix=/usr/local looks where "make install" put its files. */
#if !defined(SYSCONFDIR) || !defined(LOCALSTATEDIR) || !defined(RUNSTATEDIR)
#error "build through milter/libmailvet/Makefile: SYSCONFDIR, LOCALSTATEDIR, RUNSTATEDIR"
#endif

enum cfg_type {
    CFG_STRING,   /* free text; with choices, one of them */
    CFG_PATH,     /* an absolute path */
    CFG_SOCKET,   /* a libmilter socket specification */
    CFG_LISTEN,   /* an HTTP listen address: IPV4:PORT or [IPV6]:PORT (config_listen_split) */
    CFG_BOOL,     /* true/false, yes/no -> bool */
    CFG_UINT,     /* decimal -> unsigned */
    CFG_SIZE,     /* bytes, K/M/G/T suffix (units.c) -> uint64_t */
    CFG_DURATION, /* ms/s/m/h/d/w suffix (units.c) -> unsigned, in the key's unit */
    CFG_MODE,     /* octal permissions -> unsigned */
    CFG_ENUM,     /* one of choices -> int (the index) */
};

#define CFG_RELOAD 0x1u /* SIGUSR1 applies a change; otherwise it needs a restart */
#define CFG_EMPTY 0x2u  /* "" is a valid value (string, path) */
#define CFG_SECRET 0x4u /* printed as "(set)": check-config output may be shared */

#define CFG_SECONDS 1000u /* a duration stored in seconds: its unit, in milliseconds */
#define CFG_MILLIS 1u     /* a duration stored in milliseconds */

struct cfg_key {
    const char *name;
    enum cfg_type type;
    size_t offset;   /* of the field in struct mv_config */
    const char *def; /* default, written as in the file */
    const char *min; /* range, written as in the file; NULL = none */
    const char *max;
    unsigned flags;             /* CFG_RELOAD, CFG_EMPTY */
    const char *const *choices; /* CFG_ENUM, CFG_STRING: NULL-terminated */
    unsigned unit_ms;           /* CFG_DURATION: CFG_SECONDS or CFG_MILLIS */
};

/* KEY - one schema entry; the YAML key is the field's own name (see CONVENTIONS.md) */
/* clang-format off */
#define KEY(f, type, def, min, max, flags, choices, unit) \
    { #f, type, offsetof(struct mv_config, f), def, min, max, flags, choices, unit }
/* clang-format on */

/* Indexed by enum config_quarantine_mode. */
static const char *const quarantine_mode_names[] = {"store", "hold", NULL};
/* Indexed by enum config_quarantine_store. */
static const char *const quarantine_store_names[] = {"dir", "postgresql", NULL};
/* Indexed by enum config_release_route. */
static const char *const release_route_names[] = {"holder", "local", NULL};

/* Indexed by enum config_on_error. */
static const char *const on_error_names[] = {"tempfail", "accept", NULL};

/* syslog(3) facilities for a mail filter; log.c maps the same names to LOG_* codes. */
static const char *const facility_names[] = {
    "mail",   "daemon", "user",   "local0", "local1", "local2",
    "local3", "local4", "local5", "local6", "local7", NULL,
};

static const struct cfg_key keys[] = {
    /* daemon: read once at start, except log_clean and shutdown_timeout, which are read
     * from the current generation when they are needed */
    KEY(socket, CFG_SOCKET, "unix:" RUNSTATEDIR "/mailvet/mailvetd.sock", NULL, NULL, 0, NULL, 0),
    KEY(socket_mode, CFG_MODE, "0660", "0", "0777", 0, NULL, 0),
    KEY(user, CFG_STRING, "mailvet", NULL, NULL, CFG_EMPTY, NULL, 0),
    KEY(group, CFG_STRING, "", NULL, NULL, CFG_EMPTY, NULL, 0),
    KEY(pid_file, CFG_PATH, RUNSTATEDIR "/mailvet/mailvetd.pid", NULL, NULL, CFG_EMPTY, NULL, 0),
    KEY(log_facility, CFG_STRING, "mail", NULL, NULL, 0, facility_names, 0),
    KEY(log_clean, CFG_BOOL, "true", NULL, NULL, CFG_RELOAD, NULL, 0),
    KEY(milter_timeout, CFG_DURATION, "300s", "1s", "24h", 0, NULL, CFG_SECONDS),
    KEY(shutdown_timeout, CFG_DURATION, "30s", "0s", "1h", CFG_RELOAD, NULL, CFG_SECONDS),
    /* /metrics (mailvetd_metrics.c): on loopback unless set otherwise, "" off */
    KEY(metrics_listen, CFG_LISTEN, "127.0.0.1:9465", NULL, NULL, CFG_EMPTY, NULL, 0),
    KEY(metrics_max_signatures, CFG_UINT, "100", "0", "100000", CFG_RELOAD, NULL, 0),

    /* scanning: a new generation on SIGUSR1; the database default is ClamAV's own
     * directory (freshclam's), not one of ours */
    KEY(database, CFG_PATH, "/var/lib/clamav", NULL, NULL, CFG_RELOAD, NULL, 0),
    KEY(policy_dir, CFG_PATH, SYSCONFDIR "/mailvet/policies", NULL, NULL, CFG_RELOAD | CFG_EMPTY,
        NULL, 0),
    KEY(reload_check_interval, CFG_DURATION, "60s", "0s", "24h", CFG_RELOAD, NULL, CFG_SECONDS),
    KEY(tmpdir, CFG_PATH, "/var/tmp", NULL, NULL, CFG_RELOAD, NULL, 0),
    KEY(on_error, CFG_ENUM, "tempfail", NULL, NULL, CFG_RELOAD, on_error_names, 0),
    KEY(add_header, CFG_BOOL, "false", NULL, NULL, CFG_RELOAD, NULL, 0),
    KEY(max_scans, CFG_UINT, "0", "0", "1024", CFG_RELOAD, NULL, 0),

    /* limits: defaults in mvlimits.h; sizes stay within 2G for a 32-bit size_t and libclamav */
    KEY(spool_memory, CFG_SIZE, LIMIT_SPOOL_MEMORY_DEFAULT, "0", "1G", CFG_RELOAD, NULL, 0),
    KEY(max_message_size, CFG_SIZE, LIMIT_MAX_MESSAGE_SIZE_DEFAULT, "1K", "2G", CFG_RELOAD, NULL,
        0),
    KEY(max_parts, CFG_UINT, LIMIT_MAX_PARTS_DEFAULT, "1", "100000", CFG_RELOAD, NULL, 0),
    KEY(max_mime_depth, CFG_UINT, LIMIT_MAX_MIME_DEPTH_DEFAULT, "1", "100", CFG_RELOAD, NULL, 0),
    KEY(max_scan_size, CFG_SIZE, LIMIT_MAX_SCAN_SIZE_DEFAULT, "1K", "2G", CFG_RELOAD, NULL, 0),
    KEY(max_file_size, CFG_SIZE, LIMIT_MAX_FILE_SIZE_DEFAULT, "1K", "2G", CFG_RELOAD, NULL, 0),
    KEY(max_recursion, CFG_UINT, LIMIT_MAX_RECURSION_DEFAULT, "1", "64", CFG_RELOAD, NULL, 0),
    KEY(max_files, CFG_UINT, LIMIT_MAX_FILES_DEFAULT, "1", "1000000", CFG_RELOAD, NULL, 0),
    KEY(max_scan_time, CFG_DURATION, LIMIT_MAX_SCAN_TIME_DEFAULT, "100ms", "1h", CFG_RELOAD, NULL,
        CFG_MILLIS),
    KEY(max_objects, CFG_UINT, LIMIT_MAX_OBJECTS_DEFAULT, "1", "1000000", CFG_RELOAD, NULL, 0),
    KEY(max_message_scan_size, CFG_SIZE, LIMIT_MAX_MESSAGE_SCAN_SIZE_DEFAULT, "1K", "16G",
        CFG_RELOAD, NULL, 0),
    KEY(max_message_scan_time, CFG_DURATION, LIMIT_MAX_MESSAGE_SCAN_TIME_DEFAULT, "100ms", "1h",
        CFG_RELOAD, NULL, CFG_MILLIS),
    KEY(max_compression_ratio, CFG_UINT, LIMIT_MAX_COMPRESSION_RATIO_DEFAULT, "2", "1000000",
        CFG_RELOAD, NULL, 0),
    KEY(max_passwords, CFG_UINT, LIMIT_MAX_PASSWORDS_DEFAULT, "0", "1000", CFG_RELOAD, NULL, 0),
    KEY(content_window, CFG_SIZE, LIMIT_CONTENT_WINDOW_DEFAULT, "4K", "16M", CFG_RELOAD, NULL, 0),

    /* mailvet's quarantine (quarantine.c): action quarantine stores there, unless
     * quarantine_mode is hold (the MTA's hold queue) */
    KEY(quarantine_dir, CFG_PATH, LOCALSTATEDIR "/spool/mailvet/quarantine", NULL, NULL, CFG_RELOAD,
        NULL, 0),
    KEY(quarantine_mode, CFG_ENUM, "store", NULL, NULL, CFG_RELOAD, quarantine_mode_names, 0),
    /* where quarantine_mode store keeps it (qstore.c): the directory, or PostgreSQL for a
     * fleet (quarantine_db: a libpq connection string, its password never printed) */
    KEY(quarantine_store, CFG_ENUM, "dir", NULL, NULL, CFG_RELOAD, quarantine_store_names, 0),
    KEY(quarantine_db, CFG_STRING, "", NULL, NULL, CFG_RELOAD | CFG_EMPTY | CFG_SECRET, NULL, 0),
    KEY(quarantine_host, CFG_STRING, "", NULL, NULL, CFG_RELOAD | CFG_EMPTY, NULL, 0),
    KEY(quarantine_release_route, CFG_ENUM, "holder", NULL, NULL, CFG_RELOAD, release_route_names,
        0),
    KEY(quarantine_release_host, CFG_STRING, "127.0.0.1", NULL, NULL, CFG_RELOAD, NULL, 0),
    KEY(quarantine_release_port, CFG_UINT, "10026", "1", "65535", CFG_RELOAD, NULL, 0),
    KEY(quarantine_max_age, CFG_DURATION, "720h", "1h", "87600h", CFG_RELOAD, NULL, CFG_SECONDS),
    KEY(quarantine_max_size, CFG_SIZE, "10G", "1M", "4096G", CFG_RELOAD, NULL, 0),

    /* the Redis verdict cache (cache.c): off while redis and redis_sentinels are "" */
    KEY(redis, CFG_STRING, "", NULL, NULL, CFG_RELOAD | CFG_EMPTY, NULL, 0),
    KEY(redis_sentinels, CFG_STRING, "", NULL, NULL, CFG_RELOAD | CFG_EMPTY, NULL, 0),
    KEY(redis_master_name, CFG_STRING, "", NULL, NULL, CFG_RELOAD | CFG_EMPTY, NULL, 0),
    KEY(redis_sentinel_username, CFG_STRING, "", NULL, NULL, CFG_RELOAD | CFG_EMPTY, NULL, 0),
    KEY(redis_sentinel_password, CFG_STRING, "", NULL, NULL, CFG_RELOAD | CFG_EMPTY | CFG_SECRET,
        NULL, 0),
    KEY(redis_replicas, CFG_STRING, "", NULL, NULL, CFG_RELOAD | CFG_EMPTY, NULL, 0),
    KEY(redis_username, CFG_STRING, "", NULL, NULL, CFG_RELOAD | CFG_EMPTY, NULL, 0),
    KEY(redis_password, CFG_STRING, "", NULL, NULL, CFG_RELOAD | CFG_EMPTY | CFG_SECRET, NULL, 0),
    KEY(redis_db, CFG_UINT, "0", "0", "1000", CFG_RELOAD, NULL, 0),
    KEY(redis_connect_timeout, CFG_DURATION, "200ms", "1ms", "10s", CFG_RELOAD, NULL, CFG_MILLIS),
    KEY(redis_timeout, CFG_DURATION, "200ms", "1ms", "10s", CFG_RELOAD, NULL, CFG_MILLIS),
    KEY(cache_secret, CFG_STRING, "", NULL, NULL, CFG_RELOAD | CFG_EMPTY | CFG_SECRET, NULL, 0),
    KEY(cache_ttl_clean, CFG_DURATION, "6h", "1s", "720h", CFG_RELOAD, NULL, CFG_SECONDS),
    KEY(cache_ttl_detected, CFG_DURATION, "24h", "1s", "720h", CFG_RELOAD, NULL, CFG_SECONDS),
    KEY(cache_max_value, CFG_SIZE, "1M", "1K", "64M", CFG_RELOAD, NULL, 0),
    /* the local verdict cache (localcache.c), in front of Redis: 0 is off */
    KEY(local_cache_size, CFG_SIZE, "64M", "0", "64G", CFG_RELOAD, NULL, 0),

    /* the web console (mailvet-console): read when it starts; mailvetd ignores them, so a
     * change never refuses the daemon's reload */
    KEY(console_listen, CFG_LISTEN, "127.0.0.1:8025", NULL, NULL, CFG_RELOAD, NULL, 0),
    KEY(console_tls_cert, CFG_PATH, "", NULL, NULL, CFG_RELOAD | CFG_EMPTY, NULL, 0),
    KEY(console_tls_key, CFG_PATH, "", NULL, NULL, CFG_RELOAD | CFG_EMPTY, NULL, 0),
    KEY(console_users_file, CFG_PATH, SYSCONFDIR "/mailvet/console-users", NULL, NULL, CFG_RELOAD,
        NULL, 0),
    KEY(console_audit_log, CFG_PATH, LOCALSTATEDIR "/log/mailvet/console-audit.log", NULL, NULL,
        CFG_RELOAD, NULL, 0),
    KEY(console_session_idle, CFG_DURATION, "1800s", "1m", "24h", CFG_RELOAD, NULL, CFG_SECONDS),
    KEY(console_session_max, CFG_DURATION, "12h", "5m", "30d", CFG_RELOAD, NULL, CFG_SECONDS),
};

/* The keys whose "" turns something off: only a quoted "" (or '') is empty for them; the
 * key left without a value (or ~, null) is refused, as a setting half edited must not
 * turn the rules off or keep root.  What a value is, and what "" does, for the refusal. */
static const struct quoted_key {
    const char *name, *value, *empty;
} quoted_keys[] = {
    {"user", "the user mailvetd runs as", "to keep the user that starts it"},
    {"policy_dir", "the policy directory", "to run without rules"},
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

/* field - address of key K's field in CFG */
static void *field(const struct mv_config *cfg, const struct cfg_key *k)
{
    return (char *)cfg + k->offset;
}

/* is_string_type - the field is a char * */
static bool is_string_type(enum cfg_type t)
{
    return t == CFG_STRING || t == CFG_PATH || t == CFG_SOCKET || t == CFG_LISTEN;
}

/* choice_index - index of TEXT in a NULL-terminated list, or -1 */
static int choice_index(const char *const *choices, const char *text)
{
    int i;

    for (i = 0; choices[i] != NULL; i++)
        if (strcmp(choices[i], text) == 0)
            return i;
    return -1;
}

/* choice_list - "a, b or c" */
static void choice_list(const char *const *choices, char *buf, size_t size)
{
    size_t used = 0;
    int i;

    buf[0] = '\0';
    for (i = 0; choices[i] != NULL && used < size; i++) {
        const char *sep = i == 0 ? "" : choices[i + 1] == NULL ? " or " : ", ";
        int n = snprintf(buf + used, size - used, "%s%s", sep, choices[i]);

        if (n < 0)
            break;
        used += (size_t)n;
    }
}

/* parse_size - "25M" -> bytes (units.c); false when malformed, *OVERFLOW when too large */
static bool parse_size(const char *text, uint64_t *out, bool *overflow)
{
    enum mv_status st = units_parse_size(text, out, NULL);

    *overflow |= st == MV_TOOBIG;
    return st == MV_OK || st == MV_TOOBIG;
}

/* parse_duration - "120s" -> milliseconds (units.c); ERR says why not */
static bool parse_duration(const char *text, uint64_t *ms, bool *overflow, struct mv_err *err)
{
    enum mv_status st = units_parse_duration(text, ms, err);

    *overflow |= st == MV_TOOBIG;
    return st == MV_OK || st == MV_TOOBIG;
}

/* parse_mode - "0660" -> 0660 */
static bool parse_mode(const char *text, uint64_t *out, bool *overflow)
{
    uint64_t v = 0;
    const char *p;

    if (*text == '\0')
        return false;
    for (p = text; *p != '\0'; p++) {
        if (*p < '0' || *p > '7')
            return false;
        if (v > 07777)
            *overflow = true;
        else
            v = v * 8 + (uint64_t)(*p - '0');
    }
    *out = v;
    return true;
}

/* parse_bool - YAML 1.1's common spellings, any case */
static bool parse_bool(const char *text, uint64_t *out)
{
    static const char *const yes[] = {"true", "yes", "on"};
    static const char *const no[] = {"false", "no", "off"};
    size_t i;

    for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (g_ascii_strcasecmp(text, yes[i]) == 0) {
            *out = 1;
            return true;
        }
        if (g_ascii_strcasecmp(text, no[i]) == 0) {
            *out = 0;
            return true;
        }
    }
    return false;
}

/* parse_number - TEXT for a numeric key into the stored unit; WHY says what is wrong.
 * OVERFLOW is set when the text is well-formed but too large to hold. */
static bool parse_number(const struct cfg_key *k, const char *text, uint64_t *out, bool *overflow,
                         char *why, size_t size)
{
    struct mv_err derr = {0};
    uint64_t ms = 0;
    const char *p = text;
    char list[128];
    int idx;

    *overflow = false;
    switch (k->type) {
    case CFG_BOOL:
        if (parse_bool(text, out))
            return true;
        snprintf(why, size, "must be true or false, got %.100s", text);
        return false;
    case CFG_ENUM:
        idx = choice_index(k->choices, text);
        if (idx >= 0) {
            *out = (uint64_t)idx;
            return true;
        }
        choice_list(k->choices, list, sizeof(list));
        snprintf(why, size, "must be %s, got %.100s", list, text);
        return false;
    case CFG_UINT:
        if (units_digits(&p, out, overflow) && *p == '\0')
            return true;
        snprintf(why, size, "must be a whole number, got %.100s", text);
        return false;
    case CFG_SIZE:
        if (parse_size(text, out, overflow))
            return true;
        snprintf(why, size,
                 "must be a size in bytes with an optional K, M, G or T suffix, "
                 "got %.100s",
                 text);
        return false;
    case CFG_MODE:
        if (parse_mode(text, out, overflow))
            return true;
        snprintf(why, size, "must be an octal mode such as 0660, got %.100s", text);
        return false;
    case CFG_DURATION:
        if (!parse_duration(text, &ms, overflow, &derr)) {
            /* a bare number: units.c's message proposes the spellings it may mean */
            if (*text != '\0' && text[strspn(text, "0123456789")] == '\0')
                snprintf(why, size, "%.400s", derr.msg);
            else
                snprintf(why, size, "must be a duration such as %s, got %.100s",
                         k->unit_ms == CFG_SECONDS ? "30s, 5m or 1h" : "500ms, 30s or 2m", text);
            return false;
        }
        if (!*overflow && ms % k->unit_ms != 0) {
            snprintf(why, size, "must be a whole number of seconds, got %.100s", text);
            return false;
        }
        *out = ms / k->unit_ms;
        return true;
    default:
        snprintf(why, size, "bug: key %s is not numeric", k->name);
        return false;
    }
}

/* check_string - validate TEXT for a string, path or socket key */
static bool check_string(const struct cfg_key *k, const char *text, char *why, size_t size)
{
    char list[256];
    const char *p;

    for (p = text; *p != '\0'; p++) {
        if (g_ascii_iscntrl(*p)) {
            snprintf(why, size, "must not contain control characters");
            return false;
        }
    }
    if (*text == '\0')
        return true; /* emptiness is checked by the caller against CFG_EMPTY */
    switch (k->type) {
    case CFG_PATH:
        if (text[0] == '/')
            return true;
        snprintf(why, size, "must be an absolute path, got %.100s", text);
        return false;
    case CFG_SOCKET:
        return config_socket_check(text, why, size);
    case CFG_LISTEN: {
        /* the example takes the key's own default port */
        const char *port = strrchr(k->def, ':') != NULL ? strrchr(k->def, ':') + 1 : "8025";

        if (config_listen_split(text, NULL, 0, NULL))
            return true;
        snprintf(why, size,
                 "must be ADDRESS:PORT with an IP address, such as 127.0.0.1:%s or [::1]:%s%s, "
                 "got %.100s",
                 port, port, (k->flags & CFG_EMPTY) ? " (\"\" for none)" : "", text);
        return false;
    }
    default:
        if (k->choices == NULL || choice_index(k->choices, text) >= 0)
            return true;
        choice_list(k->choices, list, sizeof(list));
        snprintf(why, size, "must be one of %s, got %.100s", list, text);
        return false;
    }
}

/* set_value - validate TEXT for key K and store it in CFG; false with WHY on error */
static bool set_value(struct mv_config *cfg, const struct cfg_key *k, const char *text, char *why,
                      size_t size)
{
    uint64_t v = 0;
    uint64_t lo = 0;
    uint64_t hi = UINT64_MAX;
    bool overflow = false;
    bool dummy = false;
    void *f = field(cfg, k);

    if (*text == '\0' && !(k->flags & CFG_EMPTY)) {
        snprintf(why, size, "missing value");
        return false;
    }
    if (is_string_type(k->type)) {
        if (!check_string(k, text, why, size))
            return false;
        g_free(*(char **)f);
        *(char **)f = g_strdup(text);
        return true;
    }
    if (!parse_number(k, text, &v, &overflow, why, size))
        return false;
    if (k->min != NULL && !parse_number(k, k->min, &lo, &dummy, why, size))
        return false;
    if (k->max != NULL && !parse_number(k, k->max, &hi, &dummy, why, size))
        return false;
    if (overflow || v < lo || v > hi) {
        snprintf(why, size, "must be between %s and %s, got %.100s", k->min ? k->min : "0",
                 k->max ? k->max : "any", text);
        return false;
    }
    switch (k->type) {
    case CFG_BOOL:
        *(bool *)f = v != 0;
        break;
    case CFG_ENUM:
        *(int *)f = (int)v;
        break;
    case CFG_SIZE:
        *(uint64_t *)f = v;
        break;
    default:
        if (v > UINT_MAX) {
            snprintf(why, size, "bug: range of %s exceeds unsigned", k->name);
            return false;
        }
        *(unsigned *)f = (unsigned)v;
        break;
    }
    return true;
}

/* config_new - a config with every default, FILE as its name; aborts on a broken schema */
static struct mv_config *config_new(const char *file)
{
    struct mv_config *cfg = g_new0(struct mv_config, 1);
    char why[512];
    size_t i;

    cfg->file = g_strdup(file);
    for (i = 0; i < NKEYS; i++) {
        /* The defaults are checked like a file's values, ranges included; one that fails
         * is a bug in keys[] (or mvlimits.h) that test_config catches before a release. */
        if (!set_value(cfg, &keys[i], keys[i].def, why, sizeof(why))) {
            fprintf(stderr, "mailvet: bug: default of %s: %s\n", keys[i].name, why);
            abort();
        }
    }
    return cfg;
}

/* unknown_key - report KEY, none of the schema's, with the nearest one (suggest.h) */
static void unknown_key(const struct yamlnode *key, struct mv_err *err)
{
    const char *names[NKEYS];
    char msg[SUGGEST_UNKNOWN_KEY_MAX];

    for (size_t i = 0; i < NKEYS; i++)
        names[i] = keys[i].name;
    yamlnode_err_add(
        err, MV_ECONFIG, key, "%s",
        suggest_unknown_key(msg, sizeof(msg), NULL, yamlnode_scalar_get(key), names, NKEYS));
}

/* find_key - the schema entry for NAME, or NULL */
static const struct cfg_key *find_key(const char *name)
{
    size_t i;

    for (i = 0; i < NKEYS; i++)
        if (strcmp(keys[i].name, name) == 0)
            return &keys[i];
    return NULL;
}

/* quoted_key - NAME's entry in quoted_keys, or NULL */
static const struct quoted_key *quoted_key(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(quoted_keys); i++)
        if (strcmp(quoted_keys[i].name, name) == 0)
            return &quoted_keys[i];
    return NULL;
}

/* apply_pair - one "key: value" of the file into CFG; errors are appended to ERR */
static void apply_pair(struct mv_config *cfg, const struct yamlnode *key,
                       const struct yamlnode *value, struct mv_err *err)
{
    const char *name = yamlnode_scalar_get(key);
    const struct cfg_key *k = find_key(name);
    const struct quoted_key *q;
    char why[512];

    if (k == NULL) {
        unknown_key(key, err);
        return;
    }
    if (yamlnode_type(value) != YAMLNODE_SCALAR) {
        yamlnode_err_add(err, MV_ECONFIG, key, "%s: must be a single value, got %s", k->name,
                         yamlnode_type_name(value));
        return;
    }
    if (yamlnode_is_null(value) && (q = quoted_key(k->name)) != NULL) {
        /* the value deleted, or still to be written: not the deliberate "" */
        yamlnode_err_add(err, MV_ECONFIG, key,
                         "%s: missing value; set it to %s (%s by default), or to \"\" %s", k->name,
                         q->value, k->def, q->empty);
        return;
    }
    if (!set_value(cfg, k, yamlnode_is_null(value) ? "" : yamlnode_scalar_get(value), why,
                   sizeof(why)))
        yamlnode_err_add(err, MV_ECONFIG, key, "%s: %s", k->name, why);
}

/* key_node - the key node NAME of mapping MAP, or NULL */
static const struct yamlnode *key_node(const struct yamlnode *map, const char *name)
{
    for (size_t i = 0; i < yamlnode_count(map); i++)
        if (strcmp(yamlnode_scalar_get(yamlnode_key_get(map, i)), name) == 0)
            return yamlnode_key_get(map, i);
    return NULL;
}

/* check_pairs - what one key alone cannot say: quarantine_store postgresql without a
 * quarantine_db would pass here and be refused only when mailvetd starts (or mail to
 * quarantine would get 451), so the check refuses it, at quarantine_store's line */
static void check_pairs(const struct mv_config *cfg, const struct yamlnode *root,
                        struct mv_err *err)
{
    if (cfg->quarantine_store == CONFIG_STORE_POSTGRESQL && *cfg->quarantine_db == '\0')
        yamlnode_err_add(err, MV_ECONFIG, key_node(root, "quarantine_store"),
                         "quarantine_store: postgresql needs quarantine_db, which is empty; set "
                         "quarantine_db to a libpq connection string (host=... dbname=...), or "
                         "quarantine_store to dir");
}

/* config_load - read PATH over the defaults; every error is reported */
struct mv_config *config_load(const char *path, struct mv_err *err)
{
    struct mv_err local;
    struct yamlnode *root;
    struct mv_config *cfg;
    size_t i;

    if (err == NULL)
        err = &local;
    root = yamlnode_load_file(path, err);
    /* a duplicate key leaves a tree and an error: the keys are still checked, so that
     * every error of the file is said at once */
    if (err->status == MV_EPARSE)
        err->status = MV_ECONFIG;
    if (root == NULL)
        return NULL;
    cfg = config_new(path);
    if (yamlnode_type(root) == YAMLNODE_MAPPING) {
        for (i = 0; i < yamlnode_count(root); i++)
            apply_pair(cfg, yamlnode_key_get(root, i), yamlnode_value_get(root, i), err);
        check_pairs(cfg, root, err);
    } else if (!yamlnode_is_null(root)) {
        /* An empty file (or only comments) means every default. */
        yamlnode_err_add(err, MV_ECONFIG, root, "must be a mapping of \"key: value\" lines, got %s",
                         yamlnode_type_name(root));
    }
    yamlnode_free(root);
    if (err->status != MV_OK)
        cfg = config_free(cfg);
    return cfg;
}

/* config_default - every key at its default */
struct mv_config *config_default(void)
{
    return config_new(CONFIG_BUILTIN);
}

/* config_free - free a config; NULL allowed */
struct mv_config *config_free(struct mv_config *cfg)
{
    size_t i;

    if (cfg == NULL)
        return NULL;
    for (i = 0; i < NKEYS; i++)
        if (is_string_type(keys[i].type))
            g_free(*(char **)field(cfg, &keys[i]));
    g_free(cfg->file);
    g_free(cfg);
    return NULL;
}

/* config_key_count - number of schema keys */
size_t config_key_count(void)
{
    return NKEYS;
}

/* config_key_name - name of schema key I */
const char *config_key_name(size_t i)
{
    return i < NKEYS ? keys[i].name : NULL;
}

/* config_key_reloadable - whether SIGUSR1 applies a change of key I */
bool config_key_reloadable(size_t i)
{
    return i < NKEYS && (keys[i].flags & CFG_RELOAD);
}

bool config_key_secret(size_t i)
{
    return i < NKEYS && (keys[i].flags & CFG_SECRET);
}

/* config_key_equal - key I has the same value in A and B */
bool config_key_equal(const struct mv_config *a, const struct mv_config *b, size_t i)
{
    const struct cfg_key *k;
    const void *fa;
    const void *fb;

    if (i >= NKEYS)
        return false;
    k = &keys[i];
    fa = field(a, k);
    fb = field(b, k);
    switch (k->type) {
    case CFG_BOOL:
        return *(const bool *)fa == *(const bool *)fb;
    case CFG_ENUM:
        return *(const int *)fa == *(const int *)fb;
    case CFG_SIZE:
        return *(const uint64_t *)fa == *(const uint64_t *)fb;
    case CFG_UINT:
    case CFG_DURATION:
    case CFG_MODE:
        return *(const unsigned *)fa == *(const unsigned *)fb;
    default:
        return strcmp(*(char *const *)fa, *(char *const *)fb) == 0;
    }
}

/* quote - S as a YAML double-quoted scalar */
static void quote(GString *out, const char *s)
{
    g_string_append_c(out, '"');
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '"' || c == '\\')
            g_string_append_printf(out, "\\%c", c);
        else if (c < 0x20 || c == 0x7f)
            g_string_append_printf(out, "\\x%02x", c);
        else
            g_string_append_c(out, (char)c);
    }
    g_string_append_c(out, '"');
}

/* format_value - key K of CFG as it would be written in the file */
static void format_value(GString *out, const struct mv_config *cfg, const struct cfg_key *k)
{
    const void *f = field(cfg, k);
    unsigned u;
    int e;

    switch (k->type) {
    case CFG_BOOL:
        g_string_append(out, *(const bool *)f ? "true" : "false");
        break;
    case CFG_ENUM:
        e = *(const int *)f;
        g_string_append(out, e >= 0 && k->choices[e] != NULL ? k->choices[e] : "?");
        break;
    case CFG_SIZE:
        units_format_size(out, *(const uint64_t *)f);
        break;
    case CFG_UINT:
        g_string_append_printf(out, "%u", *(const unsigned *)f);
        break;
    case CFG_MODE:
        g_string_append_printf(out, "%04o", *(const unsigned *)f);
        break;
    case CFG_DURATION:
        /* Seconds read best, hours for whole hours; milliseconds only when the
         * value needs them. */
        u = *(const unsigned *)f;
        if (k->unit_ms == CFG_SECONDS && u >= 3600 && u % 3600 == 0)
            g_string_append_printf(out, "%uh", u / 3600);
        else if (k->unit_ms == CFG_SECONDS)
            g_string_append_printf(out, "%us", u);
        else if (u % 1000 == 0)
            g_string_append_printf(out, "%us", u / 1000);
        else
            g_string_append_printf(out, "%ums", u);
        break;
    default:
        quote(out, *(char *const *)f);
        break;
    }
}

/* config_print - every key in table order; "# default" marks a value equal to the default */
void config_print(const struct mv_config *cfg, FILE *out)
{
    struct mv_config *def = config_default();
    GString *line = g_string_new(NULL);
    size_t i;

    fprintf(out, "# mailvet configuration from %s\n", cfg->file);
    for (i = 0; i < NKEYS; i++) {
        g_string_printf(line, "%s: ", keys[i].name);
        if ((keys[i].flags & CFG_SECRET) && !config_key_equal(cfg, def, i))
            g_string_append(line, "\"(set)\"");
        else
            format_value(line, cfg, &keys[i]);
        if (config_key_equal(cfg, def, i)) {
            while (line->len < 48)
                g_string_append_c(line, ' ');
            g_string_append(line, " # default");
        }
        fprintf(out, "%s\n", line->str);
    }
    g_string_free(line, TRUE);
    config_free(def);
}
