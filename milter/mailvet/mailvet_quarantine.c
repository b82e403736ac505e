/* mailvet_quarantine.c - "mailvet quarantine ..." (mailvet_quarantine.h): list, find,
 * show, release, delete, purge, migrate over qstore.c (the directory store or PostgreSQL, as
 * quarantine_store says), with the configuration's quarantine_dir or quarantine_db,
 * release host and port, and retention.  Output that the sender controls (addresses,
 * reasons, names, headers) is made printable before it reaches the terminal.  The
 * record's fields are quarantine_record.c's business: show prints its text view, and
 * --json output is what json-glib writes of the record and of each entry.
 * Times: RFC 3339 ("2024-05-01T10:00:00Z", an offset, or no zone for UTC), a date
 * ("2024-05-01", midnight UTC), or a duration before now ("2h", "7d").  Durations and
 * sizes are read by units.c, as in mailvet.yaml: a whole number with ms, s, m, h, d or
 * w (a bare number is seconds; whole seconds only), bytes with K, M, G or T
 * (1024-based). */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "mailvet_quarantine.h"
#include "qstore.h"
#include "quarantine.h"
#include "units.h"

#define HEADER_MAX (64u << 10) /* show prints at most this much of the header */

/* The store the configuration names (quarantine_store), set once by
 * mailvet_quarantine_main before any command runs. */
static struct qstore qs;

/* ---- parsing ---------------------------------------------------------------------- */

/* parse_seconds - a duration (units.c, the grammar of mailvet.yaml: the unit is
 * required) in whole seconds; ERR says why not */
static enum mv_status parse_seconds(const char *s, guint64 *out, struct mv_err *err)
{
    uint64_t ms;
    enum mv_status st = units_parse_duration(s, &ms, err);

    if (st != MV_OK)
        return st;
    if (ms % 1000 != 0)
        return mv_err_set(err, MV_EPARSE, "%.100s: not a whole number of seconds", s);
    *out = ms / 1000;
    return MV_OK;
}

/* parse_time - RFC 3339, a date, or a duration before NOW -> Unix seconds; WHY
 * (TIME_WHY_MAX) says what is wrong otherwise */
#define TIME_WHY_MAX 200
static bool parse_time(const char *s, gint64 now, gint64 *out, char *why)
{
    GTimeZone *utc = g_time_zone_new_utc();
    GDateTime *dt = NULL;
    struct mv_err err = {0};
    guint64 ago = 0;
    bool ok = false;

    if (parse_seconds(s, &ago, &err) == MV_OK) {
        *out = ago > (guint64)now ? 0 : now - (gint64)ago;
        ok = true;
    } else if (strlen(s) == 10 && s[4] == '-' && s[7] == '-') {
        char *full = g_strconcat(s, "T00:00:00Z", NULL);

        dt = g_date_time_new_from_iso8601(full, utc);
        g_free(full);
    } else {
        dt = g_date_time_new_from_iso8601(s, utc);
    }
    if (dt != NULL) {
        *out = g_date_time_to_unix(dt);
        g_date_time_unref(dt);
        ok = true;
    }
    g_time_zone_unref(utc);
    /* a bare number is neither: units.c's message proposes the spellings it may mean */
    if (!ok && *s != '\0' && s[strspn(s, "0123456789")] == '\0')
        g_snprintf(why, TIME_WHY_MAX, "%s", err.msg);
    else if (!ok)
        g_snprintf(why, TIME_WHY_MAX, "%.100s: not a time (2024-05-01T10:00:00Z, 2024-05-01, 7d)",
                   s);
    return ok;
}

/* ---- output helpers --------------------------------------------------------------- */

/* put_safe - S with control characters as '?' (UTF-8 otherwise as is) */
static void put_safe(GString *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s != NULL ? s : ""); *p; p++)
        g_string_append_c(out, *p < ' ' || *p == 0x7f ? '?' : (char)*p);
}

/* put_time - Unix seconds as RFC 3339 UTC */
static void put_time(GString *out, gint64 t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    char buf[32];

    gmtime_r(&tt, &tm);
    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
    g_string_append(out, buf);
}

/* flush - OUT to stdout once it is large, and at the end */
static void flush(GString *out, bool always)
{
    if (always || out->len > (1u << 16)) {
        fwrite(out->str, 1, out->len, stdout);
        g_string_truncate(out, 0);
    }
}

/* who_new - the operator, for the record's history */
static char *who_new(void)
{
    const char *sudo = g_getenv("SUDO_USER");

    if (sudo != NULL && *sudo != '\0')
        return g_strdup_printf("%s via sudo", sudo);
    return g_strdup(g_get_user_name());
}

/* usage - the commands and their options */
static void usage(FILE *out)
{
    fputs("usage: mailvet quarantine [-c CONFIG] COMMAND ...\n"
          "  list [--since T] [--until T] [--campaign C] [--reason R] [--sender GLOB]\n"
          "       [--recipient GLOB] [--state held|released|deleted|damaged] [--json]\n"
          "  find --queue-id QID [--json]\n"
          "  show ID [--raw | --json]\n"
          "  release ID... [--to ADDR]...\n"
          "  delete ID...\n"
          "  purge [--older-than DURATION] [--max-size SIZE]\n"
          "  migrate        (quarantine_store postgresql: apply the schema's migrations)\n"
          "  T: RFC 3339 (2024-05-01T10:00:00Z), a date (2024-05-01) or an age (2h, 7d)\n"
          "  exit: 0 done, 1 unknown id, 2 failure (release refused, I/O), 64 usage\n",
          out);
}

/* complain - "mailvet quarantine CMD: ..." on stderr */
static void complain(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void complain(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "mailvet quarantine %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* check_id - MAILVET_QUARANTINE_OK when ID is an entry of the store; else says why on
 * stderr.  STATE receives the record's state: QUARANTINE_DAMAGED for a record that
 * does not parse, with WHY (may be NULL; sizeof(struct mv_err.msg) bytes) saying so. */
static int check_id(const char *cmd, const char *id, enum quarantine_state *state, char *why)
{
    struct mv_err err = {0};
    JsonNode *rec;

    if (!quarantine_id_valid(id)) {
        char *safe = g_strescape(id, "");

        complain(cmd, "%.100s: not a quarantine id (26 characters of 0-9 A-Z)", safe);
        g_free(safe);
        return MAILVET_QUARANTINE_UNKNOWN;
    }
    rec = qstore_record_new(&qs, id, &err);
    if (rec == NULL && err.status == MV_EPARSE) {
        if (state != NULL)
            *state = QUARANTINE_DAMAGED;
        if (why != NULL)
            g_strlcpy(why, err.msg, sizeof(err.msg));
        return MAILVET_QUARANTINE_OK;
    }
    if (rec == NULL) {
        if (!qstore_exists(&qs, id) && strstr(err.msg, g_strerror(ENOENT)) != NULL) {
            char *where = qstore_where_new(&qs);

            complain(cmd, "%s: no such entry in %s", id, where);
            g_free(where);
            return MAILVET_QUARANTINE_UNKNOWN;
        }
        complain(cmd, "%s: %s", id, err.msg);
        return MAILVET_QUARANTINE_FAILED;
    }
    if (state != NULL)
        *state = quarantine_record_state(rec);
    json_node_unref(rec);
    return MAILVET_QUARANTINE_OK;
}

/* ---- list ------------------------------------------------------------------------- */

/* list_text - one line per entry: id, time, state, score, verdict, envelope, reasons */
static void list_text(GString *out, const GPtrArray *l)
{
    for (guint i = 0; i < l->len; i++) {
        const struct quarantine_entry *e = g_ptr_array_index(l, i);

        g_string_append_printf(out, "%s  ", e->id);
        put_time(out, e->time);
        if (e->host != NULL) {
            g_string_append(out, "  ");
            put_safe(out, e->host);
        }
        g_string_append_printf(out, "  %-8s %6g %-11s <", quarantine_state_name(e->state), e->score,
                               e->verdict != NULL ? e->verdict : "-");
        put_safe(out, e->sender);
        g_string_append(out, "> ->");
        for (guint j = 0; j < e->recipients->len; j++) {
            g_string_append(out, j > 0 ? ", <" : " <");
            put_safe(out, g_ptr_array_index(e->recipients, j));
            g_string_append_c(out, '>');
        }
        if (e->reasons->len > 0) {
            g_string_append(out, "  (");
            for (guint j = 0; j < e->reasons->len; j++) {
                if (j > 0)
                    g_string_append(out, ", ");
                put_safe(out, g_ptr_array_index(e->reasons, j));
            }
            g_string_append_c(out, ')');
        }
        g_string_append_c(out, '\n');
        flush(out, false);
    }
    flush(out, true);
}

/* list_json - a JSON array of the entries, one per line, as quarantine.h describes an
 * entry.  json-glib writes each element; the array is streamed one element at a time
 * so that a store of 100,000 entries is never one tree in memory. */
static void list_json(GString *out, const GPtrArray *l)
{
    JsonGenerator *gen = json_generator_new();

    g_string_append_c(out, '[');
    for (guint i = 0; i < l->len; i++) {
        JsonNode *node = quarantine_entry_json_new(g_ptr_array_index(l, i));

        json_generator_set_root(gen, node);
        g_string_append(out, i > 0 ? ",\n" : "\n");
        json_generator_to_gstring(gen, out);
        json_node_unref(node);
        flush(out, false);
    }
    g_string_append(out, l->len > 0 ? "\n]\n" : "]\n");
    flush(out, true);
    g_object_unref(gen);
}

/* print_entries - the entries of the store that pass F, as text or JSON (CMD names the
 * command in messages; HINT sizes the buffer); the status, and in *COUNT how many */
static int print_entries(const char *cmd, const struct quarantine_filter *f, bool json, size_t hint,
                         guint *count)
{
    char note[QUARANTINE_NOTE_MAX];
    struct mv_err err = {0};
    GPtrArray *l;
    GString *out;

    l = qstore_list_new(&qs, f, note, &err);
    if (l == NULL) {
        complain(cmd, "%s", err.msg);
        return MAILVET_QUARANTINE_FAILED;
    }
    if (note[0] != '\0')
        fprintf(stderr, "%s\n", note);
    out = g_string_sized_new(hint);
    if (json)
        list_json(out, l);
    else
        list_text(out, l);
    g_string_free(out, TRUE);
    *count = l->len;
    g_ptr_array_unref(l);
    return fflush(stdout) == 0 ? MAILVET_QUARANTINE_OK : MAILVET_QUARANTINE_FAILED;
}

/* cmd_list - list [filters] [--json]: the entries that pass, newest first */
static int cmd_list(int argc, char **argv, const struct mv_config *cfg G_GNUC_UNUSED)
{
    static const struct option longopts[] = {
        {"since", required_argument, NULL, 's'},    {"until", required_argument, NULL, 'u'},
        {"campaign", required_argument, NULL, 'C'}, {"reason", required_argument, NULL, 'r'},
        {"sender", required_argument, NULL, 'f'},   {"recipient", required_argument, NULL, 't'},
        {"state", required_argument, NULL, 'S'},    {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
    };
    struct quarantine_filter f = {.state = -1};
    gint64 now = g_get_real_time() / G_USEC_PER_SEC;
    char why[TIME_WHY_MAX];
    enum quarantine_state st;
    bool json = false;
    guint count;
    int ch;

    optind = 0;
    while ((ch = getopt_long(argc, argv, "jh", longopts, NULL)) != -1) {
        switch (ch) {
        case 's':
        case 'u':
            if (!parse_time(optarg, now, ch == 's' ? &f.since : &f.until, why)) {
                complain("list", "--%s %s", ch == 's' ? "since" : "until", why);
                return MAILVET_QUARANTINE_USAGE;
            }
            break;
        case 'C':
            f.campaign = optarg;
            break;
        case 'r':
            f.reason = optarg;
            break;
        case 'f':
            f.sender = optarg;
            break;
        case 't':
            f.recipient = optarg;
            break;
        case 'S':
            if (!quarantine_state_parse(optarg, &st)) {
                complain("list", "--state %s: one of held, released, deleted, damaged", optarg);
                return MAILVET_QUARANTINE_USAGE;
            }
            f.state = (int)st;
            break;
        case 'j':
            json = true;
            break;
        case 'h':
            usage(stdout);
            return MAILVET_QUARANTINE_OK;
        default:
            usage(stderr);
            return MAILVET_QUARANTINE_USAGE;
        }
    }
    if (optind < argc) {
        complain("list", "unexpected argument %s", argv[optind]);
        return MAILVET_QUARANTINE_USAGE;
    }
    return print_entries("list", &f, json, 1u << 17, &count);
}

/* cmd_find - find --queue-id QID [--json]: the entries of the MTA's queue id, as list
 * prints them; exit 1 when there is none */
static int cmd_find(int argc, char **argv, const struct mv_config *cfg G_GNUC_UNUSED)
{
    static const struct option longopts[] = {
        {"queue-id", required_argument, NULL, 'Q'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct quarantine_filter f = {.state = -1};
    bool json = false;
    guint count;
    int ch, rc;

    optind = 0;
    while ((ch = getopt_long(argc, argv, "jh", longopts, NULL)) != -1) {
        switch (ch) {
        case 'Q':
            f.queue_id = optarg;
            break;
        case 'j':
            json = true;
            break;
        case 'h':
            usage(stdout);
            return MAILVET_QUARANTINE_OK;
        default:
            usage(stderr);
            return MAILVET_QUARANTINE_USAGE;
        }
    }
    if (optind < argc || f.queue_id == NULL || *f.queue_id == '\0') {
        complain("find", "give --queue-id QID (the MTA's queue id, as in its log)");
        return MAILVET_QUARANTINE_USAGE;
    }
    rc = print_entries("find", &f, json, 1u << 12, &count);
    if (rc == MAILVET_QUARANTINE_OK && count == 0) {
        char *safe = g_strescape(f.queue_id, "");

        char *where = qstore_where_new(&qs);

        complain("find", "no entry with queue id %.100s in %s", safe, where);
        g_free(where);
        g_free(safe);
        rc = MAILVET_QUARANTINE_UNKNOWN;
    }
    return rc;
}

/* ---- show ------------------------------------------------------------------------- */

/* show_headers - the message's header section, printable, bounded */
static void show_headers(GString *out, const char *id)
{
    struct mv_err err = {0};
    int fd = qstore_eml_open(&qs, id, &err);
    char *buf;
    ssize_t n;
    size_t len = 0;

    g_string_append(out, "headers:\n");
    if (fd < 0) {
        g_string_append(out, "  (the message is gone)\n");
        return;
    }
    buf = g_malloc(HEADER_MAX + 1);
    while (len < HEADER_MAX && (n = read(fd, buf + len, HEADER_MAX - len)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    buf[len] = '\0';
    for (char *line = buf, *nl; line < buf + len; line = nl + 1) {
        nl = strchr(line, '\n');
        if (nl == NULL)
            nl = buf + len;
        *nl = '\0';
        if (nl > line && nl[-1] == '\r')
            nl[-1] = '\0';
        if (*line == '\0')
            break; /* the end of the header */
        g_string_append(out, "  ");
        put_safe(out, line);
        g_string_append_c(out, '\n');
    }
    g_free(buf);
}

/* copy_raw - the message, byte for byte, to stdout */
static int copy_raw(const char *id)
{
    struct mv_err err = {0};
    int fd = qstore_eml_open(&qs, id, &err);
    char buf[65536];
    ssize_t n;

    if (fd < 0) {
        complain("show", "%s: %s", id, err.msg);
        return MAILVET_QUARANTINE_FAILED;
    }
    while ((n = read(fd, buf, sizeof(buf))) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || fwrite(buf, 1, (size_t)n, stdout) != (size_t)n) {
            complain("show", "%s: %s", id, g_strerror(errno));
            close(fd);
            return MAILVET_QUARANTINE_FAILED;
        }
    }
    close(fd);
    return fflush(stdout) == 0 ? MAILVET_QUARANTINE_OK : MAILVET_QUARANTINE_FAILED;
}

/* cmd_show - show ID [--raw | --json]: the record and the headers, or the message */
static int cmd_show(int argc, char **argv, const struct mv_config *cfg G_GNUC_UNUSED)
{
    static const struct option longopts[] = {
        {"raw", no_argument, NULL, 'r'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *id;
    bool raw = false, json = false;
    enum quarantine_state state;
    struct mv_err err = {0};
    char why[sizeof(err.msg)];
    JsonNode *rec;
    GString *out;
    int ch, rc;

    optind = 0;
    while ((ch = getopt_long(argc, argv, "rjh", longopts, NULL)) != -1) {
        switch (ch) {
        case 'r':
            raw = true;
            break;
        case 'j':
            json = true;
            break;
        case 'h':
            usage(stdout);
            return MAILVET_QUARANTINE_OK;
        default:
            usage(stderr);
            return MAILVET_QUARANTINE_USAGE;
        }
    }
    if (argc - optind != 1 || (raw && json)) {
        complain("show", "give one ID, and --raw or --json at most");
        return MAILVET_QUARANTINE_USAGE;
    }
    id = argv[optind];
    if ((rc = check_id("show", id, &state, why)) != MAILVET_QUARANTINE_OK)
        return rc;
    if (state == QUARANTINE_DAMAGED && !raw) {
        complain("show",
                 "%s: damaged: %s (show --raw writes the message; delete removes the entry)", id,
                 why);
        return MAILVET_QUARANTINE_FAILED;
    }
    if (raw) {
        if (state == QUARANTINE_DELETED) {
            complain("show", "%s: deleted, the message is gone (the record remains)", id);
            return MAILVET_QUARANTINE_UNKNOWN;
        }
        return copy_raw(id);
    }
    rec = qstore_record_new(&qs, id, &err);
    if (rec == NULL) {
        complain("show", "%s: %s", id, err.msg);
        return MAILVET_QUARANTINE_FAILED;
    }
    if (json) {
        char *text = json_to_string(rec, TRUE);

        puts(text);
        g_free(text);
    } else {
        char *text = quarantine_record_text_new(rec);

        out = g_string_new(text);
        g_free(text);
        show_headers(out, id);
        flush(out, true);
        g_string_free(out, TRUE);
    }
    json_node_unref(rec);
    return fflush(stdout) == 0 ? MAILVET_QUARANTINE_OK : MAILVET_QUARANTINE_FAILED;
}

/* ---- release, delete -------------------------------------------------------------- */

/* cmd_release - release ID... [--to ADDR]...: each message re-injected by SMTP */
static int cmd_release(int argc, char **argv, const struct mv_config *cfg)
{
    static const struct option longopts[] = {
        {"to", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    GPtrArray *to = g_ptr_array_new();
    char *by = who_new();
    char sent_to[QUARANTINE_SENT_TO_MAX] = "";
    struct quarantine_release_opts o = {.host = cfg->quarantine_release_host,
                                        .port = cfg->quarantine_release_port,
                                        .to = to,
                                        .by = by,
                                        .sent_to = sent_to};
    int ch, worst = MAILVET_QUARANTINE_OK;

    optind = 0;
    while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (ch) {
        case 't':
            g_ptr_array_add(to, optarg);
            break;
        case 'h':
            usage(stdout);
            goto out;
        default:
            usage(stderr);
            worst = MAILVET_QUARANTINE_USAGE;
            goto out;
        }
    }
    if (optind >= argc) {
        complain("release", "give at least one ID");
        worst = MAILVET_QUARANTINE_USAGE;
        goto out;
    }
    for (int i = optind; i < argc; i++) {
        const char *id = argv[i];
        enum quarantine_state state;
        struct mv_err err = {0};
        char why[sizeof(err.msg)];
        int rc = check_id("release", id, &state, why);

        if (rc == MAILVET_QUARANTINE_OK && state == QUARANTINE_DELETED) {
            complain("release", "%s: deleted, nothing to release", id);
            rc = MAILVET_QUARANTINE_UNKNOWN;
        } else if (rc == MAILVET_QUARANTINE_OK && state == QUARANTINE_DAMAGED) {
            complain("release", "%s: not released: damaged, its envelope cannot be read: %s", id,
                     why);
            rc = MAILVET_QUARANTINE_FAILED;
        }
        if (rc == MAILVET_QUARANTINE_OK && qstore_release(&qs, id, &o, &err) != MV_OK) {
            complain("release", "%s: not released, still %s: %s", id, quarantine_state_name(state),
                     err.msg);
            rc = MAILVET_QUARANTINE_FAILED;
        }
        if (rc == MAILVET_QUARANTINE_OK)
            printf("%s: released to %s\n", id, sent_to);
        worst = MAX(worst, rc);
    }
out:
    g_ptr_array_unref(to);
    g_free(by);
    return worst;
}

/* cmd_delete - delete ID...: each message removed, its record kept as deleted */
static int cmd_delete(int argc, char **argv, const struct mv_config *cfg G_GNUC_UNUSED)
{
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    char *by;
    int ch, worst = MAILVET_QUARANTINE_OK;

    optind = 0;
    while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (ch == 'h') {
            usage(stdout);
            return MAILVET_QUARANTINE_OK;
        }
        usage(stderr);
        return MAILVET_QUARANTINE_USAGE;
    }
    if (optind >= argc) {
        complain("delete", "give at least one ID");
        return MAILVET_QUARANTINE_USAGE;
    }
    by = who_new();
    for (int i = optind; i < argc; i++) {
        const char *id = argv[i];
        enum quarantine_state state;
        struct mv_err err = {0};
        int rc = check_id("delete", id, &state, NULL);

        if (rc == MAILVET_QUARANTINE_OK && state == QUARANTINE_DELETED) {
            printf("%s: already deleted\n", id);
        } else if (rc == MAILVET_QUARANTINE_OK) {
            if (qstore_delete(&qs, id, by, &err) != MV_OK) {
                complain("delete", "%s: not deleted: %s", id, err.msg);
                rc = MAILVET_QUARANTINE_FAILED;
            } else {
                printf("%s: deleted\n", id);
            }
        }
        worst = MAX(worst, rc);
    }
    g_free(by);
    return worst;
}

/* ---- purge ------------------------------------------------------------------------ */

/* cmd_purge - purge [--older-than DURATION] [--max-size SIZE]: retention */
static int cmd_purge(int argc, char **argv, const struct mv_config *cfg)
{
    static const struct option longopts[] = {
        {"older-than", required_argument, NULL, 'o'},
        {"max-size", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    guint64 age = cfg->quarantine_max_age;
    uint64_t size = cfg->quarantine_max_size;
    struct quarantine_purge_stats s;
    struct mv_err err = {0};
    enum mv_status st;
    int ch;

    optind = 0;
    while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'o':
            st = parse_seconds(optarg, &age, &err);
            if (st != MV_OK) {
                /* units.c's message names the text and the spellings it takes */
                if (st == MV_TOOBIG)
                    complain("purge", "--older-than %s: too large a duration", optarg);
                else
                    complain("purge", "--older-than %s", err.msg);
                return MAILVET_QUARANTINE_USAGE;
            }
            break;
        case 's':
            st = units_parse_size(optarg, &size, NULL);
            if (st != MV_OK) {
                complain("purge", "--max-size %s: %s (10G, 500M)", optarg,
                         st == MV_TOOBIG ? "too large a size" : "not a size");
                return MAILVET_QUARANTINE_USAGE;
            }
            break;
        case 'h':
            usage(stdout);
            return MAILVET_QUARANTINE_OK;
        default:
            usage(stderr);
            return MAILVET_QUARANTINE_USAGE;
        }
    }
    if (optind < argc) {
        complain("purge", "unexpected argument %s", argv[optind]);
        return MAILVET_QUARANTINE_USAGE;
    }
    if (qstore_purge(&qs, age, size, g_get_real_time() / G_USEC_PER_SEC, &s, &err) != MV_OK) {
        complain("purge", "%s", err.msg);
        return MAILVET_QUARANTINE_FAILED;
    }
    if (s.note[0] != '\0')
        fprintf(stderr, "%s\n", s.note);
    printf("purged %u entries (%" G_GUINT64_FORMAT " bytes) and %u leftovers; kept %u entries "
           "(%" G_GUINT64_FORMAT " bytes)\n",
           s.removed, s.removed_bytes, s.leftovers, s.kept, s.kept_bytes);
    if (s.busy > 0)
        printf("left %u entries another process was releasing or changing, for the next purge\n",
               s.busy);
    return MAILVET_QUARANTINE_OK;
}

/* ---- migrate ---------------------------------------------------------------------- */

/* say_line - one step of a migration, on stdout */
static void say_line(const char *line, void *arg)
{
    (void)arg;
    printf("mailvet quarantine migrate: %s\n", line);
    fflush(stdout);
}

/* cmd_migrate - migrate: the database's schema made current, each step printed */
static int cmd_migrate(int argc, char **argv, const struct mv_config *cfg)
{
    struct mv_err err = {0};

    if (argc > 1) {
        if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
            usage(stdout);
            return MAILVET_QUARANTINE_OK;
        }
        complain("migrate", "unexpected argument %s", argv[1]);
        return MAILVET_QUARANTINE_USAGE;
    }
    if (qstore_migrate(&qs, say_line, NULL, &err) != MV_OK) {
        complain("migrate", "%s: %s", cfg->file, err.msg);
        return err.status == MV_ECONFIG ? MAILVET_QUARANTINE_USAGE : MAILVET_QUARANTINE_FAILED;
    }
    return MAILVET_QUARANTINE_OK;
}

/* mailvet_quarantine_main - dispatch on the command */
int mailvet_quarantine_main(int argc, char **argv, const struct mv_config *cfg)
{
    static const struct {
        const char *name;
        int (*run)(int, char **, const struct mv_config *);
    } cmds[] = {
        {"list", cmd_list},       {"find", cmd_find},     {"show", cmd_show},
        {"release", cmd_release}, {"delete", cmd_delete}, {"purge", cmd_purge},
        {"migrate", cmd_migrate},
    };

    qstore_init(&qs, cfg);

    if (argc < 2) {
        usage(stderr);
        return MAILVET_QUARANTINE_USAGE;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        usage(stdout);
        return MAILVET_QUARANTINE_OK;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(cmds); i++)
        if (strcmp(argv[1], cmds[i].name) == 0)
            return cmds[i].run(argc - 1, argv + 1, cfg);
    fprintf(stderr, "mailvet quarantine: unknown command: %s\n", argv[1]);
    usage(stderr);
    return MAILVET_QUARANTINE_USAGE;
}
