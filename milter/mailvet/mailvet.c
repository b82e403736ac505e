/* mailvet.c - the operator's tool.
 *   mailvet scan [-c CONFIG] [-d DATABASE] [--json] [-v] FILE...   ("-" is stdin)
 *   mailvet check-config [-c CONFIG] [--keys]
 * scan runs each RFC 5322 file through the very pipeline mailvetd runs at end of
 * message (spool → parse → scan → verdict → action) and exits as clamscan does:
 * 0 all clean, 1 something found, 2 an error (an error wins over a find).
 * check-config prints the effective configuration, then builds what mailvetd would
 * (generation_build: the same refusals, exit 78; run by root, as mailvetd's user) and
 * prints what it loaded. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <glib.h>

#include "config.h"
#include "generation.h"
#include "generation_as.h"
#include "log.h"
#include "pipeline.h"
#include "mailvet_quarantine.h"
#include "render.h"
#include "spool.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define DEFAULT_CONFIG SYSCONFDIR "/mailvet/mailvet.yaml"

enum { EXIT_CLEAN = 0, EXIT_FOUND = 1, EXIT_ERROR = 2 };

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: mailvet scan [-c CONFIG] [-d DATABASE] [--json] [-v] [ENVELOPE] FILE...\n"
        "       mailvet check-config [-c CONFIG] [--keys]\n"
        "       mailvet quarantine [-c CONFIG] list|show|release|delete|purge ... (-h for more)\n"
        "  -c, --config CONFIG      configuration file (default %s;\n"
        "                           built-in defaults when the default file is absent)\n"
        "  -d, --database DATABASE  signature directory or file, overrides the config\n"
        "  -j, --json               one JSON object per message\n"
        "  -v, --verbose            list every part\n"
        "  ENVELOPE, for rules and per-recipient policy, as the MTA would pass it:\n"
        "  --sender ADDR            envelope sender (\"\" for the null sender)\n"
        "  --rcpt ADDR              envelope recipient (repeat for several)\n"
        "  --auth USER              submitted with SMTP AUTH as USER (outbound)\n"
        "  --client IP              client address\n"
        "  --keys                   print the configuration keys, one per line\n",
        DEFAULT_CONFIG);
}

/* config_path - -c, else the default file if it exists, else NULL (built-in defaults) */
static const char *config_path(const char *given)
{
    if (given != NULL)
        return given;
    return access(DEFAULT_CONFIG, F_OK) == 0 ? DEFAULT_CONFIG : NULL;
}

/* read_into_spool - FD's bytes into a spool with the daemon's limits */
static enum mv_status read_into_spool(int fd, struct spool *sp, struct mv_err *err)
{
    char buf[65536];

    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        enum mv_status st;

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return mv_err_set(err, MV_EIO, "read: %s", strerror(errno));
        if (n == 0)
            return MV_OK;
        st = spool_append(sp, buf, (size_t)n, err);
        if (st != MV_OK && st != MV_TOOBIG)
            return st;
    }
}

/* scan_one - one file through the pipeline; returns its exit class */
static int scan_one(const struct generation *gen, const char *file, bool json, bool verbose,
                    const struct features_envelope *env)
{
    const struct mv_config *cfg = gen->cfg;
    struct spool *sp = spool_new(cfg->tmpdir, cfg->spool_memory, cfg->max_message_size);
    struct pipeline_result res = {0};
    struct pipeline_input in = {.env = *env};
    struct mv_err err = {0};
    const char *name = strcmp(file, "-") == 0 ? "stdin" : file;
    int fd = strcmp(file, "-") == 0 ? 0 : open(file, O_RDONLY | O_CLOEXEC);
    int rc = EXIT_ERROR;
    char *out;

    if (fd < 0) {
        fprintf(stderr, "mailvet: %s: %s\n", file, strerror(errno));
        goto out;
    }
    if (read_into_spool(fd, sp, &err) != MV_OK) {
        fprintf(stderr, "mailvet: %s: %s\n", file, err.msg);
        goto out;
    }
    in.bytes = spool_bytes_get(sp);
    in.fd = spool_fd_get(sp);
    in.size = spool_size(sp);
    in.truncated = spool_truncated(sp);
    if (pipeline_run(gen, &in, &res, NULL, NULL, &err) != MV_OK) {
        fprintf(stderr, "mailvet: %s: %s\n", file, err.msg);
        goto out;
    }
    /* a rule's regex that gave up: once per rule in this run, on stderr */
    for (char text[RULES_ERROR_TEXT]; rules_error_take(&res.rules, text, sizeof(text));)
        log_msg(LOG_WARNING, "%s", text);
    out = json ? render_json_new(name, &res) : render_text_new(name, &res, verbose);
    fputs(out, stdout);
    if (json)
        fputc('\n', stdout);
    g_free(out);
    rc = res.verdict == MV_VERDICT_CLEAN ? EXIT_CLEAN : EXIT_FOUND;
out:
    pipeline_result_clear(&res);
    if (fd > 0)
        close(fd);
    spool_free(sp);
    return rc;
}

/* log_cache_health - what the cache saw of Redis (down, back), once per change */
static void log_cache_health(void)
{
    char text[CACHE_HEALTH_TEXT];
    bool down;

    while (cache_health_take(text, sizeof(text), &down))
        log_msg(down ? LOG_WARNING : LOG_INFO, "%s", text);
}

static int cmd_scan(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'}, {"database", required_argument, NULL, 'd'},
        {"json", no_argument, NULL, 'j'},         {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},         {"sender", required_argument, NULL, 'S'},
        {"rcpt", required_argument, NULL, 'R'},   {"auth", required_argument, NULL, 'A'},
        {"client", required_argument, NULL, 'C'}, {NULL, 0, NULL, 0},
    };
    const char *config = NULL, *database = NULL;
    bool json = false, verbose = false;
    struct mv_err err = {0};
    struct generation *gen;
    GPtrArray *rcpts = g_ptr_array_new();
    struct features_envelope env = {.recipients = rcpts};
    int ch, worst = EXIT_CLEAN;

    while ((ch = getopt_long(argc, argv, "c:d:jvh", longopts, NULL)) != -1) {
        switch (ch) {
        case 'S':
            env.sender = optarg;
            break;
        case 'R':
            g_ptr_array_add(rcpts, optarg);
            break;
        case 'A':
            env.auth = optarg;
            break;
        case 'C':
            env.client_addr = optarg;
            break;
        case 'c':
            config = optarg;
            break;
        case 'd':
            database = optarg;
            break;
        case 'j':
            json = true;
            break;
        case 'v':
            verbose = true;
            break;
        case 'h':
            usage(stdout);
            worst = EXIT_CLEAN;
            goto out;
        default:
            usage(stderr);
            worst = EXIT_ERROR;
            goto out;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "mailvet scan: no file given (use - for stdin)\n");
        worst = EXIT_ERROR;
        goto out;
    }
    gen = generation_build(config_path(config), database, &err);
    if (gen == NULL) {
        fprintf(stderr, "mailvet: %s\n", err.msg);
        worst = EXIT_ERROR;
        goto out;
    }
    for (int i = optind; i < argc; i++) {
        int rc = scan_one(gen, argv[i], json, verbose, &env);

        log_cache_health(); /* on stderr */
        if (rc > worst)
            worst = rc;
    }
    fflush(stdout);
    generation_release(gen);
out:
    g_ptr_array_free(rcpts, TRUE);
    return worst;
}

static int cmd_check_config(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"keys", no_argument, NULL, 'k'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *config = NULL;
    struct mv_config *cfg;
    struct generation *gen;
    struct mv_err err = {0};
    uid_t uid = 0;
    gid_t gid = 0;
    bool as_user;
    char *text;
    int ch;

    while ((ch = getopt_long(argc, argv, "c:kh", longopts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            config = optarg;
            break;
        case 'k':
            for (size_t i = 0; i < config_key_count(); i++)
                puts(config_key_name(i));
            return EX_OK;
        case 'h':
            usage(stdout);
            return EX_OK;
        default:
            usage(stderr);
            return EX_USAGE;
        }
    }
    config = config_path(config);
    cfg = config != NULL ? config_load(config, &err) : config_default();
    if (cfg == NULL) {
        fprintf(stderr, "%s\n", err.msg);
        return EX_CONFIG;
    }
    config_print(cfg, stdout);
    fflush(stdout);
    /* then what mailvetd would load with it: the policy files, the signatures, with the
     * refusals a start or a reload would give; run by root, read as mailvetd reads them,
     * as its user (generation_as.h), so that what only root can read is refused here too */
    as_user = config != NULL && cfg->user[0] != '\0' && geteuid() == 0;
    if (as_user && !config_user_ids(cfg, &uid, &gid, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        config_free(cfg);
        return EX_NOUSER;
    }
    as_user = as_user && uid != 0;
    gen = as_user ? generation_build_as(config, NULL, cfg->user, uid, gid, &err)
                  : generation_build(config, NULL, &err);
    config_free(cfg);
    if (gen == NULL) {
        fprintf(stderr, "%s\n", err.msg);
        /* as mailvetd -n answers: memory short is no configuration error */
        return err.status == MV_EBUG || err.status == MV_ENOMEM ? EX_OSERR : EX_CONFIG;
    }
    text = generation_report_new(gen);
    fputs(text, stdout);
    fflush(stdout);
    g_free(text);
    text = generation_warning_new(gen);
    if (text != NULL)
        fprintf(stderr, "mailvet: warning: %s\n", text);
    g_free(text);
    generation_release(gen);
    return EX_OK;
}

/* cmd_quarantine - [-c CONFIG], the config loaded as check-config does, then
 * mailvet_quarantine.c */
static int cmd_quarantine(int argc, char **argv)
{
    const char *config = NULL;
    struct mv_config *cfg;
    struct mv_err err = {0};
    int rc;

    if (argc >= 3 && (strcmp(argv[1], "-c") == 0 || strcmp(argv[1], "--config") == 0)) {
        config = argv[2];
        argv[2] = argv[0];
        argc -= 2;
        argv += 2;
    }
    config = config_path(config);
    cfg = config != NULL ? config_load(config, &err) : config_default();
    if (cfg == NULL) {
        fprintf(stderr, "%s\n", err.msg);
        return EX_CONFIG;
    }
    rc = mailvet_quarantine_main(argc, argv, cfg);
    config_free(cfg);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_ERROR;
    }
    log_open("mailvet", true, LOG_USER);
    if (strcmp(argv[1], "scan") == 0)
        return cmd_scan(argc - 1, argv + 1);
    if (strcmp(argv[1], "check-config") == 0)
        return cmd_check_config(argc - 1, argv + 1);
    if (strcmp(argv[1], "quarantine") == 0)
        return cmd_quarantine(argc - 1, argv + 1);
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        usage(stdout);
        return EXIT_CLEAN;
    }
    if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
        printf("mailvet %s\n", PACKAGE_VERSION);
        return EXIT_CLEAN;
    }
    fprintf(stderr, "mailvet: unknown command: %s\n", argv[1]);
    usage(stderr);
    return EXIT_ERROR;
}
