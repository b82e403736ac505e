/* yamlnode.c - libyaml events into a small node tree that remembers file:line.
 * Contract in yamlnode.h.  The file is read whole (at most YAMLNODE_MAX_BYTES) so that
 * a reader error, which libyaml reports as a byte offset, can still be given a line.
 * The tree is built without recursion, with an explicit stack of open containers bounded
 * by YAMLNODE_MAX_DEPTH; allocation is bounded by YAMLNODE_MAX_NODES.  Leaf module: it
 * never logs, it fills struct mv_err. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <yaml.h>

#include "mv.h"
#include "yamlnode.h"

struct yamlnode {
    enum yamlnode_type type;
    bool plain;      /* scalar written without quotes or block style */
    bool owns_file;  /* the root frees file */
    char *file;      /* shared by every node of one tree */
    unsigned line;   /* 1-based */
    unsigned column; /* 1-based */
    char *text;      /* scalar */
    size_t count;    /* sequence items or mapping pairs */
    size_t alloc;
    struct yamlnode **items; /* sequence items, or mapping values */
    struct yamlnode **keys;  /* mapping keys (scalars) */
};

/* State of one parse. */
struct build {
    yaml_parser_t parser;
    char *file;
    const char *buf; /* for turning a byte offset into a line */
    size_t len;
    size_t nodes;
    struct mv_err *err;
    bool failed; /* a fatal error: stop reading events */
};

/* One open sequence or mapping while the tree is built. */
struct frame {
    struct yamlnode *node;
    struct yamlnode *key; /* mapping: key read, value not yet */
    GHashTable *seen;     /* mapping: key text -> key node */
};

/* append_line - add TEXT as a new line of err->msg; overflow ends the message in "..." */
static void append_line(struct mv_err *err, enum mv_status status, const char *text)
{
    size_t size = sizeof(err->msg);
    size_t cur = strnlen(err->msg, size - 1);
    size_t sep = cur > 0 ? 1 : 0;
    size_t len = strlen(text);

    err->status = status;
    /* The message is exactly full only after a truncation (note the "- 1" below), so a
     * full message already ends in "..." and further lines are dropped. */
    if (cur >= size - 1)
        return;
    if (cur + sep + len < size - 1) {
        if (sep)
            err->msg[cur++] = '\n';
        memcpy(err->msg + cur, text, len + 1);
        return;
    }
    if (sep)
        err->msg[cur++] = '\n';
    len = size - 1 - cur;
    memcpy(err->msg + cur, text, len);
    err->msg[size - 1] = '\0';
    if (size >= 4)
        memcpy(err->msg + size - 4, "...", 3);
}

/* yamlnode_err_addf - append a line of text to err */
void yamlnode_err_addf(struct mv_err *err, enum mv_status status, const char *fmt, ...)
{
    char line[sizeof(err->msg)];
    va_list ap;

    if (err == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    append_line(err, status, line);
}

/* yamlnode_err_add - append "FILE:LINE: message" for node N to err */
void yamlnode_err_add(struct mv_err *err, enum mv_status status, const struct yamlnode *n,
                      const char *fmt, ...)
{
    char line[sizeof(err->msg)];
    size_t used = 0;
    va_list ap;
    int k;

    if (err == NULL)
        return;
    if (n != NULL) {
        k = snprintf(line, sizeof(line), "%s:%u: ", n->file, n->line);
        used = k < 0 ? 0 : (size_t)k < sizeof(line) ? (size_t)k : sizeof(line) - 1;
    }
    va_start(ap, fmt);
    vsnprintf(line + used, sizeof(line) - used, fmt, ap);
    va_end(ap);
    append_line(err, status, line);
}

/* node_new - a node at the start mark of an event; NULL (err filled) past the node cap */
static struct yamlnode *node_new(struct build *b, enum yamlnode_type type, const yaml_mark_t *mark)
{
    struct yamlnode *n;

    if (++b->nodes > YAMLNODE_MAX_NODES) {
        yamlnode_err_addf(b->err, MV_EPARSE, "%s:%zu: more than %d nodes in one file", b->file,
                          (size_t)mark->line + 1, YAMLNODE_MAX_NODES);
        b->failed = true;
        return NULL;
    }
    n = g_new0(struct yamlnode, 1);
    n->type = type;
    n->file = b->file;
    n->line = (unsigned)mark->line + 1; /* libyaml counts from 0 */
    n->column = (unsigned)mark->column + 1;
    return n;
}

/* node_free - free N and its children (not the shared file name) */
static void node_free(struct yamlnode *n)
{
    size_t i;

    if (n == NULL)
        return;
    for (i = 0; i < n->count; i++) {
        node_free(n->items[i]);
        if (n->keys != NULL)
            node_free(n->keys[i]);
    }
    g_free(n->items);
    g_free(n->keys);
    g_free(n->text);
    if (n->owns_file)
        g_free(n->file);
    g_free(n);
}

/* node_append - add an item (KEY NULL) or a pair to a sequence or mapping */
static void node_append(struct yamlnode *n, struct yamlnode *key, struct yamlnode *value)
{
    if (n->count == n->alloc) {
        n->alloc = n->alloc ? n->alloc * 2 : 4;
        n->items = g_renew(struct yamlnode *, n->items, n->alloc);
        if (n->type == YAMLNODE_MAPPING)
            n->keys = g_renew(struct yamlnode *, n->keys, n->alloc);
    }
    n->items[n->count] = value;
    if (n->type == YAMLNODE_MAPPING)
        n->keys[n->count] = key;
    n->count++;
}

/* offset_line - 1-based line of byte OFFSET in the buffer */
static size_t offset_line(const struct build *b, size_t offset)
{
    size_t line = 1;
    size_t i;

    for (i = 0; i < offset && i < b->len; i++)
        if (b->buf[i] == '\n')
            line++;
    return line;
}

/* the fix for a YAML syntax error, after libyaml's reason: it names where the parser
 * gave up, which is at or just after the mistake */
#define SYNTAX_FIX                                                                                 \
    "; fix the YAML at or before that line (indent with spaces only; quote a value that "          \
    "holds \": \" or \" #\")"

/* parser_error - turn libyaml's error state into one line of err */
static void parser_error(struct build *b)
{
    const yaml_parser_t *p = &b->parser;
    const char *problem = p->problem ? p->problem : "syntax error";

    b->failed = true;
    switch (p->error) {
    case YAML_MEMORY_ERROR:
        yamlnode_err_addf(b->err, MV_ENOMEM, "%s: out of memory", b->file);
        return;
    case YAML_READER_ERROR:
        /* Invalid UTF-8 and friends: libyaml gives a byte offset, not a mark. */
        yamlnode_err_addf(b->err, MV_EPARSE, "%s:%zu: %s; save the file as UTF-8 text", b->file,
                          offset_line(b, p->problem_offset), problem);
        return;
    default:
        break;
    }
    if (p->context != NULL && p->context_mark.line != p->problem_mark.line)
        yamlnode_err_addf(b->err, MV_EPARSE, "%s:%zu: %s (%s at line %zu)" SYNTAX_FIX, b->file,
                          (size_t)p->problem_mark.line + 1, problem, p->context,
                          (size_t)p->context_mark.line + 1);
    else if (p->context != NULL)
        yamlnode_err_addf(b->err, MV_EPARSE, "%s:%zu: %s %s" SYNTAX_FIX, b->file,
                          (size_t)p->problem_mark.line + 1, problem, p->context);
    else
        yamlnode_err_addf(b->err, MV_EPARSE, "%s:%zu: %s" SYNTAX_FIX, b->file,
                          (size_t)p->problem_mark.line + 1, problem);
}

/* next_event - read the next event; false (err filled) on a parse error */
static bool next_event(struct build *b, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&b->parser, ev)) {
        parser_error(b);
        return false;
    }
    return true;
}

/* refuse_anchor - anchors and aliases are not supported: say so at EV */
static bool refuse_anchor(struct build *b, const yaml_event_t *ev)
{
    const yaml_char_t *anchor = NULL;

    switch (ev->type) {
    case YAML_ALIAS_EVENT:
        anchor = ev->data.alias.anchor;
        break;
    case YAML_SCALAR_EVENT:
        anchor = ev->data.scalar.anchor;
        break;
    case YAML_SEQUENCE_START_EVENT:
        anchor = ev->data.sequence_start.anchor;
        break;
    case YAML_MAPPING_START_EVENT:
        anchor = ev->data.mapping_start.anchor;
        break;
    default:
        return false;
    }
    if (anchor == NULL)
        return false;
    yamlnode_err_addf(b->err, MV_EPARSE,
                      "%s:%zu: %s%.64s: anchors and aliases are not supported, write the "
                      "value out",
                      b->file, (size_t)ev->start_mark.line + 1,
                      ev->type == YAML_ALIAS_EVENT ? "*" : "&", (const char *)anchor);
    b->failed = true;
    return true;
}

/* scalar_new - a scalar node from a scalar event */
static struct yamlnode *scalar_new(struct build *b, const yaml_event_t *ev)
{
    struct yamlnode *n;
    size_t len = ev->data.scalar.length;

    if (memchr(ev->data.scalar.value, '\0', len) != NULL) {
        yamlnode_err_addf(b->err, MV_EPARSE, "%s:%zu: NUL character in a value; take it out",
                          b->file, (size_t)ev->start_mark.line + 1);
        b->failed = true;
        return NULL;
    }
    n = node_new(b, YAMLNODE_SCALAR, &ev->start_mark);
    if (n == NULL)
        return NULL;
    n->text = g_strndup((const char *)ev->data.scalar.value, len);
    n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    return n;
}

/* wants_key - the open container is a mapping waiting for its next key */
static bool wants_key(const struct frame *f)
{
    return f->node->type == YAMLNODE_MAPPING && f->key == NULL;
}

/* attach - hang a finished node N into the open container F.  A duplicate key is
 * reported and its pair dropped (the first stays), and parsing goes on: every duplicate
 * is reported, and the tree still comes back for its reader's own checks. */
static void attach(struct build *b, struct frame *f, struct yamlnode *n)
{
    struct yamlnode *first;

    if (f->node->type == YAMLNODE_SEQUENCE) {
        node_append(f->node, NULL, n);
        return;
    }
    if (f->key == NULL) {
        f->key = n; /* a scalar: container keys are refused when they start */
        return;
    }
    first = g_hash_table_lookup(f->seen, f->key->text);
    if (first != NULL) {
        yamlnode_err_add(b->err, MV_EPARSE, f->key, "%.200s: duplicate key (first at line %u)",
                         f->key->text, first->line);
        node_free(f->key);
        node_free(n);
    } else {
        node_append(f->node, f->key, n);
        g_hash_table_insert(f->seen, f->key->text, f->key);
    }
    f->key = NULL;
}

/* push - open a sequence or mapping at event EV; false (err filled) when refused */
static bool push(struct build *b, struct frame *stack, size_t *depth, const yaml_event_t *ev)
{
    enum yamlnode_type type =
        ev->type == YAML_MAPPING_START_EVENT ? YAMLNODE_MAPPING : YAMLNODE_SEQUENCE;
    struct frame *f;

    if (*depth > 0 && wants_key(&stack[*depth - 1])) {
        yamlnode_err_addf(b->err, MV_EPARSE, "%s:%zu: a mapping key must be a single value",
                          b->file, (size_t)ev->start_mark.line + 1);
        b->failed = true;
        return false;
    }
    if (*depth == YAMLNODE_MAX_DEPTH) {
        yamlnode_err_addf(b->err, MV_EPARSE, "%s:%zu: nested deeper than %d levels", b->file,
                          (size_t)ev->start_mark.line + 1, YAMLNODE_MAX_DEPTH);
        b->failed = true;
        return false;
    }
    f = &stack[*depth];
    f->node = node_new(b, type, &ev->start_mark);
    if (f->node == NULL)
        return false;
    f->key = NULL;
    f->seen = type == YAMLNODE_MAPPING ? g_hash_table_new(g_str_hash, g_str_equal) : NULL;
    (*depth)++;
    return true;
}

/* pop - close the innermost container and return its node */
static struct yamlnode *pop(struct frame *stack, size_t *depth)
{
    struct frame *f = &stack[--(*depth)];

    if (f->seen != NULL)
        g_hash_table_destroy(f->seen);
    return f->node;
}

/* parse_document - the events of one document's root node into a tree.  Iterative, with
 * an explicit stack of open containers, so nesting costs no C stack. */
static struct yamlnode *parse_document(struct build *b)
{
    struct frame stack[YAMLNODE_MAX_DEPTH];
    struct yamlnode *root = NULL;
    size_t depth = 0;
    yaml_event_t ev;

    while (root == NULL && !b->failed) {
        struct yamlnode *done = NULL;

        if (!next_event(b, &ev))
            break;
        if (refuse_anchor(b, &ev)) {
            yaml_event_delete(&ev);
            break;
        }
        switch (ev.type) {
        case YAML_SCALAR_EVENT:
            done = scalar_new(b, &ev);
            break;
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            push(b, stack, &depth, &ev);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            if (depth > 0)
                done = pop(stack, &depth);
            break;
        default:
            /* libyaml guarantees node events here; anything else is its bug or ours. */
            yamlnode_err_addf(b->err, MV_EBUG, "%s:%zu: unexpected YAML event %d", b->file,
                              (size_t)ev.start_mark.line + 1, (int)ev.type);
            b->failed = true;
            break;
        }
        yaml_event_delete(&ev);
        if (done == NULL)
            continue;
        if (depth == 0)
            root = done;
        else
            attach(b, &stack[depth - 1], done);
    }
    while (depth > 0) {
        node_free(stack[depth - 1].key);
        node_free(pop(stack, &depth));
    }
    if (b->failed) {
        node_free(root);
        root = NULL;
    }
    return root;
}

/* expect_event - read one event and check its type */
static bool expect_event(struct build *b, yaml_event_type_t type, yaml_event_t *ev)
{
    if (!next_event(b, ev))
        return false;
    if (ev->type == type)
        return true;
    yamlnode_err_addf(b->err, MV_EBUG, "%s:%zu: unexpected YAML event %d", b->file,
                      (size_t)ev->start_mark.line + 1, (int)ev->type);
    yaml_event_delete(ev);
    return false;
}

/* parse_stream - the one document of the stream; an empty stream is a null scalar */
static struct yamlnode *parse_stream(struct build *b)
{
    static const yaml_mark_t top = {0, 0, 0};
    struct yamlnode *root;
    yaml_event_t ev;

    if (!expect_event(b, YAML_STREAM_START_EVENT, &ev))
        return NULL;
    yaml_event_delete(&ev);
    if (!next_event(b, &ev))
        return NULL;
    if (ev.type == YAML_STREAM_END_EVENT) {
        yaml_event_delete(&ev);
        root = node_new(b, YAMLNODE_SCALAR, &top);
        root->text = g_strdup("");
        root->plain = true;
        return root;
    }
    yaml_event_delete(&ev); /* YAML_DOCUMENT_START_EVENT: nothing else can follow */

    root = parse_document(b);
    if (root == NULL)
        return NULL;
    if (!expect_event(b, YAML_DOCUMENT_END_EVENT, &ev))
        goto fail;
    yaml_event_delete(&ev);
    if (!next_event(b, &ev))
        goto fail;
    if (ev.type != YAML_STREAM_END_EVENT) {
        yamlnode_err_addf(b->err, MV_EPARSE, "%s:%zu: only one YAML document is allowed", b->file,
                          (size_t)ev.start_mark.line + 1);
        yaml_event_delete(&ev);
        goto fail;
    }
    yaml_event_delete(&ev);
    return root;

fail:
    node_free(root);
    return NULL;
}

/* yamlnode_load_buffer - parse a YAML document held in memory */
struct yamlnode *yamlnode_load_buffer(const char *name, const char *buf, size_t len,
                                      struct mv_err *err)
{
    struct build b;
    struct yamlnode *root;

    if (err != NULL) {
        err->status = MV_OK;
        err->msg[0] = '\0';
    }
    memset(&b, 0, sizeof(b));
    b.file = g_strdup(name);
    b.buf = buf;
    b.len = len;
    b.err = err;
    if (len > YAMLNODE_MAX_BYTES) {
        yamlnode_err_addf(err, MV_EPARSE, "%s: larger than %d bytes", name, YAMLNODE_MAX_BYTES);
        g_free(b.file);
        return NULL;
    }
    if (!yaml_parser_initialize(&b.parser)) {
        yamlnode_err_addf(err, MV_ENOMEM, "%s: out of memory", name);
        g_free(b.file);
        return NULL;
    }
    yaml_parser_set_input_string(&b.parser, (const unsigned char *)buf, len);
    root = parse_stream(&b);
    yaml_parser_delete(&b.parser);
    if (root == NULL) {
        if (err != NULL && err->status == MV_OK)
            yamlnode_err_addf(err, MV_EBUG, "%s: YAML parse failed", name);
        g_free(b.file);
        return NULL;
    }
    root->owns_file = true;
    return root;
}

/* read_file - the whole of PATH, at most YAMLNODE_MAX_BYTES; NULL with err filled */
static char *read_file(const char *path, size_t *lenp, struct mv_err *err)
{
    struct stat st;
    char *buf = NULL;
    size_t len = 0, cap;
    int fd;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        mv_err_set(err, MV_EIO, "%s: cannot open: %s", path, g_strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) < 0) {
        mv_err_set(err, MV_EIO, "%s: cannot open: %s", path, g_strerror(errno));
        goto fail;
    }
    if (S_ISDIR(st.st_mode)) {
        mv_err_set(err, MV_EIO, "%s: cannot open: %s", path, g_strerror(EISDIR));
        goto fail;
    }
    /* Room for the size the file has now, grown (up to one byte more than the cap,
     * to tell "exactly the cap" from "larger") if it grows while being read. */
    cap = st.st_size <= 0                   ? 4096
          : st.st_size < YAMLNODE_MAX_BYTES ? (size_t)st.st_size + 1
                                            : (size_t)YAMLNODE_MAX_BYTES + 1;
    buf = g_malloc(cap);
    for (;;) {
        ssize_t got;

        if (len == cap) {
            cap = MIN(cap * 2, (size_t)YAMLNODE_MAX_BYTES + 1);
            buf = g_realloc(buf, cap);
        }
        got = read(fd, buf + len, cap - len);

        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            mv_err_set(err, MV_EIO, "%s: cannot read: %s", path, g_strerror(errno));
            goto fail;
        }
        if (got == 0)
            break;
        len += (size_t)got;
        if (len > YAMLNODE_MAX_BYTES) {
            mv_err_set(err, MV_EPARSE, "%s: larger than %d bytes", path, YAMLNODE_MAX_BYTES);
            goto fail;
        }
    }
    close(fd);
    *lenp = len;
    return buf;

fail:
    g_free(buf);
    close(fd);
    return NULL;
}

/* yamlnode_load_file - read and parse PATH */
struct yamlnode *yamlnode_load_file(const char *path, struct mv_err *err)
{
    struct yamlnode *root;
    size_t len = 0;
    char *buf;

    buf = read_file(path, &len, err);
    if (buf == NULL)
        return NULL;
    root = yamlnode_load_buffer(path, buf, len, err);
    g_free(buf);
    return root;
}

/* yamlnode_free - free a whole tree */
struct yamlnode *yamlnode_free(struct yamlnode *root)
{
    node_free(root);
    return NULL;
}

/* yamlnode_type - scalar, sequence or mapping */
enum yamlnode_type yamlnode_type(const struct yamlnode *n)
{
    return n->type;
}

/* yamlnode_type_name - what the node is, for messages ("got a mapping") */
const char *yamlnode_type_name(const struct yamlnode *n)
{
    if (n == NULL || yamlnode_is_null(n))
        return "an empty value";
    switch (n->type) {
    case YAMLNODE_SEQUENCE:
        return "a sequence";
    case YAMLNODE_MAPPING:
        return "a mapping";
    default:
        return "a scalar";
    }
}

/* yamlnode_file_get - file name for messages */
const char *yamlnode_file_get(const struct yamlnode *n)
{
    return n->file;
}

/* yamlnode_line - 1-based line where the node starts */
unsigned yamlnode_line(const struct yamlnode *n)
{
    return n->line;
}

/* yamlnode_column - 1-based column where the node starts */
unsigned yamlnode_column(const struct yamlnode *n)
{
    return n->column;
}

/* yamlnode_scalar_get - text of a scalar */
const char *yamlnode_scalar_get(const struct yamlnode *n)
{
    if (n == NULL || n->type != YAMLNODE_SCALAR)
        return NULL;
    return n->text;
}

/* yamlnode_is_null - YAML's null written plainly: "", "~", "null" */
bool yamlnode_is_null(const struct yamlnode *n)
{
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
    size_t i;

    if (n == NULL || n->type != YAMLNODE_SCALAR || !n->plain)
        return false;
    for (i = 0; i < G_N_ELEMENTS(nulls); i++)
        if (strcmp(n->text, nulls[i]) == 0)
            return true;
    return false;
}

/* yamlnode_count - number of items or pairs */
size_t yamlnode_count(const struct yamlnode *n)
{
    if (n == NULL || n->type == YAMLNODE_SCALAR)
        return 0;
    return n->count;
}

/* yamlnode_item_get - item I of a sequence */
const struct yamlnode *yamlnode_item_get(const struct yamlnode *seq, size_t i)
{
    if (seq == NULL || seq->type != YAMLNODE_SEQUENCE || i >= seq->count)
        return NULL;
    return seq->items[i];
}

/* yamlnode_key_get - key of pair I of a mapping */
const struct yamlnode *yamlnode_key_get(const struct yamlnode *map, size_t i)
{
    if (map == NULL || map->type != YAMLNODE_MAPPING || i >= map->count)
        return NULL;
    return map->keys[i];
}

/* yamlnode_value_get - value of pair I of a mapping */
const struct yamlnode *yamlnode_value_get(const struct yamlnode *map, size_t i)
{
    if (map == NULL || map->type != YAMLNODE_MAPPING || i >= map->count)
        return NULL;
    return map->items[i];
}

/* yamlnode_map_get - value of KEY (linear: mappings in config and policy are small) */
const struct yamlnode *yamlnode_map_get(const struct yamlnode *map, const char *key)
{
    size_t i;

    if (map == NULL || map->type != YAMLNODE_MAPPING)
        return NULL;
    for (i = 0; i < map->count; i++)
        if (strcmp(map->keys[i]->text, key) == 0)
            return map->items[i];
    return NULL;
}
