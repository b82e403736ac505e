/* policy_files.c - which files of a policy directory are read, and in what order
 * (policy_compiled.h): the .yaml files of DIR, then those of DIR/campaigns, each group
 * sorted by name; DIR/mailvet.yaml (the daemon's configuration, when it lives there) and
 * dot files are skipped.  A name that looks meant as a policy file but would not be read
 * ("local.yml", "LOCAL.YAML"), and a subdirectory of campaigns/ that holds one, is an
 * error rather than skipped: the operator's settings in it would otherwise be left out
 * without a word.  Other names (README, *.dpkg-old, *.bak, *~, swap files) are skipped. */
#include <dirent.h>
#include <errno.h>
#include <string.h>

#include <glib.h>

#include "policy_compiled.h"

#define CAMPAIGN_DIR "campaigns"
#define CONFIG_FILE "mailvet.yaml"

/* compare_names - g_ptr_array_sort order of file names */
static gint compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* near_miss_fix - the name NAME should have when it looks meant as a policy file but is
 * not read: it ends in ".yml" in any case, or in ".yaml" in another case ("LOCAL.YAML");
 * a new string to g_free, or NULL for a name that is read or clearly not policy */
static char *near_miss_fix(const char *name)
{
    const char *dot = strrchr(name, '.');

    if (dot == NULL || dot == name || strcmp(dot, ".yaml") == 0 ||
        (g_ascii_strcasecmp(dot, ".yml") != 0 && g_ascii_strcasecmp(dot, ".yaml") != 0))
        return NULL;
    return g_strdup_printf("%.*s.yaml", (int)(dot - name), name);
}

/* looks_like_policy - NAME is a file name a policy file might have: not a dot file,
 * ending in ".yaml" or ".yml" in any case */
static bool looks_like_policy(const char *name)
{
    const char *dot = strrchr(name, '.');

    return name[0] != '.' && dot != NULL && dot != name &&
           (g_ascii_strcasecmp(dot, ".yaml") == 0 || g_ascii_strcasecmp(dot, ".yml") == 0);
}

/* is_directory - PATH is a directory (a symbolic link to one counts) */
static bool is_directory(const char *path)
{
    return g_file_test(path, G_FILE_TEST_IS_DIR);
}

/* policy_file_below - the first file under DIR, DEPTH levels down at most, whose name
 * looks like a policy file's, as a path relative to DIR (a new string), or NULL; dot
 * directories are left out */
static char *policy_file_below(const char *dir, int depth)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *name;
    char *found = NULL;

    if (d == NULL)
        return NULL;
    while (found == NULL && (name = g_dir_read_name(d)) != NULL) {
        char *path = g_build_filename(dir, name, NULL);

        if (name[0] == '.') {
            /* editor swap files, version control */
        } else if (is_directory(path)) {
            char *sub = depth > 1 ? policy_file_below(path, depth - 1) : NULL;

            if (sub != NULL)
                found = g_build_filename(name, sub, NULL);
            g_free(sub);
        } else if (looks_like_policy(name)) {
            found = g_strdup(name);
        }
        g_free(path);
    }
    g_dir_close(d);
    return found;
}

/* list_dir - append DIR's "*.yaml" files, sorted, to FILES (dot files and, when
 * SKIP_CONFIG, mailvet.yaml left out); a missing DIR is an error unless OPTIONAL.
 * A name that looks meant as a policy file ("local.yml", "LOCAL.YAML") is an error
 * rather than skipped, and so, when NO_SUBDIRS, is a subdirectory that holds one: the
 * operator's file would otherwise be left out without a word.  Other names (README,
 * *.dpkg-old, *.bak, *~, swap files) are skipped.  False when DIR cannot be read. */
static bool list_dir(const char *dir, bool optional, bool skip_config, bool no_subdirs,
                     GPtrArray *files, struct mv_err *err)
{
    GPtrArray *names;
    struct dirent *de;
    DIR *d = opendir(dir);
    guint i;

    if (d == NULL) {
        if (!(optional && errno == ENOENT))
            yamlnode_err_addf(err, MV_ECONFIG, "%s: cannot open the policy directory: %s", dir,
                              g_strerror(errno));
        return false;
    }
    names = g_ptr_array_new_with_free_func(g_free);
    while ((de = readdir(d)) != NULL) {
        char *fix;

        if (de->d_name[0] == '.')
            continue;
        if ((fix = near_miss_fix(de->d_name)) != NULL) {
            if (skip_config && g_ascii_strcasecmp(fix, CONFIG_FILE) == 0)
                yamlnode_err_addf(err, MV_ECONFIG,
                                  "%s/%s: not read: policy files end in .yaml, and %s here is "
                                  "skipped as the daemon's configuration; rename it to another "
                                  "name ending in .yaml, or move it out of %s",
                                  dir, de->d_name, CONFIG_FILE, dir);
            else
                yamlnode_err_addf(err, MV_ECONFIG,
                                  "%s/%s: not read: policy files end in .yaml; rename it to %s",
                                  dir, de->d_name, fix);
            g_free(fix);
            continue;
        }
        if (no_subdirs) {
            char *path = g_build_filename(dir, de->d_name, NULL);
            char *inner = is_directory(path) ? policy_file_below(path, 4) : NULL;

            if (inner != NULL)
                yamlnode_err_addf(err, MV_ECONFIG,
                                  "%s: not read: subdirectories of %s are not read (it holds "
                                  "%s); move its policy files into %s",
                                  path, CAMPAIGN_DIR "/", inner, dir);
            g_free(inner);
            g_free(path);
        }
        if (!g_str_has_suffix(de->d_name, ".yaml"))
            continue;
        if (skip_config && strcmp(de->d_name, CONFIG_FILE) == 0)
            continue;
        g_ptr_array_add(names, g_strdup(de->d_name));
    }
    closedir(d);
    g_ptr_array_sort(names, compare_names);
    for (i = 0; i < names->len; i++)
        g_ptr_array_add(files, g_build_filename(dir, g_ptr_array_index(names, i), NULL));
    g_ptr_array_unref(names);
    return true;
}

/* policy_files_new - the paths of DIR's policy files in the order they are read; errors
 * added to ERR (the list is then incomplete) */
GPtrArray *policy_files_new(const char *dir, struct mv_err *err)
{
    GPtrArray *files = g_ptr_array_new_with_free_func(g_free);

    if (list_dir(dir, false, true, false, files, err)) {
        char *sub = g_build_filename(dir, CAMPAIGN_DIR, NULL);

        list_dir(sub, true, false, true, files, err);
        g_free(sub);
    }
    return files;
}
