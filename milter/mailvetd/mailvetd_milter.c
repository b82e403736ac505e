/* milter.c - the xxfi_* callbacks and the thin wrappers around smfi_*.
 * Every callback is registered, so the MTA never negotiates a stage away.  A
 * connection's state (struct mv_conn) is the milter private pointer; the message
 * (struct mv_msg) starts at MAIL FROM and ends in eom, abort, close, the next MAIL
 * FROM, or wherever a callback returns a final answer for it (libmilter then calls
 * no abort).  At end of message the spool goes through pipeline_run() and the
 * action becomes a reply.  Any internal failure answers per on_error: tempfail
 * (451 4.7.1) or accept; nothing here aborts the process.  This module logs: one
 * summary line per message, prefixed with the queue id, and before it what the cache
 * saw of Redis (cache_health_take: down, back). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include <libmilter/mfapi.h>

#include "config.h"
#include "mvlimits.h"
#include "log.h"
#include "mailvetd_milter.h"
#include "mailvetd_session.h"
#include "pipeline.h"
#include "quarantine.h"
#include "scanslots.h"
#include "render.h"

/* our headers, in the order of mv_msg.own_headers */
static const char *const own_headers[] = {"X-Mailvet-Status", "X-Mailvet-Score",
                                          "X-Mailvet-Reasons"};

/* getconn - this connection's state, created by the first callback that needs it */
static struct mv_conn *getconn(SMFICTX *ctx)
{
    struct mv_conn *c = smfi_getpriv(ctx);

    if (c == NULL) {
        c = conn_new();
        smfi_setpriv(ctx, c);
    }
    return c;
}

/* reply_text - a reply text with nothing the SMTP reply or smfi_setreply could misread */
static void reply_text(char *dst, size_t size, const char *src)
{
    size_t n = 0;

    for (; *src != '\0' && n + 1 < size; src++) {
        unsigned char ch = (unsigned char)*src;
        dst[n++] = (ch < 0x20 || ch >= 0x7f || ch == '%') ? '?' : (char)ch;
    }
    dst[n] = '\0';
}

/* setreply - wrapper: code, extended code, text */
static void setreply(SMFICTX *ctx, const char *code, const char *xcode, const char *text)
{
    char clean[400];

    reply_text(clean, sizeof(clean), text);
    if (smfi_setreply(ctx, (char *)code, (char *)xcode, clean) != MI_SUCCESS)
        log_msg(LOG_WARNING, "smfi_setreply %s %s failed", code, xcode);
}

/* progress - keep the MTA waiting while a scan runs (smfi_progress) */
static void progress(void *ctx)
{
#ifdef HAVE_SMFI_PROGRESS
    smfi_progress((SMFICTX *)ctx);
#else
    (void)ctx;
#endif
}

/* progress_wait - progress while waiting for a scan slot; false once the MTA no
 * longer hears it */
static bool progress_wait(void *ctx)
{
#ifdef HAVE_SMFI_PROGRESS
    return smfi_progress((SMFICTX *)ctx) == MI_SUCCESS;
#else
    (void)ctx;
    return true;
#endif
}

static void untag(SMFICTX *ctx, struct mv_msg *m);

/* on_error - the configured answer to an internal failure; ends the message */
static sfsistat on_error(SMFICTX *ctx, struct mv_conn *c, const char *stage, const char *why)
{
    struct mv_msg *m = c->msg;
    int mode = m != NULL ? m->gen->cfg->on_error : CONFIG_ON_ERROR_TEMPFAIL;
    char *ewhy = log_escape(why, 300);

    log_msg(LOG_ERR, "%s: error stage=%s action=%s reason=%s", m != NULL ? m->qid : "NOQUEUE",
            stage, mode == CONFIG_ON_ERROR_ACCEPT ? "accept" : "tempfail", ewhy);
    g_free(ewhy);
    if (mode == CONFIG_ON_ERROR_ACCEPT) {
        /* headers can be changed only at end of message: a forged X-Mailvet-* header
         * must not pass as ours then either */
        if (m != NULL && (strcmp(stage, "eom") == 0 || strcmp(stage, "scan") == 0))
            untag(ctx, m);
        c->msg = msg_free(c->msg);
        return SMFIS_ACCEPT;
    }
    c->msg = msg_free(c->msg);
    setreply(ctx, "451", "4.7.1", "Temporary failure scanning the message, try again later");
    return SMFIS_TEMPFAIL;
}

/* update_qid - take {i} when the MTA has assigned it */
static void update_qid(SMFICTX *ctx, struct mv_msg *m)
{
    const char *qid = smfi_getsymval(ctx, "i");

    if (qid != NULL && *qid != '\0' && strcmp(m->qid, qid) != 0) {
        g_free(m->qid);
        m->qid = log_escape(qid, 64);
    }
}

static sfsistat xxfi_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *hostaddr)
{
    struct mv_conn *c = getconn(ctx);
    char addr[INET6_ADDRSTRLEN] = "unknown";

    if (hostaddr != NULL && hostaddr->sa_family == AF_INET)
        inet_ntop(AF_INET, &((struct sockaddr_in *)hostaddr)->sin_addr, addr, sizeof(addr));
    else if (hostaddr != NULL && hostaddr->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)hostaddr)->sin6_addr, addr, sizeof(addr));
    g_free(c->client_addr);
    g_free(c->client_name);
    c->client_addr = g_strdup(addr);
    c->client_name = log_escape(hostname, LIMIT_LOG_FIELD);
    return SMFIS_CONTINUE;
}

static sfsistat xxfi_helo(SMFICTX *ctx, char *helo)
{
    struct mv_conn *c = getconn(ctx);

    g_free(c->helo);
    c->helo = log_escape(helo, LIMIT_LOG_FIELD);
    return SMFIS_CONTINUE;
}

static sfsistat xxfi_envfrom(SMFICTX *ctx, char **argv)
{
    struct mv_conn *c = getconn(ctx);
    struct generation *gen;
    const char *auth;

    c->msg = msg_free(c->msg);
    gen = generation_acquire();
    if (gen == NULL)
        return on_error(ctx, c, "envfrom", "bug: no generation installed");
    c->msg = msg_new(gen);
    c->msg->sender = g_strdup(argv[0] != NULL ? argv[0] : "<>");
    c->msg->sender_addr = msg_address(c->msg->sender);
    auth = smfi_getsymval(ctx, "{auth_authen}");
    if (auth != NULL)
        c->msg->auth = g_strdup(auth);
    update_qid(ctx, c->msg);
    return SMFIS_CONTINUE;
}

static sfsistat xxfi_envrcpt(SMFICTX *ctx, char **argv)
{
    struct mv_conn *c = getconn(ctx);

    if (c->msg == NULL)
        return SMFIS_CONTINUE;
    if (c->msg->rcpts->len < 100000) {
        g_ptr_array_add(c->msg->rcpts, g_strdup(argv[0] != NULL ? argv[0] : "<>"));
        g_ptr_array_add(c->msg->rcpt_addrs, msg_address(argv[0] != NULL ? argv[0] : "<>"));
    }
    return SMFIS_CONTINUE;
}

static sfsistat xxfi_data(SMFICTX *ctx)
{
    (void)ctx;
    return SMFIS_CONTINUE;
}

static sfsistat xxfi_unknown(SMFICTX *ctx, const char *cmd)
{
    (void)ctx, (void)cmd;
    return SMFIS_CONTINUE;
}

/* spool - add bytes; a spool failure is remembered and answered at once */
static sfsistat spool(SMFICTX *ctx, struct mv_conn *c, const char *stage, const void *data,
                      size_t len)
{
    struct mv_msg *m = c->msg;
    enum mv_status st = spool_append(m->spool, data, len, &m->err);

    if (st != MV_OK && st != MV_TOOBIG)
        return on_error(ctx, c, stage, m->err.msg);
    return SMFIS_CONTINUE;
}

static sfsistat xxfi_header(SMFICTX *ctx, char *name, char *value)
{
    struct mv_conn *c = getconn(ctx);
    char *line;
    sfsistat rc;

    if (c->msg == NULL)
        return SMFIS_CONTINUE;
    for (size_t i = 0; i < G_N_ELEMENTS(own_headers); i++)
        if (g_ascii_strcasecmp(name, own_headers[i]) == 0)
            c->msg->own_headers[i]++;
    if (g_ascii_strcasecmp(name, "Subject") == 0)
        c->msg->subjects++;
    /* libmilter strips the space after the colon (no SMFIP_HDR_LEADSPC) */
    line = g_strconcat(name, ": ", value, "\r\n", NULL);
    rc = spool(ctx, c, "header", line, strlen(line));
    g_free(line);
    return rc;
}

static sfsistat xxfi_eoh(SMFICTX *ctx)
{
    struct mv_conn *c = getconn(ctx);

    if (c->msg == NULL)
        return SMFIS_CONTINUE;
    update_qid(ctx, c->msg);
    return spool(ctx, c, "eoh", "\r\n", 2);
}

static sfsistat xxfi_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
    struct mv_conn *c = getconn(ctx);

    if (c->msg == NULL)
        return SMFIS_CONTINUE;
    return spool(ctx, c, "body", chunk, len);
}

/* join - comma-separated list of a string array, bounded */
static char *join(const GPtrArray *list, size_t max)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < list->len && s->len < max; i++)
        g_string_append_printf(s, "%s%s", i ? "," : "", (const char *)g_ptr_array_index(list, i));
    if (s->len > max)
        g_string_truncate(s, max);
    return g_string_free(s, FALSE);
}

/* untag - remove every X-Mailvet-* header of ours the sender brought: downstream
 * filters may trust them, so only ours may ever reach the mailbox */
static void untag(SMFICTX *ctx, struct mv_msg *m)
{
    for (size_t h = 0; h < G_N_ELEMENTS(own_headers); h++)
        for (unsigned i = m->own_headers[h]; i >= 1; i--)
            smfi_chgheader(ctx, (char *)own_headers[h], (int)i, NULL);
}

/* addheader - one header of ours, a failure logged */
static void addheader(SMFICTX *ctx, const struct mv_msg *m, const char *name, const char *value)
{
    if (smfi_addheader(ctx, (char *)name, (char *)value) != MI_SUCCESS)
        log_msg(LOG_WARNING, "%s: smfi_addheader %s failed", m->qid, name);
}

/* hit_ids - the ids of the rules that hit, comma-separated, bounded */
static char *hit_ids(const struct pipeline_result *res, size_t max)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < res->rules.hits->len && s->len < max; i++) {
        const struct rule_hit *h = g_ptr_array_index(res->rules.hits, i);
        g_string_append_printf(s, "%s%s(%g)", i ? "," : "", h->id, h->score);
    }
    if (s->len > max)
        g_string_truncate(s, max);
    return g_string_free(s, FALSE);
}

/* tag - our headers (the sender's removed first): X-Mailvet-Status always, and with
 * the policy's tag headers X-Mailvet-Score and X-Mailvet-Reasons; the policy's
 * subject prefix */
static void tag(SMFICTX *ctx, struct mv_msg *m, const struct pipeline_result *res, bool full)
{
    char *reasons = join(res->reasons, 200);
    char *value;

    untag(ctx, m);
    if (res->reasons->len > 0)
        value = g_strdup_printf("%s (%s)", mv_verdict_name(res->verdict), reasons);
    else
        value = g_strdup(mv_verdict_name(res->verdict));
    addheader(ctx, m, own_headers[0], value);
    g_free(value);
    if (full && res->decision.headers) {
        char score[32];
        char *hits = hit_ids(res, 400);

        g_snprintf(score, sizeof(score), "%g", res->score);
        addheader(ctx, m, own_headers[1], score);
        value = g_strdup_printf("%s%s%s", hits, *hits && *reasons ? "," : "", reasons);
        if (*value != '\0')
            addheader(ctx, m, own_headers[2], value);
        g_free(value);
        g_free(hits);
    }
    if (full && res->decision.subject_prefix != NULL && *res->decision.subject_prefix != '\0') {
        char *subject = message_subject_prefixed(res->msg, res->decision.subject_prefix);

        if (m->subjects > 0 ? smfi_chgheader(ctx, "Subject", 1, subject) != MI_SUCCESS
                            : smfi_addheader(ctx, "Subject", subject) != MI_SUCCESS)
            log_msg(LOG_WARNING, "%s: cannot change the Subject", m->qid);
        g_free(subject);
    }
    g_free(reasons);
}

/* store - the message into mailvet's quarantine; SMFIS_DISCARD once it is wholly on
 * disk (the sender sees 250 and nothing is delivered), tempfail when it cannot be
 * written: a message is never accepted and lost */
static sfsistat store(SMFICTX *ctx, struct mv_conn *c, struct mv_msg *m,
                      const struct pipeline_input *in, const struct pipeline_result *res)
{
    const struct mv_config *cfg = m->gen->cfg;
    char *record = report_json_new(m->qid, res);
    struct quarantine_meta meta = {
        .queue_id = m->qid,
        .client_addr = c->client_addr,
        .sender = m->sender_addr,
        .recipients = m->rcpt_addrs,
        .record_json = record,
        .generation = m->gen->number,
    };
    char id[QUARANTINE_ID_LEN + 1] = "";
    struct mv_err err = {0};
    enum mv_status st;

    st = quarantine_store(cfg->quarantine_dir, in->bytes != NULL ? in->bytes->data : NULL, in->fd,
                          in->bytes != NULL ? in->bytes->len : in->size, &meta, id, &err);
    g_free(record);
    if (st != MV_OK) {
        char *why = log_escape(err.msg, 300);
        log_msg(LOG_ERR, "%s: quarantine failed, answering tempfail: %s", m->qid, why);
        g_free(why);
        setreply(ctx, "451", "4.7.1", "Message could not be held for review, try again later");
        return SMFIS_TEMPFAIL;
    }
    log_msg(LOG_INFO, "%s: quarantined id=%s", m->qid, id);
    return SMFIS_DISCARD;
}

/* act - the policy's decision as the MTA's answer */
static sfsistat act(SMFICTX *ctx, struct mv_conn *c, struct mv_msg *m,
                    const struct pipeline_input *in, const struct pipeline_result *res)
{
    const struct policy_decision *d = &res->decision;

    switch (res->action) {
    case MV_ACTION_REJECT:
        setreply(ctx, d->reply_code ? d->reply_code : "550", d->reply_xcode ? d->reply_xcode : "5.7.1",
                 d->reply_text ? d->reply_text : "Message rejected");
        return SMFIS_REJECT;
    case MV_ACTION_TEMPFAIL:
        setreply(ctx, d->reply_code ? d->reply_code : "451", d->reply_xcode ? d->reply_xcode : "4.7.1",
                 d->reply_text ? d->reply_text : "Message deferred by policy, try again later");
        return SMFIS_TEMPFAIL;
    case MV_ACTION_DISCARD:
        return SMFIS_DISCARD;
    case MV_ACTION_QUARANTINE:
        /* a message cut at max_message_size cannot be stored whole: the MTA holds it */
        if (m->gen->cfg->quarantine_mode == CONFIG_QUARANTINE_STORE && !in->truncated)
            return store(ctx, c, m, in, res);
        /* hold: the MTA's hold queue */
        if (smfi_quarantine(ctx, (char *)mv_verdict_name(res->verdict)) != MI_SUCCESS) {
            setreply(ctx, "451", "4.7.1", "Message could not be held, try again later");
            return SMFIS_TEMPFAIL;
        }
        tag(ctx, m, res, true);
        return SMFIS_ACCEPT;
    case MV_ACTION_TAG:
        tag(ctx, m, res, true);
        return SMFIS_ACCEPT;
    case MV_ACTION_ACCEPT:
    default:
        if (m->gen->cfg->add_header)
            tag(ctx, m, res, false);
        else
            untag(ctx, m);
        return SMFIS_ACCEPT;
    }
}

/* log_result - the one summary line of a message */
static void log_result(const struct mv_conn *c, const struct mv_msg *m,
                       const struct pipeline_result *res, size_t size)
{
    char *sender = log_escape(m->sender, LIMIT_LOG_FIELD);
    char *sigs = join(res->reasons, 400);

    char *hits = hit_ids(res, 400);
    char *note = res->decision.note != NULL ? log_escape(res->decision.note, 300) : NULL;

    log_msg(LOG_INFO,
            "%s: verdict=%s action=%s score=%g client=%s from=%s size=%zu leaves=%zu objects=%u "
            "signatures=%s hits=%s cache=%s gen=%u ms=%.0f wait_ms=%.0f%s%s%s",
            m->qid, mv_verdict_name(res->verdict), mv_action_name(res->action), res->score,
            c->client_addr != NULL ? c->client_addr : "unknown", sender, size, res->nreports,
            res->objects, res->reasons->len ? sigs : "-", *hits ? hits : "-",
            report_cache_state(res), m->gen->number, res->ms, m->wait_ms, note ? " policy=\"" : "",
            note ? note : "", note ? "\"" : "");
    g_free(note);
    g_free(hits);
    g_free(sigs);
    g_free(sender);
}

/* log_cache_health - what the cache saw of Redis (down, back), once per change */
static void log_cache_health(void)
{
    char text[CACHE_HEALTH_TEXT];
    bool down;

    while (cache_health_take(text, sizeof(text), &down))
        log_msg(down ? LOG_WARNING : LOG_INFO, "%s", text);
}

static sfsistat xxfi_eom(SMFICTX *ctx)
{
    struct mv_conn *c = getconn(ctx);
    struct mv_msg *m = c->msg;
    struct pipeline_result res;
    struct pipeline_input in = {0};
    enum mv_status st;
    sfsistat rc;

    if (m == NULL)
        return on_error(ctx, c, "eom", "bug: end of message without a message");
    update_qid(ctx, m);
    in.bytes = spool_bytes_get(m->spool);
    in.fd = spool_fd_get(m->spool);
    in.size = spool_size(m->spool);
    in.truncated = spool_truncated(m->spool);
    in.env.sender = m->sender_addr;
    in.env.recipients = m->rcpt_addrs;
    in.env.client_addr = c->client_addr;
    in.env.auth = m->auth;
    in.queue_id = m->qid;
    if (in.bytes == NULL && in.fd < 0)
        return on_error(ctx, c, "eom", "spool: temp file cannot be rewound");
    /* one scan per slot; the MTA hears progress every 2 s while this one waits
     * (sendmail's default R= timeout is 10 s), and a wait whose MTA is gone ends */
    m->wait_ms = scanslots_acquire(2000, progress_wait, ctx);
    if (m->wait_ms < 0)
        return on_error(ctx, c, "wait", "the MTA went away while the message waited for a scan");
    st = pipeline_run(m->gen, &in, &res, progress, ctx, &m->err);
    scanslots_release();
    log_cache_health();
    if (st != MV_OK) {
        pipeline_result_clear(&res);
        return on_error(ctx, c, "scan", m->err.msg);
    }
    rc = act(ctx, c, m, &in, &res);
    if (res.verdict != MV_VERDICT_CLEAN || m->gen->cfg->log_clean)
        log_result(c, m, &res, in.size);
    pipeline_result_clear(&res);
    c->msg = msg_free(c->msg);
    return rc;
}

static sfsistat xxfi_abort(SMFICTX *ctx)
{
    struct mv_conn *c = smfi_getpriv(ctx);

    if (c != NULL)
        c->msg = msg_free(c->msg);
    return SMFIS_CONTINUE;
}

static sfsistat xxfi_close(SMFICTX *ctx)
{
    struct mv_conn *c = smfi_getpriv(ctx);

    /* close may be the only callback a connection gets: c may be NULL */
    smfi_setpriv(ctx, NULL);
    conn_free(c);
    return SMFIS_CONTINUE;
}

/* milter_register - every callback, and the header changes we make */
bool milter_register(void)
{
    static struct smfiDesc desc = {
        .xxfi_name = "mailvet",
        .xxfi_version = SMFI_VERSION,
        .xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE,
        .xxfi_connect = xxfi_connect,
        .xxfi_helo = xxfi_helo,
        .xxfi_envfrom = xxfi_envfrom,
        .xxfi_envrcpt = xxfi_envrcpt,
        .xxfi_header = xxfi_header,
        .xxfi_eoh = xxfi_eoh,
        .xxfi_body = xxfi_body,
        .xxfi_eom = xxfi_eom,
        .xxfi_abort = xxfi_abort,
        .xxfi_close = xxfi_close,
        .xxfi_unknown = xxfi_unknown,
        .xxfi_data = xxfi_data,
        .xxfi_negotiate = NULL,
    };

    return smfi_register(desc) == MI_SUCCESS;
}
