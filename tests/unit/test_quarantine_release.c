/* test_quarantine_release.c - release of a held entry (quarantine_change.c, through
 * smtp_client.c) against an SMTP sink run in a thread: 250, 451 at the dot, 550 to a
 * recipient, nobody listening; to other recipients; dot-stuffing round trips; a
 * release in flight holds its entry against delete and purge.  The store and its fixed
 * entry: quarantine_fixture.c. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "quarantine_fixture.h"

/* ---- release ----------------------------------------------------------------------- */

struct sink {
    int lfd;
    unsigned port;
    const char *rcpt_reply; /* for the 2nd RCPT, or NULL for 250 */
    const char *dot_reply;  /* after the data */
    GString *mail_from;
    GPtrArray *rcpts;
    GString *data;
    bool quit;
    pthread_t th;
    /* hold: at the final dot, say so (at_dot) and wait for the gate before replying */
    bool hold, at_dot, gate_open;
    GMutex lock;
    GCond cond;
};

static void say(int fd, const char *s)
{
    ssize_t n = write(fd, s, strlen(s));

    (void)n;
}

/* sink_run - one SMTP session: records the envelope and the un-stuffed data */
static void *sink_run(void *arg)
{
    struct sink *k = arg;
    int fd = accept(k->lfd, NULL, NULL);
    FILE *in;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    bool in_data = false;

    if (fd < 0)
        return NULL;
    in = fdopen(dup(fd), "r");
    say(fd, "220 sink ESMTP\r\n");
    while ((n = getline(&line, &cap, in)) > 0) {
        if (in_data) {
            if (strcmp(line, ".\r\n") == 0) {
                in_data = false;
                g_mutex_lock(&k->lock);
                k->at_dot = true;
                g_cond_broadcast(&k->cond);
                while (k->hold && !k->gate_open)
                    g_cond_wait(&k->cond, &k->lock);
                g_mutex_unlock(&k->lock);
                say(fd, k->dot_reply);
            } else {
                g_string_append_len(k->data, line[0] == '.' ? line + 1 : line,
                                    line[0] == '.' ? n - 1 : n);
            }
        } else if (g_str_has_prefix(line, "EHLO ")) {
            say(fd, "250-sink\r\n250-8BITMIME\r\n250 SIZE 10240000\r\n");
        } else if (g_str_has_prefix(line, "MAIL FROM:")) {
            g_string_append_len(k->mail_from, line + 10, n - 12);
            say(fd, "250 2.1.0 Ok\r\n");
        } else if (g_str_has_prefix(line, "RCPT TO:")) {
            g_ptr_array_add(k->rcpts, g_strndup(line + 8, (gsize)n - 10));
            say(fd,
                k->rcpts->len == 2 && k->rcpt_reply != NULL ? k->rcpt_reply : "250 2.1.5 Ok\r\n");
        } else if (strcmp(line, "DATA\r\n") == 0) {
            in_data = true;
            say(fd, "354 End data with <CR><LF>.<CR><LF>\r\n");
        } else if (strcmp(line, "QUIT\r\n") == 0) {
            k->quit = true;
            say(fd, "221 2.0.0 Bye\r\n");
            break;
        } else {
            say(fd, "502 5.5.2 what?\r\n");
        }
    }
    free(line);
    fclose(in);
    close(fd);
    return NULL;
}

static struct sink *sink_start(const char *rcpt_reply, const char *dot_reply)
{
    struct sink *k = g_new0(struct sink, 1);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof(a);

    k->lfd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(k->lfd >= 0);
    assert_int_equal(bind(k->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(k->lfd, 1), 0);
    assert_int_equal(getsockname(k->lfd, (struct sockaddr *)&a, &al), 0);
    k->port = ntohs(a.sin_port);
    k->rcpt_reply = rcpt_reply;
    k->dot_reply = dot_reply;
    k->mail_from = g_string_new(NULL);
    k->rcpts = g_ptr_array_new_with_free_func(g_free);
    k->data = g_string_new(NULL);
    g_mutex_init(&k->lock);
    g_cond_init(&k->cond);
    assert_int_equal(pthread_create(&k->th, NULL, sink_run, k), 0);
    return k;
}

/* sink_wait_at_dot - wait until the client has sent its data and waits for the reply */
static void sink_wait_at_dot(struct sink *k)
{
    gint64 until = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;

    g_mutex_lock(&k->lock);
    while (!k->at_dot)
        if (!g_cond_wait_until(&k->cond, &k->lock, until))
            break;
    g_mutex_unlock(&k->lock);
    assert_true(k->at_dot);
}

/* sink_open_gate - let the held reply go */
static void sink_open_gate(struct sink *k)
{
    g_mutex_lock(&k->lock);
    k->gate_open = true;
    g_cond_broadcast(&k->cond);
    g_mutex_unlock(&k->lock);
}

/* sink_join - wait for the session to end (before looking at what it recorded) */
static void sink_join(struct sink *k)
{
    pthread_join(k->th, NULL);
}

static void sink_free(struct sink *k)
{
    g_mutex_clear(&k->lock);
    g_cond_clear(&k->cond);
    close(k->lfd);
    g_string_free(k->mail_from, TRUE);
    g_ptr_array_unref(k->rcpts);
    g_string_free(k->data, TRUE);
    g_free(k);
}

static void release_delivers_then_marks_released(void **state)
{
    char id[QUARANTINE_ID_LEN + 1];
    struct mv_err err = {0};
    struct sink *k = sink_start(NULL, "250 2.0.0 Ok: queued as 4ABCDE\r\n");
    struct quarantine_release_opts o = {.host = "127.0.0.1", .port = k->port, .by = "tester"};
    JsonNode *rec;
    JsonArray *hist;
    const char *detail;
    struct quarantine_filter f = {.state = QUARANTINE_RELEASED};

    (void)state;
    assert_int_equal(store("mallory@example.com", NULL, scan_json, id, &err), MV_OK);
    if (quarantine_release(dir, id, &o, &err) != MV_OK)
        fail_msg("release: %s", err.msg);
    sink_join(k);
    assert_string_equal(k->mail_from->str, "<mallory@example.com>");
    assert_int_equal(k->rcpts->len, 2);
    assert_string_equal(g_ptr_array_index(k->rcpts, 0), "<alice@example.net>");
    assert_string_equal(g_ptr_array_index(k->rcpts, 1), "<bob@example.org>");
    if (strcmp(k->data->str, message) != 0)
        fail_msg("data: got \"%s\", want \"%s\"", k->data->str, message);
    assert_true(k->quit);
    sink_free(k);

    rec = quarantine_record_new(dir, id, &err);
    assert_string_equal(rec_string(rec, "state"), "released");
    hist = json_object_get_array_member(json_node_get_object(rec), "history");
    assert_int_equal(json_array_get_length(hist), 2);
    detail = json_object_get_string_member(json_array_get_object_element(hist, 1), "detail");
    if (strstr(detail, "queued as 4ABCDE") == NULL)
        fail_msg("history detail: got \"%s\", want the 250 reply", detail);
    json_node_unref(rec);
    assert_int_equal(list_len(&f), 1);
}

static void release_to_other_recipients(void **state)
{
    char id[QUARANTINE_ID_LEN + 1];
    struct mv_err err = {0};
    struct sink *k = sink_start(NULL, "250 Ok\r\n");
    GPtrArray *to = g_ptr_array_new();
    struct quarantine_release_opts o = {
        .host = "localhost", .port = k->port, .by = "tester", .to = to};

    (void)state;
    g_ptr_array_add(to, "postmaster@example.net");
    assert_int_equal(store("", NULL, scan_json, id, &err), MV_OK);
    if (quarantine_release(dir, id, &o, &err) != MV_OK)
        fail_msg("release: %s", err.msg);
    sink_join(k);
    assert_string_equal(k->mail_from->str, "<>");
    assert_int_equal(k->rcpts->len, 1);
    assert_string_equal(g_ptr_array_index(k->rcpts, 0), "<postmaster@example.net>");
    sink_free(k);
    g_ptr_array_unref(to);
}

/* release_failure_keeps_held - a refusal at any step leaves the record held */
static void release_failure_keeps_held(void **state)
{
    static const struct {
        const char *rcpt_reply, *dot_reply, *want;
    } cases[] = {
        {NULL, "451 4.3.0 Error: queue file write error\r\n", "451 4.3.0"},
        {"550 5.1.1 <bob@example.org>: Recipient address rejected\r\n", "250 Ok\r\n",
         "RCPT TO:<bob@example.org>: 550 5.1.1"},
        {NULL, "354 what\r\n", "end of data: 354"},
    };
    char id[QUARANTINE_ID_LEN + 1];
    struct mv_err err = {0};
    JsonNode *rec;

    (void)state;
    assert_int_equal(store("mallory@example.com", NULL, scan_json, id, &err), MV_OK);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        struct sink *k = sink_start(cases[i].rcpt_reply, cases[i].dot_reply);
        struct quarantine_release_opts o = {.host = "127.0.0.1", .port = k->port, .by = "t"};

        memset(&err, 0, sizeof(err));
        assert_int_equal(quarantine_release(dir, id, &o, &err), MV_EIO);
        if (strstr(err.msg, cases[i].want) == NULL)
            fail_msg("case %zu: got \"%s\", want \"%s\"", i, err.msg, cases[i].want);
        sink_join(k);
        assert_true(k->quit);
        sink_free(k);
        rec = quarantine_record_new(dir, id, &err);
        assert_string_equal(rec_string(rec, "state"), "held");
        json_node_unref(rec);
    }
    /* nobody listening: a port we bound and closed */
    {
        struct sink *k = sink_start(NULL, "250 Ok\r\n");
        struct quarantine_release_opts o = {.host = "127.0.0.1", .port = k->port, .by = "t"};
        int c = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET,
                                .sin_port = htons((uint16_t)k->port),
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};

        /* end the sink's session at once, then close its socket */
        assert_int_equal(connect(c, (struct sockaddr *)&a, sizeof(a)), 0);
        close(c);
        sink_join(k);
        close(k->lfd);
        k->lfd = -1;
        assert_int_equal(quarantine_release(dir, id, &o, &err), MV_EIO);
        if (strstr(err.msg, "connect") == NULL || strstr(err.msg, g_strerror(ECONNREFUSED)) == NULL)
            fail_msg("got \"%s\", want connect: %s", err.msg, g_strerror(ECONNREFUSED));
        sink_free(k);
    }
    rec = quarantine_record_new(dir, id, &err);
    assert_string_equal(rec_string(rec, "state"), "held");
    assert_int_equal(
        json_array_get_length(json_object_get_array_member(json_node_get_object(rec), "history")),
        1);
    json_node_unref(rec);
    /* a deleted entry has nothing to release */
    assert_int_equal(quarantine_delete(dir, id, "t", &err), MV_OK);
    {
        struct quarantine_release_opts o = {.host = "127.0.0.1", .port = 9, .by = "t"};

        assert_int_equal(quarantine_release(dir, id, &o, &err), MV_EIO);
        assert_non_null(strstr(err.msg, "deleted"));
    }
}

/* One release run in a thread of its own. */
struct release_run {
    const char *id;
    struct quarantine_release_opts o;
    enum mv_status st;
    struct mv_err err;
};

static void *release_run(void *arg)
{
    struct release_run *r = arg;

    r->st = quarantine_release(dir, r->id, &r->o, &r->err);
    return NULL;
}

/* release_locks_entry_against_delete_and_purge - while a release waits for the server's
 * answer to its data, a delete of that entry is refused as busy and purge leaves it;
 * the release then marks it released with its message in place; a delete afterwards
 * works: held, released, deleted, in that order */
static void release_locks_entry_against_delete_and_purge(void **state)
{
    char id[QUARANTINE_ID_LEN + 1], other[QUARANTINE_ID_LEN + 1];
    struct mv_err err = {0};
    struct sink *k = sink_start(NULL, "250 2.0.0 Ok: queued as 4SLOW\r\n");
    struct release_run r = {.o = {.host = "127.0.0.1", .port = k->port, .by = "tester"}};
    struct quarantine_purge_stats s;
    gint64 now = g_get_real_time() / G_USEC_PER_SEC;
    pthread_t th;
    JsonNode *rec;
    JsonArray *hist;
    int fd;

    (void)state;
    k->hold = true;
    assert_int_equal(store("mallory@example.com", NULL, scan_json, id, &err), MV_OK);
    assert_int_equal(store("mallory@example.com", NULL, scan_json, other, &err), MV_OK);
    r.id = id;
    assert_int_equal(pthread_create(&th, NULL, release_run, &r), 0);
    sink_wait_at_dot(k);

    memset(&err, 0, sizeof(err));
    if (quarantine_delete(dir, id, "tester", &err) != MV_EIO || strstr(err.msg, "busy") == NULL)
        fail_msg("delete during the release: got \"%s\", want busy", err.msg);
    assert_int_equal(quarantine_purge(dir, 0, 0, now + 1, &s, &err), MV_OK);
    assert_int_equal(s.removed, 1); /* the other entry */
    assert_int_equal(s.busy, 1);
    assert_false(quarantine_exists(dir, other));
    assert_true(quarantine_exists(dir, id));

    sink_open_gate(k);
    pthread_join(th, NULL);
    sink_join(k);
    sink_free(k);
    if (r.st != MV_OK)
        fail_msg("release: %s", r.err.msg);
    rec = quarantine_record_new(dir, id, &err);
    assert_non_null(rec);
    assert_string_equal(rec_string(rec, "state"), "released");
    json_node_unref(rec);
    fd = quarantine_eml_open(dir, id, &err);
    assert_true(fd >= 0);
    close(fd);

    assert_int_equal(quarantine_delete(dir, id, "tester", &err), MV_OK);
    rec = quarantine_record_new(dir, id, &err);
    assert_string_equal(rec_string(rec, "state"), "deleted");
    hist = json_object_get_array_member(json_node_get_object(rec), "history");
    assert_int_equal(json_array_get_length(hist), 3);
    assert_string_equal(
        json_object_get_string_member(json_array_get_object_element(hist, 1), "state"), "released");
    json_node_unref(rec);
    assert_int_equal(quarantine_eml_open(dir, id, &err), -1);
}

/* release_dot_stuffing_round_trip - lines with dots arrive byte-identical; bare LF
 * becomes CRLF; a last line without its newline gets one */
static void release_dot_stuffing_round_trip(void **state)
{
    static const struct {
        const char *stored, *arrives;
    } cases[] = {
        {".\r\n..\r\n...x\r\n. \r\nmid.dle\r\n.\r\n", ".\r\n..\r\n...x\r\n. \r\nmid.dle\r\n.\r\n"},
        {"a\n.b\n\n..c\n", "a\r\n.b\r\n\r\n..c\r\n"},
        {"no newline at the end", "no newline at the end\r\n"},
        {".", ".\r\n"},
    };
    struct mv_err err = {0};

    (void)state;
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        char id[QUARANTINE_ID_LEN + 1];
        GPtrArray *r = g_ptr_array_new();
        struct quarantine_meta meta = {.sender = "a@example.com", .recipients = r};
        struct sink *k = sink_start(NULL, "250 Ok\r\n");
        struct quarantine_release_opts o = {.host = "127.0.0.1", .port = k->port, .by = "t"};

        g_ptr_array_add(r, "b@example.net");
        assert_int_equal(
            quarantine_store(dir, cases[i].stored, -1, strlen(cases[i].stored), &meta, id, &err),
            MV_OK);
        if (quarantine_release(dir, id, &o, &err) != MV_OK)
            fail_msg("case %zu: release: %s", i, err.msg);
        sink_join(k);
        if (strcmp(k->data->str, cases[i].arrives) != 0)
            fail_msg("case %zu: got \"%s\", want \"%s\"", i, g_strescape(k->data->str, ""),
                     g_strescape(cases[i].arrives, ""));
        sink_free(k);
        g_ptr_array_unref(r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(release_delivers_then_marks_released, fresh),
        cmocka_unit_test_setup(release_to_other_recipients, fresh),
        cmocka_unit_test_setup(release_failure_keeps_held, fresh),
        cmocka_unit_test_setup(release_locks_entry_against_delete_and_purge, fresh),
        cmocka_unit_test_setup(release_dot_stuffing_round_trip, fresh),
    };

    return cmocka_run_group_tests_name("quarantine_release", tests, setup, teardown);
}
