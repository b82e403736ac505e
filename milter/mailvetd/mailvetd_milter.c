/* mailvetd_milter.c - the xxfi_* callbacks and the thin wrappers around smfi_*.
 * Every callback is registered, so the MTA never negotiates a stage away.  A
 * connection's state (struct session_conn) is the milter private pointer; the message
 * (struct session_txn) starts at MAIL FROM and ends in eom, abort, close, the next MAIL
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

#include "act.h"
#include "config.h"
#include "mvlimits.h"
#include "log.h"
#include "mailvetd_metrics.h"
#include "mailvetd_milter.h"
#include "mailvetd_session.h"
#include "pipeline.h"
#include "quarantine.h"
#include "scanslots.h"
#include "render.h"

/* getconn - this connection's state, created by the first callback that needs it */
static struct session_conn *getconn(SMFICTX *ctx)
{
    struct session_conn *c = smfi_getpriv(ctx);

    if (c == NULL) {
        c = session_conn_new();
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

/* untag - remove every X-Mailvet-* header of ours the sender brought: downstream
 * filters may trust them, so only ours may ever reach the mailbox */
static void untag(SMFICTX *ctx, struct session_txn *t)
{
    for (size_t h = 0; h < ACT_HEADERS; h++)
        for (unsigned i = t->own_headers[h]; i >= 1; i--)
            smfi_chgheader(ctx, (char *)act_headers[h], (int)i, NULL);
}

/* on_error - the configured answer to an internal failure; ends the message */
static sfsistat on_error(SMFICTX *ctx, struct session_conn *c, const char *stage, const char *why)
{
    struct session_txn *t = c->txn;
    int mode = t != NULL ? t->gen->cfg->on_error : CONFIG_ON_ERROR_TEMPFAIL;
    char *ewhy = log_escape(why, 300);

    log_msg(LOG_ERR, "%s: error stage=%s action=%s reason=%s", t != NULL ? t->qid : "NOQUEUE",
            stage, mode == CONFIG_ON_ERROR_ACCEPT ? "accept" : "tempfail", ewhy);
    g_free(ewhy);
    mailvetd_metrics_error(stage, mode != CONFIG_ON_ERROR_ACCEPT);
    if (mode == CONFIG_ON_ERROR_ACCEPT) {
        /* headers can be changed only at end of message: a forged X-Mailvet-* header
         * must not pass as ours then either */
        if (t != NULL && (strcmp(stage, "eom") == 0 || strcmp(stage, "scan") == 0))
            untag(ctx, t);
        c->txn = session_txn_free(c->txn);
        return SMFIS_ACCEPT;
    }
    c->txn = session_txn_free(c->txn);
    setreply(ctx, "451", "4.7.1", "Temporary failure scanning the message, try again later");
    return SMFIS_TEMPFAIL;
}

/* update_qid - take {i} when the MTA has assigned it */
static void update_qid(SMFICTX *ctx, struct session_txn *t)
{
    const char *qid = smfi_getsymval(ctx, "i");

    if (qid != NULL && *qid != '\0' && strcmp(t->qid, qid) != 0) {
        g_free(t->qid);
        t->qid = log_escape(qid, 64);
    }
}

static sfsistat xxfi_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *hostaddr)
{
    struct session_conn *c = getconn(ctx);
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
    struct session_conn *c = getconn(ctx);

    g_free(c->helo);
    c->helo = log_escape(helo, LIMIT_LOG_FIELD);
    return SMFIS_CONTINUE;
}

static sfsistat xxfi_envfrom(SMFICTX *ctx, char **argv)
{
    struct session_conn *c = getconn(ctx);
    struct generation *gen;
    const char *auth;

    c->txn = session_txn_free(c->txn);
    gen = generation_acquire();
    if (gen == NULL)
        return on_error(ctx, c, "envfrom", "bug: no generation installed");
    c->txn = session_txn_new(gen);
    c->txn->sender = g_strdup(argv[0] != NULL ? argv[0] : "<>");
    c->txn->sender_addr = session_address(c->txn->sender);
    auth = smfi_getsymval(ctx, "{auth_authen}");
    if (auth != NULL)
        c->txn->auth = g_strdup(auth);
    update_qid(ctx, c->txn);
    return SMFIS_CONTINUE;
}

static sfsistat xxfi_envrcpt(SMFICTX *ctx, char **argv)
{
    struct session_conn *c = getconn(ctx);

    if (c->txn == NULL)
        return SMFIS_CONTINUE;
    if (c->txn->rcpts->len < 100000) {
        g_ptr_array_add(c->txn->rcpts, g_strdup(argv[0] != NULL ? argv[0] : "<>"));
        g_ptr_array_add(c->txn->rcpt_addrs, session_address(argv[0] != NULL ? argv[0] : "<>"));
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
static sfsistat spool(SMFICTX *ctx, struct session_conn *c, const char *stage, const void *data,
                      size_t len)
{
    struct session_txn *t = c->txn;
    enum mv_status st = spool_append(t->spool, data, len, &t->err);

    if (st != MV_OK && st != MV_TOOBIG)
        return on_error(ctx, c, stage, t->err.msg);
    return SMFIS_CONTINUE;
}

static sfsistat xxfi_header(SMFICTX *ctx, char *name, char *value)
{
    struct session_conn *c = getconn(ctx);
    char *line;
    sfsistat rc;

    if (c->txn == NULL)
        return SMFIS_CONTINUE;
    for (size_t i = 0; i < ACT_HEADERS; i++)
        if (g_ascii_strcasecmp(name, act_headers[i]) == 0)
            c->txn->own_headers[i]++;
    if (g_ascii_strcasecmp(name, "Subject") == 0)
        c->txn->subjects++;
    /* libmilter strips the space after the colon (no SMFIP_HDR_LEADSPC) */
    line = g_strconcat(name, ": ", value, "\r\n", NULL);
    rc = spool(ctx, c, "header", line, strlen(line));
    g_free(line);
    return rc;
}

static sfsistat xxfi_eoh(SMFICTX *ctx)
{
    struct session_conn *c = getconn(ctx);

    if (c->txn == NULL)
        return SMFIS_CONTINUE;
    update_qid(ctx, c->txn);
    return spool(ctx, c, "eoh", "\r\n", 2);
}

static sfsistat xxfi_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
    struct session_conn *c = getconn(ctx);

    if (c->txn == NULL)
        return SMFIS_CONTINUE;
    return spool(ctx, c, "body", chunk, len);
}

/* tag - the plan's headers (the sender's removed first) and Subject */
static void tag(SMFICTX *ctx, struct session_txn *t, const struct act_plan *p)
{
    untag(ctx, t);
    for (size_t h = 0; h < ACT_HEADERS; h++)
        if (p->header[h] != NULL &&
            smfi_addheader(ctx, (char *)act_headers[h], p->header[h]) != MI_SUCCESS)
            log_msg(LOG_WARNING, "%s: smfi_addheader %s failed", t->qid, act_headers[h]);
    if (p->subject != NULL &&
        (t->subjects > 0 ? smfi_chgheader(ctx, "Subject", 1, p->subject) != MI_SUCCESS
                         : smfi_addheader(ctx, "Subject", p->subject) != MI_SUCCESS))
        log_msg(LOG_WARNING, "%s: cannot change the Subject", t->qid);
}

/* store - the message into mailvet's quarantine; SMFIS_DISCARD once it is wholly on
 * disk (the sender sees 250 and nothing is delivered), tempfail when it cannot be
 * written: a message is never accepted and lost */
static sfsistat store(SMFICTX *ctx, struct session_conn *c, struct session_txn *t,
                      const struct pipeline_input *in, const struct pipeline_result *res)
{
    const struct mv_config *cfg = t->gen->cfg;
    char *record = render_json_new(t->qid, res);
    struct quarantine_meta meta = {
        .queue_id = t->qid,
        .client_addr = c->client_addr,
        .sender = t->sender_addr,
        .recipients = t->rcpt_addrs,
        .record_json = record,
        .generation = t->gen->number,
    };
    char id[QUARANTINE_ID_LEN + 1] = "";
    struct mv_err err = {0};
    enum mv_status st;

    st = quarantine_store(cfg->quarantine_dir, in->bytes != NULL ? in->bytes->data : NULL, in->fd,
                          in->bytes != NULL ? in->bytes->len : in->size, &meta, id, &err);
    g_free(record);
    if (st != MV_OK) {
        char *why = log_escape(err.msg, 300);
        log_msg(LOG_ERR, "%s: quarantine failed, answering tempfail: %s", t->qid, why);
        g_free(why);
        setreply(ctx, "451", "4.7.1", "Message could not be held for review, try again later");
        return SMFIS_TEMPFAIL;
    }
    log_msg(LOG_INFO, "%s: quarantined id=%s", t->qid, id);
    return SMFIS_DISCARD;
}

/* act - the policy's decision, planned by act.c, as the MTA's answer */
static sfsistat act(SMFICTX *ctx, struct session_conn *c, struct session_txn *t,
                    const struct pipeline_input *in, const struct pipeline_result *res)
{
    const struct mv_config *cfg = t->gen->cfg;
    struct act_options opt = {
        .store = cfg->quarantine_mode == CONFIG_QUARANTINE_STORE,
        .add_header = cfg->add_header,
    };
    struct act_plan p;
    sfsistat rc = SMFIS_ACCEPT;

    act_plan(res, &opt, in->truncated, &p);
    switch (p.answer) {
    case ACT_REJECT:
        setreply(ctx, p.code, p.xcode, p.text);
        rc = SMFIS_REJECT;
        break;
    case ACT_TEMPFAIL:
        setreply(ctx, p.code, p.xcode, p.text);
        rc = SMFIS_TEMPFAIL;
        break;
    case ACT_DISCARD:
        rc = SMFIS_DISCARD;
        break;
    case ACT_STORE:
        rc = store(ctx, c, t, in, res);
        break;
    case ACT_HOLD:
        if (smfi_quarantine(ctx, (char *)mv_verdict_name(res->verdict)) != MI_SUCCESS) {
            setreply(ctx, "451", "4.7.1", "Message could not be held, try again later");
            rc = SMFIS_TEMPFAIL;
            break;
        }
        tag(ctx, t, &p);
        break;
    case ACT_ACCEPT:
    default:
        tag(ctx, t, &p);
        break;
    }
    act_plan_clear(&p);
    return rc;
}

/* log_result - the one summary line of a message */
static void log_result(const struct session_conn *c, const struct session_txn *t,
                       const struct pipeline_result *res, size_t size)
{
    char *sender = log_escape(t->sender, LIMIT_LOG_FIELD);
    char *sigs = act_join_new(res->reasons, 400);

    char *hits = act_hits_new(res, 400);
    char *note = res->decision.note != NULL ? log_escape(res->decision.note, 300) : NULL;

    log_msg(LOG_INFO,
            "%s: verdict=%s action=%s score=%g client=%s from=%s size=%zu leaves=%zu objects=%u "
            "signatures=%s hits=%s cache=%s local_hits=%u gen=%u ms=%.0f wait_ms=%.0f%s%s%s",
            t->qid, mv_verdict_name(res->verdict), mv_action_name(res->action), res->score,
            c->client_addr != NULL ? c->client_addr : "unknown", sender, size, res->nreports,
            res->objects, res->reasons->len ? sigs : "-", *hits ? hits : "-",
            render_cache_state(res), res->local.hits, t->gen->number, res->ms, t->wait_ms,
            note ? " policy=\"" : "", note ? note : "", note ? "\"" : "");
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
    struct session_conn *c = getconn(ctx);
    struct session_txn *t = c->txn;
    struct pipeline_result res;
    struct pipeline_input in = {0};
    enum mv_status st;
    sfsistat rc;

    if (t == NULL)
        return on_error(ctx, c, "eom", "bug: end of message without a message");
    update_qid(ctx, t);
    in.bytes = spool_bytes_get(t->spool);
    in.fd = spool_fd_get(t->spool);
    in.size = spool_size(t->spool);
    in.truncated = spool_truncated(t->spool);
    in.env.sender = t->sender_addr;
    in.env.recipients = t->rcpt_addrs;
    in.env.client_addr = c->client_addr;
    in.env.auth = t->auth;
    in.queue_id = t->qid;
    if (in.bytes == NULL && in.fd < 0)
        return on_error(ctx, c, "eom", "spool: temp file cannot be rewound");
    /* one scan per slot; the MTA hears progress every 2 s while this one waits
     * (sendmail's default R= timeout is 10 s), and a wait whose MTA is gone ends */
    t->wait_ms = scanslots_acquire(2000, progress_wait, ctx);
    if (t->wait_ms < 0)
        return on_error(ctx, c, "wait", "the MTA went away while the message waited for a scan");
    st = pipeline_run(t->gen, &in, &res, progress, ctx, &t->err);
    scanslots_release();
    log_cache_health();
    /* a rule's regex that gave up: once per rule and policy generation */
    for (char text[RULES_ERROR_TEXT]; rules_error_take(&res.rules, text, sizeof(text));)
        log_msg(LOG_WARNING, "%s", text);
    if (st != MV_OK) {
        pipeline_result_clear(&res);
        return on_error(ctx, c, "scan", t->err.msg);
    }
    rc = act(ctx, c, t, &in, &res);
    mailvetd_metrics_message(t->gen, &in, &res, t->wait_ms, rc == SMFIS_TEMPFAIL);
    if (res.verdict != MV_VERDICT_CLEAN || t->gen->cfg->log_clean)
        log_result(c, t, &res, in.size);
    pipeline_result_clear(&res);
    c->txn = session_txn_free(c->txn);
    return rc;
}

static sfsistat xxfi_abort(SMFICTX *ctx)
{
    struct session_conn *c = smfi_getpriv(ctx);

    if (c != NULL)
        c->txn = session_txn_free(c->txn);
    return SMFIS_CONTINUE;
}

static sfsistat xxfi_close(SMFICTX *ctx)
{
    struct session_conn *c = smfi_getpriv(ctx);

    /* close may be the only callback a connection gets: c may be NULL */
    smfi_setpriv(ctx, NULL);
    session_conn_free(c);
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
