/* qstore-helper.c - quarantine entries for tests/quarantine-cli.sh, written by
 * quarantine_store() itself (the code the daemon calls), so that the CLI is tested
 * against real entries.
 *   qstore-helper DIR [-n COUNT] [-s SENDER] [-r RCPT]... [-j SCAN.json] [-m MESSAGE]
 *                 [-Q QUEUE_ID] [-q]
 *   qstore-helper -c CONFIG [options as above]
 * With -c, the entries go to the store CONFIG names (qstore_put(): the directory or
 * PostgreSQL, as mailvetd writes them).
 * Prints each new id on a line (unless -q).  Defaults: sender mallory@example.com,
 * recipient alice@example.net, queue id 4Xy7Rz1, a small message, and a campaign verdict
 * (avaddon).  With -Q and -n above 1, the Nth entry's queue id is QUEUE_ID followed by N
 * (from 0), so that each can be found by its own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "config.h"
#include "qstore.h"
#include "quarantine.h"

static const char default_message[] = "From: <mallory@example.com>\r\n"
                                      "To: <alice@example.net>\r\n"
                                      "Subject: Invoice 2024-0042\r\n"
                                      "\r\n"
                                      "Please see the attached invoice.\r\n"
                                      ".a line starting with a dot\r\n";
static const char default_json[] =
    "{\"verdict\":\"campaign\",\"action\":\"quarantine\",\"score\":12,"
    "\"reasons\":[\"avaddon.lure\"],"
    "\"hits\":[{\"id\":\"avaddon.lure\",\"campaign\":\"avaddon\",\"category\":\"campaign\","
    "\"score\":12,\"description\":\"Avaddon look-alike\",\"objects\":[\"2\"]}],"
    "\"policy\":null,\"subject\":\"Invoice 2024-0042\","
    "\"objects\":[{\"path\":\"2\",\"name\":\"IMG_0042.zip\",\"type\":\"application/zip\","
    "\"size\":300,\"depth\":0,\"encrypted\":false,\"decrypted\":false,"
    "\"type_mismatch\":false,\"signatures\":[]},"
    "{\"path\":\"2/1\",\"name\":\"IMG_0042.jpg.js\",\"type\":\"text/javascript\",\"size\":120,"
    "\"depth\":1,\"encrypted\":false,\"decrypted\":false,\"type_mismatch\":true,"
    "\"signatures\":[\"Mailvet.Avaddon.JsDownloader\"]}]}";

int main(int argc, char **argv)
{
    const char *sender = "mallory@example.com", *qid = NULL;
    GPtrArray *rcpts = g_ptr_array_new();
    char *message = NULL, *json = NULL;
    gsize message_len = 0;
    long count = 1;
    bool quiet = false;
    struct mv_config *cfg = NULL;
    struct qstore qs;
    int ch;

    while ((ch = getopt(argc, argv, "c:n:s:r:j:m:Q:q")) != -1) {
        switch (ch) {
        case 'c': {
            struct mv_err cerr = {0};

            if ((cfg = config_load(optarg, &cerr)) == NULL) {
                fprintf(stderr, "qstore-helper: %s\n", cerr.msg);
                return 2;
            }
            qstore_init(&qs, cfg);
            break;
        }
        case 'n':
            count = strtol(optarg, NULL, 10);
            break;
        case 's':
            sender = optarg;
            break;
        case 'r':
            g_ptr_array_add(rcpts, optarg);
            break;
        case 'j':
            if (!g_file_get_contents(optarg, &json, NULL, NULL))
                return 2;
            break;
        case 'm':
            if (!g_file_get_contents(optarg, &message, &message_len, NULL))
                return 2;
            break;
        case 'Q':
            qid = optarg;
            break;
        case 'q':
            quiet = true;
            break;
        default:
            fprintf(stderr, "usage: qstore-helper DIR [-n COUNT] [-s SENDER] [-r RCPT]... "
                            "[-j SCAN.json] [-m MESSAGE] [-Q QUEUE_ID] [-q]\n");
            return 2;
        }
    }
    if (optind + (cfg == NULL) != argc) {
        fprintf(stderr, "qstore-helper: give the quarantine directory\n");
        return 2;
    }
    if (rcpts->len == 0)
        g_ptr_array_add(rcpts, "alice@example.net");
    for (long i = 0; i < count; i++) {
        char *queue_id = qid == NULL  ? g_strdup("4Xy7Rz1")
                         : count == 1 ? g_strdup(qid)
                                      : g_strdup_printf("%s%ld", qid, i);
        struct quarantine_meta meta = {.queue_id = queue_id,
                                       .client_addr = "192.0.2.7",
                                       .sender = sender,
                                       .recipients = rcpts,
                                       .record_json = json != NULL ? json : default_json,
                                       .generation = 1};
        char id[QUARANTINE_ID_LEN + 1];
        struct mv_err err = {0};
        const char *m = message != NULL ? message : default_message;
        size_t len = message != NULL ? message_len : strlen(default_message);

        if ((cfg != NULL ? qstore_put(&qs, m, -1, len, &meta, id, NULL, &err)
                         : quarantine_store(argv[optind], m, -1, len, &meta, id, &err)) != MV_OK) {
            fprintf(stderr, "qstore-helper: %s\n", err.msg);
            return 1;
        }
        g_free(queue_id);
        if (!quiet)
            puts(id);
    }
    g_free(message);
    g_free(json);
    g_ptr_array_unref(rcpts);
    config_free(cfg);
    return 0;
}
