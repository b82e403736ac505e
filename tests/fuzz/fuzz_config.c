/* fuzz_config.c - mailvet.yaml bytes through config_load().  Whatever loads must
 * print (config_print, what check-config shows) as YAML that loads again to the
 * same configuration: a config that loads but does not round-trip is a finding, as
 * is a crash, a sanitizer report or a leak.  A refused file must name itself in
 * the error.  Secrets print as "(set)": they are given a stand-in value before the
 * printed file is loaded again, and are not compared. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "config.h"
#include "fuzz.h"

static char *path;

static void teardown(void)
{
    g_free(path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    path = g_build_filename(fuzz_workdir(), "mailvet.yaml", NULL);
    atexit(teardown);
    return 0;
}

/* printed - config_print of CFG as a string (g_free) */
static char *printed(const struct mv_config *cfg)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    char *copy;

    if (f == NULL)
        abort();
    config_print(cfg, f);
    fclose(f);
    copy = g_strndup(buf, len);
    free(buf);
    return copy;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mv_err err = {0};
    struct mv_config *cfg, *again;
    char *first, *second;

    fuzz_write(fuzz_workdir(), "mailvet.yaml", data, size);
    cfg = config_load(path, &err);
    if (cfg == NULL) {
        if (strstr(err.msg, "mailvet.yaml") == NULL) {
            fprintf(stderr, "error without the file name: %s\n", err.msg);
            abort();
        }
        return 0;
    }
    first = printed(cfg);
    {
        /* a secret's line: KEY: "(set)"; the same text inside another value is data */
        char **lines = g_strsplit(first, "\n", -1);
        char *reload;

        for (char **l = lines; *l != NULL; l++)
            for (size_t i = 0; i < config_key_count(); i++) {
                char *set = g_strdup_printf("%s: \"(set)\"", config_key_name(i));

                if (config_key_secret(i) && g_str_has_prefix(*l, set)) {
                    g_free(*l);
                    *l = g_strdup_printf("%s: stand-in-secret-0123456789", config_key_name(i));
                }
                g_free(set);
            }
        reload = g_strjoinv("\n", lines);
        fuzz_write(fuzz_workdir(), "mailvet.yaml", reload, strlen(reload));
        g_strfreev(lines);
        g_free(reload);
    }
    again = config_load(path, &err);
    if (again == NULL) {
        fprintf(stderr, "printed config does not load: %s\n%s", err.msg, first);
        abort();
    }
    second = printed(again);
    if (strcmp(first, second) != 0) {
        fprintf(stderr, "config does not round-trip:\n%s---\n%s", first, second);
        abort();
    }
    for (size_t i = 0; i < config_key_count(); i++)
        if (!config_key_secret(i) && !config_key_equal(cfg, again, i)) {
            fprintf(stderr, "key %s differs after a round trip\n", config_key_name(i));
            abort();
        }
    g_free(first);
    g_free(second);
    config_free(cfg);
    config_free(again);
    return 0;
}
