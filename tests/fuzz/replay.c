/* replay.c - main() for a fuzz target built without libFuzzer: runs the target once
 * over each FILE, or over each file of a DIR, and prints one TAP line per file
 * ("ok N - PATH"); a finding aborts the process, which the test reports.  This is
 * how the seeds and every past finding (tests/fuzz/regressions/) are checked by
 * make check, under the sanitizers too when the build has them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "fuzz.h"

static unsigned count;

static void run_file(const char *path)
{
    gchar *data;
    gsize len;
    GError *gerr = NULL;

    if (!g_file_get_contents(path, &data, &len, &gerr)) {
        printf("not ok %u - %s: %s\n", ++count, path, gerr->message);
        g_error_free(gerr);
        return;
    }
    LLVMFuzzerTestOneInput((const uint8_t *)data, len);
    printf("ok %u - %s\n", ++count, path);
    fflush(stdout);
    g_free(data);
}

static gint by_name(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    LLVMFuzzerInitialize(&argc, &argv);
    for (int i = 1; i < argc; i++) {
        GDir *d;
        const char *name;
        GPtrArray *names;

        if (!g_file_test(argv[i], G_FILE_TEST_IS_DIR)) {
            run_file(argv[i]);
            continue;
        }
        d = g_dir_open(argv[i], 0, NULL);
        if (d == NULL)
            continue;
        names = g_ptr_array_new_with_free_func(g_free);
        while ((name = g_dir_read_name(d)) != NULL)
            g_ptr_array_add(names, g_build_filename(argv[i], name, NULL));
        g_dir_close(d);
        g_ptr_array_sort(names, by_name);
        for (guint j = 0; j < names->len; j++)
            run_file(g_ptr_array_index(names, j));
        g_ptr_array_free(names, TRUE);
    }
    return 0;
}
