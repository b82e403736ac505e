/* fuzzlib.c - the fuzz targets' shared harness: a private work directory, the source
 * tree, file writes and a silent log (see fuzz.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "fuzz.h"
#include "log.h"

#if defined(__SANITIZE_ADDRESS__)
#define FUZZ_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FUZZ_LSAN 1
#endif
#endif
#ifdef FUZZ_LSAN
#include <sanitizer/lsan_interface.h>
#endif

#ifndef FUZZ_SRCDIR
#define FUZZ_SRCDIR "."
#endif
#ifndef FUZZ_BUILDDIR
#define FUZZ_BUILDDIR FUZZ_SRCDIR
#endif

static char *workdir;

static void remove_tree(const char *path)
{
    GDir *d = g_dir_open(path, 0, NULL);
    const char *name;

    if (d != NULL) {
        while ((name = g_dir_read_name(d)) != NULL) {
            char *child = g_build_filename(path, name, NULL);

            if (g_file_test(child, G_FILE_TEST_IS_DIR) &&
                !g_file_test(child, G_FILE_TEST_IS_SYMLINK))
                remove_tree(child);
            else
                g_unlink(child);
            g_free(child);
        }
        g_dir_close(d);
    }
    g_rmdir(path);
}

static void workdir_remove(void)
{
    if (workdir != NULL)
        remove_tree(workdir);
}

const char *fuzz_workdir(void)
{
    if (workdir == NULL) {
        GError *gerr = NULL;

        workdir = g_dir_make_tmp("mailvet-fuzz-XXXXXX", &gerr);
        if (workdir == NULL) {
            fprintf(stderr, "fuzz: cannot make a work directory: %s\n", gerr->message);
            abort();
        }
        atexit(workdir_remove);
    }
    return workdir;
}

const char *fuzz_srcdir(void)
{
    const char *s = getenv("top_srcdir");

    return s != NULL && *s != '\0' ? s : FUZZ_SRCDIR;
}

const char *fuzz_builddir(void)
{
    const char *s = getenv("top_builddir");

    return s != NULL && *s != '\0' ? s : FUZZ_BUILDDIR;
}

void fuzz_write(const char *dir, const char *name, const void *data, size_t len)
{
    char *path = g_build_filename(dir, name, NULL);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    const char *p = data;

    if (fd < 0) {
        fprintf(stderr, "fuzz: %s: %s\n", path, strerror(errno));
        abort();
    }
    while (len > 0) {
        ssize_t n = write(fd, p, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            fprintf(stderr, "fuzz: %s: %s\n", path, strerror(errno));
            abort();
        }
        p += n;
        len -= (size_t)n;
    }
    close(fd);
    g_free(path);
}

void fuzz_quiet(void)
{
    log_open("mailvet-fuzz", false, LOG_USER);
    setlogmask(LOG_MASK(LOG_EMERG));
}

void fuzz_leaks_ignore(bool ignore)
{
#ifdef FUZZ_LSAN
    if (ignore)
        __lsan_disable();
    else
        __lsan_enable();
#else
    (void)ignore;
#endif
}
