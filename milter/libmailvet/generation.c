/* generation.c - build, install and reference-count generations.
 * The current generation is a pointer guarded by a mutex; a message takes a
 * reference at its start and drops it when it ends (mailvetd_session.c), so a reload swaps the
 * pointer without waiting for anyone, and the old engine is freed by whichever
 * thread drops its last reference.  Two engines are in memory during a swap.
 * A build fails closed: a policy directory that is missing, unreadable or without a
 * rule, a database without signatures of its own, a file that does not load, each
 * refuse the whole generation with one line that names the path and the fix; only
 * policy_dir: "" runs without rules, and says so (generation_warning_new). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "digest.h"
#include "generation.h"
#include "qstore.h"

static GMutex current_lock;
static struct generation *current;
static unsigned installed;

/* by_text - g_ptr_array_sort order of strings (it passes pointers to the elements) */
static gint by_text(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* stamp_dir - one line per regular file of DIR (name, size, mtime in ns), sorted */
static void stamp_dir(GString *out, const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
    const char *name;

    if (d == NULL) {
        g_string_append_printf(out, "%s: absent\n", dir);
        g_ptr_array_free(lines, TRUE);
        return;
    }
    while ((name = g_dir_read_name(d)) != NULL) {
        char *path = g_build_filename(dir, name, NULL);
        struct stat st;

        if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
            g_ptr_array_add(lines,
                            g_strdup_printf("%s %lld %lld.%09ld\n", path, (long long)st.st_size,
                                            (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec));
        g_free(path);
    }
    g_dir_close(d);
    g_ptr_array_sort(lines, by_text);
    for (guint i = 0; i < lines->len; i++)
        g_string_append(out, g_ptr_array_index(lines, i));
    g_ptr_array_free(lines, TRUE);
}

/* stamp_sigs - the signature database: a directory's files, or the one file */
static void stamp_sigs(GString *out, const char *database)
{
    struct stat st;

    if (g_file_test(database, G_FILE_TEST_IS_DIR))
        stamp_dir(out, database);
    else if (stat(database, &st) == 0)
        g_string_append_printf(out, "%s %lld %lld.%09ld\n", database, (long long)st.st_size,
                               (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

/* stamp_new - what the files a generation was built from look like now: the
 * signature database, and the policy files, their campaigns/ and signatures/ */
static char *stamp_new(const char *database, const char *policy_dir)
{
    GString *out = g_string_new(NULL);

    stamp_sigs(out, database);
    if (policy_dir != NULL && *policy_dir != '\0') {
        char *sub;

        stamp_dir(out, policy_dir);
        sub = g_build_filename(policy_dir, "campaigns", NULL);
        stamp_dir(out, sub);
        g_free(sub);
        sub = g_build_filename(policy_dir, "signatures", NULL);
        stamp_dir(out, sub);
        g_free(sub);
    }
    return g_string_free(out, FALSE);
}

/* FIX_MAX - room for the fix a refusal proposes */
#define FIX_MAX 512

/* set_in - "in FILE" for the fix of a refusal: where the operator changes the key; the
 * built-in defaults (mailvet without a configuration file) have none yet */
static void set_in(const struct mv_config *cfg, char *buf, size_t size)
{
    if (strcmp(cfg->file, CONFIG_BUILTIN) == 0)
        g_snprintf(buf, size, "in a configuration file (-c FILE)");
    else
        g_snprintf(buf, size, "in %s", cfg->file);
}

/* reader - the user this process reads files as (its effective uid), for a refusal:
 * mailvetd builds its first generation as the user it is to become, so that is the
 * user every reload reads them as */
static void reader(char *buf, size_t size)
{
    struct passwd pw, *found = NULL;
    char tmp[1024];

    if (getpwuid_r(geteuid(), &pw, tmp, sizeof(tmp), &found) == 0 && found != NULL)
        g_snprintf(buf, size, "%s", found->pw_name);
    else
        g_snprintf(buf, size, "uid %ld", (long)geteuid());
}

/* dir_refused - KEY's directory DIR could not be opened (errno E): one line in ERR with
 * the fix, FIX (MISSING: what makes it right besides letting the reader in; ALT: the
 * other way out when the reader is kept out) */
static bool dir_refused(const char *key, const char *dir, int e, const char *missing,
                        const char *alt, struct mv_err *err)
{
    char user[256];

    if (e == ENOENT) {
        mv_err_set(err, MV_ECONFIG, "%s %s: no such directory; %s", key, dir, missing);
    } else if (e == EACCES) {
        reader(user, sizeof(user));
        mv_err_set(err, MV_ECONFIG, "%s %s: cannot read it as user %s (%s); let %s read it, or %s",
                   key, dir, user, g_strerror(e), user, alt);
    } else {
        mv_err_set(err, MV_ECONFIG, "%s %s: %s; %s", key, dir, g_strerror(e), missing);
    }
    return false;
}

/* dir_usable - KEY's directory DIR exists and can be listed; else one line in ERR naming
 * it and the fix (dir_refused) */
static bool dir_usable(const char *key, const char *dir, const char *missing, const char *alt,
                       struct mv_err *err)
{
    struct stat st;
    DIR *d;

    if (stat(dir, &st) != 0)
        return dir_refused(key, dir, errno, missing, alt, err);
    if (!S_ISDIR(st.st_mode)) {
        mv_err_set(err, MV_ECONFIG, "%s %s: not a directory; %s", key, dir, missing);
        return false;
    }
    d = opendir(dir);
    if (d == NULL)
        return dir_refused(key, dir, errno, missing, alt, err);
    closedir(d);
    return true;
}

/* can_write_in - DIR can be written in by this process's effective ids; errno set when
 * not.  faccessat answers for the ids; where a sandbox refuses the call itself (EPERM,
 * ENOSYS), a file made and removed there answers instead */
static bool can_write_in(const char *dir)
{
    char *probe;
    int fd;

    if (faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) == 0)
        return true;
    if (errno != EPERM && errno != ENOSYS)
        return false;
    probe = g_build_filename(dir, ".mailvet-probe-XXXXXX", NULL);
    fd = g_mkstemp_full(probe, O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0) {
        close(fd);
        unlink(probe);
    }
    g_free(probe);
    return fd >= 0;
}

/* tmpdir_usable - libclamav and the spool write in tmpdir at every message, as the user
 * this process reads files as: a directory that user can write in, found out now rather
 * than at each message (each would be answered tempfail); else one line in ERR naming it
 * and the fix */
static bool tmpdir_usable(const struct mv_config *cfg, struct mv_err *err)
{
    char user[256];
    const char *owner;
    int e;

    if (!g_file_test(cfg->tmpdir, G_FILE_TEST_IS_DIR)) {
        mv_err_set(err, MV_ECONFIG, "%s: tmpdir: %s: not a directory", cfg->file, cfg->tmpdir);
        return false;
    }
    if (can_write_in(cfg->tmpdir))
        return true;
    e = errno;
    if (e == EROFS) {
        mv_err_set(err, MV_ECONFIG,
                   "%s: tmpdir: %s: on a read-only file system; set tmpdir: to a directory on "
                   "a writable one (under systemd, one the unit's ReadWritePaths= lists)",
                   cfg->file, cfg->tmpdir);
        return false;
    }
    reader(user, sizeof(user));
    /* chown takes the name, or the number of a user the system does not name ("uid N") */
    owner = g_str_has_prefix(user, "uid ") ? user + 4 : user;
    mv_err_set(err, MV_ECONFIG,
               "%s: tmpdir: %s: user %s cannot write in it (%s); let %s write there (chown %s "
               "%s), or set tmpdir: to a directory it can write in",
               cfg->file, cfg->tmpdir, user, g_strerror(e), user, owner, cfg->tmpdir);
    return false;
}

/* policy_of - CFG's policy: the files of policy_dir, which must hold at least one rule,
 * or the built-in actions without rules for policy_dir: "" */
static struct policy *policy_of(const struct mv_config *cfg, struct mv_err *err)
{
    char in[FIX_MAX], alt[FIX_MAX], fix[FIX_MAX + 64];
    struct policy *p;

    if (*cfg->policy_dir == '\0')
        return policy_load("", err);
    set_in(cfg, in, sizeof(in));
    g_snprintf(alt, sizeof(alt), "set policy_dir: \"\" %s to run without rules", in);
    g_snprintf(fix, sizeof(fix), "install the policies there or %s", alt);
    if (!dir_usable("policy_dir", cfg->policy_dir, fix, alt, err))
        return NULL;
    p = policy_load(cfg->policy_dir, err);
    if (p != NULL && rules_count(policy_rules(p)) == 0) {
        mv_err_set(err, MV_ECONFIG, "policy_dir %s: no rules in it (%u policy files read); %s",
                   cfg->policy_dir, policy_file_count(p), fix);
        p = policy_free(p);
    }
    return p;
}

/* database_fix - the fixes a refusal of the signature database proposes: ClamAV's own
 * updater or another directory (FIX), only another directory (ALT); -d when DATABASE
 * came from the command line, else the key */
static void database_fix(const struct mv_config *cfg, bool override, char *fix, char *alt,
                         size_t size)
{
    char in[FIX_MAX];

    set_in(cfg, in, sizeof(in));
    if (override)
        g_snprintf(alt, size, "give -d a directory that holds them");
    else
        g_snprintf(alt, size, "set database: %s to a directory that holds them", in);
    g_snprintf(fix, size,
               "run freshclam to fetch ClamAV's signatures (Debian: clamav-freshclam), or %s", alt);
}

/* names_path - MSG starts with PATH itself, or with a file in it ("PATH/FILE:LINE") */
static bool names_path(const char *msg, const char *path)
{
    size_t n = strlen(path);

    return n > 0 && strncmp(msg, path, n) == 0 &&
           (msg[n] == ':' || msg[n] == '/' || path[n - 1] == '/');
}

/* engine_refused - ERR from scan_engine_new() as one line with the path's key and fix:
 * the message starts with the path that failed, DATABASE or OURS or a file in one of
 * them (scan.h); a malformed signature file (MV_EPARSE) is the file's to fix, anything
 * else the database's.  The status becomes MV_ECONFIG (exit 78) but for MV_ENOMEM. */
static void engine_refused(struct mv_err *err, const struct mv_config *cfg, const char *database,
                           bool override, const char *ours)
{
    char fix[FIX_MAX], alt[FIX_MAX], *msg = g_strdup(err->msg);
    enum mv_status status = err->status == MV_ENOMEM ? MV_ENOMEM : MV_ECONFIG;

    if (names_path(msg, database) && err->status == MV_EPARSE) {
        mv_err_set(err, status,
                   "database %s; correct the file or remove it (freshclam restores ClamAV's own "
                   "files)",
                   msg);
    } else if (names_path(msg, database)) {
        database_fix(cfg, override, fix, alt, sizeof(fix));
        mv_err_set(err, status, "database %s; %s", msg, fix);
    } else if (ours != NULL && names_path(msg, ours)) {
        mv_err_set(err, status,
                   "%s; correct or remove the file there: policy_dir's signatures/ is loaded "
                   "with ClamAV's",
                   msg);
    } else {
        err->status = status;
    }
    g_free(msg);
}

/* scan_options_of - the keys of CFG scan.c reads (its strings borrowed from CFG) */
static struct scan_options scan_options_of(const struct mv_config *cfg)
{
    struct scan_options opt = {
        .max_scan_size = cfg->max_scan_size,
        .max_file_size = cfg->max_file_size,
        .max_recursion = cfg->max_recursion,
        .max_files = cfg->max_files,
        .max_scan_time = cfg->max_scan_time,
        .max_objects = cfg->max_objects,
        .max_message_scan_size = cfg->max_message_scan_size,
        .max_message_scan_time = cfg->max_message_scan_time,
        .max_compression_ratio = cfg->max_compression_ratio,
        .content_window = cfg->content_window,
        .tmpdir = cfg->tmpdir,
    };

    return opt;
}

/* cache_options_of - the keys of CFG cache.c reads (its strings borrowed from CFG) */
static struct cache_options cache_options_of(const struct mv_config *cfg)
{
    struct cache_options opt = {
        .address = cfg->redis,
        .sentinels = cfg->redis_sentinels,
        .master_name = cfg->redis_master_name,
        .sentinel_username = cfg->redis_sentinel_username,
        .sentinel_password = cfg->redis_sentinel_password,
        .replicas = cfg->redis_replicas,
        .username = cfg->redis_username,
        .password = cfg->redis_password,
        .db = cfg->redis_db,
        .connect_timeout = cfg->redis_connect_timeout,
        .timeout = cfg->redis_timeout,
        .secret = cfg->cache_secret,
        .ttl_clean = cfg->cache_ttl_clean,
        .ttl_detected = cfg->cache_ttl_detected,
        .max_value = cfg->cache_max_value,
    };

    return opt;
}

/* content_line - "NAME SIZE SHA256\n" of the regular file PATH into LINES: the file's
 * base name and what it holds, not where it lies or when it was written */
static void content_line(GPtrArray *lines, const char *path)
{
    char hex[DIGEST_HEX_LEN + 1] = "";
    char *buf, *base;
    struct digest *d;
    ssize_t got;
    off_t size = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        base = g_path_get_basename(path);
        g_ptr_array_add(lines, g_strdup_printf("%s unreadable\n", base));
        g_free(base);
        return;
    }
    buf = g_malloc(1 << 20);
    d = digest_new();
    while ((got = read(fd, buf, 1 << 20)) > 0 || (got < 0 && errno == EINTR)) {
        if (got > 0) {
            digest_update(d, buf, (size_t)got);
            size += got;
        }
    }
    if (got < 0)
        d = digest_free(d); /* an unreadable file: its line says so */
    close(fd);
    g_free(buf);
    if (d != NULL)
        digest_finish(d, hex);
    base = g_path_get_basename(path);
    g_ptr_array_add(lines, g_strdup_printf("%s %lld %s\n", base, (long long)size,
                                           hex[0] != '\0' ? hex : "unreadable"));
    g_free(base);
}

/* content_stamp - one content_line per signature file of PATH (a directory: those
 * libclamav reads, scan_signature_file) or for PATH (one file), sorted, into OUT;
 * "absent" when there is none */
static void content_stamp(GString *out, const char *path)
{
    GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
    GDir *d;
    const char *name;

    if (g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
        content_line(lines, path);
    } else if ((d = g_dir_open(path, 0, NULL)) != NULL) {
        while ((name = g_dir_read_name(d)) != NULL) {
            char *file = g_build_filename(path, name, NULL);

            if (scan_signature_file(name) && g_file_test(file, G_FILE_TEST_IS_REGULAR))
                content_line(lines, file);
            g_free(file);
        }
        g_dir_close(d);
    } else {
        g_string_append(out, "absent\n");
    }
    g_ptr_array_sort(lines, by_text);
    for (guint i = 0; i < lines->len; i++)
        g_string_append(out, g_ptr_array_index(lines, i));
    g_ptr_array_free(lines, TRUE);
}

/* scan_digest_new - hex SHA-256 of everything a leaf's report depends on besides its
 * bytes: the signature files (ClamAV's and the policy's: each one's name and content,
 * not its path or time, so that hosts of a fleet with the same signatures, fetched at
 * other times into other directories, share the cache's keys), libclamav's version and
 * the limits; the cache key's prefix, so that a reload that changes any of them never
 * reads an old report.  Reads every signature file once per generation built. */
static char *scan_digest_new(const struct mv_config *cfg, const char *database,
                             const char *policy_dir, const char *engine_version)
{
    GString *in = g_string_new("database:\n");
    char *sigs = NULL, *digest;

    content_stamp(in, database);
    g_string_append(in, "policy signatures:\n");
    if (*policy_dir != '\0') {
        sigs = g_build_filename(policy_dir, "signatures", NULL);
        content_stamp(in, sigs);
        g_free(sigs);
    }
    g_string_append_printf(
        in,
        "%s\nscan=%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT ",%u,%u,%u,%u,%" G_GUINT64_FORMAT
        ",%u,%u,%" G_GUINT64_FORMAT ",decode1\n",
        engine_version, cfg->max_scan_size, cfg->max_file_size, cfg->max_recursion, cfg->max_files,
        cfg->max_scan_time, cfg->max_objects, cfg->max_message_scan_size,
        cfg->max_compression_ratio, cfg->max_passwords, cfg->content_window);
    digest = g_compute_checksum_for_string(G_CHECKSUM_SHA256, in->str, (gssize)in->len);
    g_string_free(in, TRUE);
    return digest;
}

/* generation_build - config, policy and engine together, or nothing */
struct generation *generation_build(const char *config_path, const char *database,
                                    struct mv_err *err)
{
    gint64 start = g_get_monotonic_time();
    struct generation *g = NULL;
    struct mv_config *cfg;
    struct scan_options scan_opts;
    struct cache_options cache_opts;
    struct mv_err cache_err;
    struct scan_engine *engine;
    struct policy *policy;
    const char *policy_dir;
    struct cache *cache;
    char *ours = NULL, *digest;

    char fix[FIX_MAX], alt[FIX_MAX];
    bool override = database != NULL;

    cfg = config_path != NULL ? config_load(config_path, err) : config_default();
    if (cfg == NULL)
        return NULL;
    if (database == NULL)
        database = cfg->database;
    if (!tmpdir_usable(cfg, err)) {
        config_free(cfg);
        return NULL;
    }
    policy_dir = cfg->policy_dir;
    policy = policy_of(cfg, err);
    if (policy == NULL) {
        config_free(cfg);
        return NULL;
    }
    database_fix(cfg, override, fix, alt, sizeof(fix));
    if (g_file_test(database, G_FILE_TEST_IS_REGULAR))
        ; /* one signature file: libclamav says what is wrong with it */
    else if (!dir_usable("database", database, fix, alt, err)) {
        policy_free(policy);
        config_free(cfg);
        return NULL;
    }
    if (*policy_dir != '\0')
        ours = g_build_filename(policy_dir, "signatures", NULL);
    scan_opts = scan_options_of(cfg);
    engine = scan_engine_new(&scan_opts, database, ours, err);
    if (engine == NULL) {
        engine_refused(err, cfg, database, override, ours);
        g_free(ours);
        policy_free(policy);
        config_free(cfg);
        return NULL;
    }
    g_free(ours);
    digest = scan_digest_new(cfg, database, policy_dir, scan_engine_version(engine));
    cache_opts = cache_options_of(cfg);
    cache_err.status = MV_OK;
    cache = cache_new(&cache_opts, digest, &cache_err);
    if (cache == NULL && cache_err.status != MV_OK) {
        mv_err_set(err, cache_err.status, "%s: %s", cfg->file, cache_err.msg);
        g_free(digest);
        scan_engine_free(engine);
        policy_free(policy);
        config_free(cfg);
        return NULL;
    }
    g = g_new0(struct generation, 1);
    g->cfg = cfg;
    g->scan_opts = scan_opts;
    g->engine = engine;
    g->cache = cache;
    g->local = localcache_new(cfg->local_cache_size);
    g->scan_digest = digest;
    g->policy = policy;
    g->database = g_strdup(database);
    g->policy_dir = g_strdup(policy_dir);
    g->stamp = stamp_new(database, policy_dir);
    g->refs = 1;
    g->build_ms = (double)(g_get_monotonic_time() - start) / 1000.0;
    return g;
}

/* generation_free - the last reference is gone */
static void generation_free(struct generation *g)
{
    cache_free(g->cache);
    localcache_free(g->local);
    g_free(g->scan_digest);
    scan_engine_free(g->engine);
    policy_free(g->policy);
    config_free(g->cfg);
    g_free(g->database);
    g_free(g->policy_dir);
    g_free(g->stamp);
    g_free(g);
}

/* generation_install - G becomes current; the old one lives on while referenced */
void generation_install(struct generation *g)
{
    struct generation *old;

    g_mutex_lock(&current_lock);
    g->number = ++installed;
    old = current;
    current = g;
    g_mutex_unlock(&current_lock);
    generation_release(old);
}

/* generation_acquire - reference to the current generation */
struct generation *generation_acquire(void)
{
    struct generation *g;

    g_mutex_lock(&current_lock);
    g = current;
    if (g != NULL)
        g_atomic_int_inc(&g->refs);
    g_mutex_unlock(&current_lock);
    return g;
}

/* generation_release - drop one reference, free on the last */
struct generation *generation_release(struct generation *g)
{
    if (g != NULL && g_atomic_int_dec_and_test(&g->refs))
        generation_free(g);
    return NULL;
}

/* generation_shutdown - drop the current generation's own reference */
void generation_shutdown(void)
{
    struct generation *g;

    g_mutex_lock(&current_lock);
    g = current;
    current = NULL;
    g_mutex_unlock(&current_lock);
    generation_release(g);
}

/* generation_report_new - what G loaded, as "# " lines */
char *generation_report_new(const struct generation *g)
{
    GString *out = g_string_new(NULL);
    unsigned all = scan_engine_signatures(g->engine);
    unsigned ours = scan_engine_extra_signatures(g->engine);
    size_t plen = strlen(g->policy_dir);

    g_string_append_printf(out, "# database: %u signature%s from %s (%s)\n", all - ours,
                           all - ours == 1 ? "" : "s", g->database, scan_engine_version(g->engine));
    if (*g->policy_dir == '\0') {
        g_string_append(out, "# policy: built-in, no rules (policy_dir: \"\")\n");
    } else {
        char *sigs = g_build_filename(g->policy_dir, "signatures", NULL);

        g_string_append_printf(out, "# policy: %u files, %zu rules from %s\n",
                               policy_file_count(g->policy), rules_count(policy_rules(g->policy)),
                               g->policy_dir);
        for (unsigned i = 0; i < policy_file_count(g->policy); i++) {
            const char *path = policy_file_path(g->policy, i);
            size_t n = policy_file_rules(g->policy, i);

            if (strncmp(path, g->policy_dir, plen) == 0 && path[plen] == '/')
                path += plen + 1;
            g_string_append_printf(out, "#   %s: %zu rule%s\n", path, n, n == 1 ? "" : "s");
        }
        if (g_file_test(sigs, G_FILE_TEST_IS_DIR))
            g_string_append_printf(out, "# policy signatures: %u from %s\n", ours, sigs);
        else
            g_string_append_printf(out, "# policy signatures: none (no %s)\n", sigs);
        g_free(sigs);
    }
    policy_describe(g->policy, out);
    if (g->cfg->quarantine_mode == CONFIG_QUARANTINE_STORE &&
        g->cfg->quarantine_store == CONFIG_STORE_POSTGRESQL) {
        struct qstore qs;
        char *where;

        qstore_init(&qs, g->cfg);
        where = qstore_where_new(&qs);
        g_string_append_printf(out,
                               "# quarantine: quarantine_mode store, quarantine_store %s as %s\n",
                               where, qs.host);
        g_free(where);
    } else if (g->cfg->quarantine_mode == CONFIG_QUARANTINE_STORE) {
        g_string_append_printf(out, "# quarantine: quarantine_mode store, quarantine_dir %s\n",
                               g->cfg->quarantine_dir);
    } else {
        g_string_append(out, "# quarantine: quarantine_mode hold (the MTA's hold queue)\n");
    }
    return g_string_free(out, FALSE);
}

/* generation_warning_new - what G runs without because the configuration says so */
char *generation_warning_new(const struct generation *g)
{
    if (*g->policy_dir != '\0')
        return NULL;
    return g_strdup_printf("policy_dir is \"\" in %s: running without rules and without "
                           "campaign signatures, only ClamAV's signatures and the built-in actions",
                           g->cfg->file);
}

/* generation_stamp_new - how the files G was built from look now */
char *generation_stamp_new(const struct generation *g)
{
    return stamp_new(g->database, g->policy_dir);
}
