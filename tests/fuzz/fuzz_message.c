/* fuzz_message.c - raw message bytes through everything mailvetd does with a message
 * at end of data: the spool (in memory, or spilled to a temp file when the input's
 * length is odd), the MIME parse into leaves, libclamav over every leaf with the
 * bundled signatures and the shipped campaign signatures, the container checks,
 * the features, the shipped policy's rules, the verdict, the per-recipient decision,
 * and both report renderings.  A crash, a sanitizer report, a leak, a verdict
 * outside the enum, or a rule that gave up (Mailvet.Limits.Regex.*) with a verdict
 * below unscannable is a finding. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "fuzz.h"
#include "generation.h"
#include "pipeline.h"
#include "render.h"
#include "reportcodec.h"
#include "spool.h"

static struct generation *gen;
static GPtrArray *rcpts;

/* teardown - at exit, before LeakSanitizer's check: what Initialize made */
static void teardown(void)
{
    generation_release(gen);
    g_ptr_array_free(rcpts, TRUE);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *src = fuzz_srcdir();
    const char *work = fuzz_workdir();
    char *tmp = g_build_filename(work, "tmp", NULL);
    /* the bundled signatures are made by the build, the policy is shipped source */
    char *cfg = g_strdup_printf("database: %s/policies/signatures-default\n"
                                "policy_dir: %s/policies\n"
                                "tmpdir: %s\n",
                                fuzz_builddir(), src, tmp);
    char *path = g_build_filename(work, "mailvet.yaml", NULL);
    struct mv_err err = {0};

    (void)argc;
    (void)argv;
    fuzz_quiet();
    g_mkdir(tmp, 0700);
    fuzz_write(work, "mailvet.yaml", cfg, strlen(cfg));
    fuzz_leaks_ignore(true);
    gen = generation_build(path, NULL, &err);
    fuzz_leaks_ignore(false);
    if (gen == NULL) {
        fprintf(stderr, "fuzz_message: %s\n", err.msg);
        abort();
    }
    rcpts = g_ptr_array_new();
    g_ptr_array_add(rcpts, (char *)"rcpt@example.com");
    g_ptr_array_add(rcpts, (char *)"other@example.net");
    atexit(teardown);
    g_free(path);
    g_free(cfg);
    g_free(tmp);
    return 0;
}

/* dump_reports - with FUZZ_DUMP_REPORTS=DIR, each leaf report's cache encoding into
 * DIR: how seeds.sh makes the reportcodec corpus from the message seeds */
static void dump_reports(const struct pipeline_result *res)
{
    static unsigned serial;
    const char *dir = getenv("FUZZ_DUMP_REPORTS");

    for (size_t i = 0; dir != NULL && i < res->nreports; i++) {
        GByteArray *enc = g_byte_array_new();
        struct mv_err err = {0};

        if (reportcodec_encode(&res->reports[i], UINT64_MAX, enc, &err) == MV_OK) {
            char name[32];

            snprintf(name, sizeof(name), "report-%04u", serial++);
            fuzz_write(dir, name, enc->data, enc->len);
        }
        g_byte_array_free(enc, TRUE);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct mv_config *cfg = gen->cfg;
    /* odd lengths spill after 512 bytes, so the temp-file path is fuzzed too */
    struct spool *sp =
        spool_new(cfg->tmpdir, size % 2 ? 512 : cfg->spool_memory, cfg->max_message_size);
    struct pipeline_input in = {
        .env = {.sender = "sender@example.com", .recipients = rcpts, .client_addr = "192.0.2.1"},
        .queue_id = "4F00A1B2C3",
    };
    struct pipeline_result res = {0};
    struct mv_err err = {0};

    /* in milter-sized chunks, as libmilter hands the body over */
    for (size_t off = 0; off < size; off += 65535) {
        size_t n = size - off < 65535 ? size - off : 65535;
        enum mv_status st = spool_append(sp, data + off, n, &err);

        if (st != MV_OK && st != MV_TOOBIG)
            abort();
    }
    in.bytes = spool_bytes_get(sp);
    in.fd = spool_fd_get(sp);
    in.size = spool_size(sp);
    in.truncated = spool_truncated(sp);
    if (pipeline_run(gen, &in, &res, NULL, NULL, &err) == MV_OK) {
        char *json, *text;

        if (res.verdict > MV_VERDICT_INFECTED || res.decision.action != res.action)
            abort();
        /* a rule that gave up never leaves the message below unscannable */
        for (guint i = 0; i < res.reasons->len; i++)
            if (g_str_has_prefix(g_ptr_array_index(res.reasons, i), "Mailvet.Limits.Regex.") &&
                res.verdict < MV_VERDICT_UNSCANNABLE)
                abort();
        dump_reports(&res);
        json = render_json_new("fuzz", &res);
        text = render_text_new("fuzz", &res, true);
        g_free(json);
        g_free(text);
    }
    pipeline_result_clear(&res);
    spool_free(sp);
    return 0;
}
