/* message_prescan.c - the pass over a message's bytes before GMime parses them: delimiter
 * lines counted and checked, header fields measured against the header limits, the
 * groups of address fields counted.  The contract is in message_prescan.h.  Lines are
 * taken as GMime takes them: each ends at a line feed (a CR before it is part of the
 * line), an empty line ("" or a lone CR) ends a header block, and a line that starts
 * with a space or a tab continues the field before it.
 *
 * Address groups are counted so that the count is never less than the depth of
 * GMime's recursion (gmime/internet-address.c, address_parse and group_parse; GMime
 * reads addresses in its loose mode, as message.c asks).  GMime opens a group at a ':'
 * only, at most once in a run of them (group_parse skips the colons and white space
 * after the one that opened it), and closes one at a ';' only.  It passes over ':'
 * and ';' without a group inside quoted strings and comments, which the reader follows
 * as GMime does (backslash escapes, nested comments), so that "\"Re: x\" <a@b>" opens
 * nothing.  But GMime reads quotes and comments otherwise than a reader from the left
 * would after some of its recoveries: after a syntax error it skips to the next ',' or
 * ';' wherever that is, a quoted string or a comment included; a domain literal
 * ("[...]", dtext takes ':' and ';') and a route ("<@a,@b:", which on an error skips
 * to the next ':' or '>') are taken whole.  So from the first ',' or ';' inside a
 * quoted string or comment, the first '[' outside one, or the first "<@" on (desync),
 * every run of ':' opens a group and no ';' closes one; and when the value ends inside
 * a quoted string or a comment (GMime then reads the quote as a plain byte, or gives
 * up at the comment and skips ahead), the count is every run of ':' in the value.
 * GMime's value ends at a NUL byte, and so does the reader's.  tests/unit/
 * test_message_prescan.c holds the count against GMime's own parse.  A part of the
 * message module: it never logs. */
#include <string.h>

#include <glib.h>

#include "message.h"
#include "message_prescan.h"
#include "mvlimits.h"

/* the fields kept beyond the limits, so that the body parses as sent */
enum { KIND_TYPE = 0, KIND_ENCODING, KIND_VERSION, NKINDS };
static const char *const kind_names[NKINDS] = {"Content-Type", "Content-Transfer-Encoding",
                                               "MIME-Version"};

/* the fields GMime reads as lists of addresses: those its message parses when they are
 * added (gmime-message.c) and those it would format as such (gmime-header.c) */
static const char *const address_names[] = {"From",
                                            "Sender",
                                            "Reply-To",
                                            "To",
                                            "Cc",
                                            "Bcc",
                                            "Resent-From",
                                            "Resent-Sender",
                                            "Resent-Reply-To",
                                            "Resent-To",
                                            "Resent-Cc",
                                            "Resent-Bcc",
                                            "Disposition-Notification-To"};

/* name_end - the length of the field name at the start of HEAD (LEN bytes) and in
 * *COLON the index of its ':' (blanks allowed before it, as GMime allows them); 0 when
 * the line starts no field */
static size_t name_end(const unsigned char *head, size_t len, size_t *colon)
{
    size_t i = 0, n;

    while (i < len && head[i] > ' ' && head[i] < 0x7f && head[i] != ':')
        i++;
    n = i;
    while (i < len && (head[i] == ' ' || head[i] == '\t'))
        i++;
    if (n == 0 || i >= len || head[i] != ':')
        return 0;
    *colon = i;
    return n;
}

/* field_kind - which of kind_names the field in HEAD is, or -1 */
static int field_kind(const unsigned char *head, size_t len)
{
    size_t colon, n = name_end(head, len, &colon);

    for (int k = 0; n > 0 && k < NKINDS; k++)
        if (n == strlen(kind_names[k]) &&
            g_ascii_strncasecmp((const char *)head, kind_names[k], n) == 0)
            return k;
    return -1;
}

/* message_type - whether the Content-Type field in HEAD makes its part one that GMime
 * parses as a message (message/rfc822, rfc2822, global or news), or may: its value
 * starts only on a folded line or past the bytes kept */
static bool message_type(const unsigned char *head, size_t len)
{
    static const char *const subtypes[] = {"rfc822", "rfc2822", "global", "news"};
    size_t colon, i;
    const char *v;

    if (name_end(head, len, &colon) == 0)
        return false;
    for (i = colon + 1; i < len && (head[i] == ' ' || head[i] == '\t'); i++)
        ;
    if (i >= len || head[i] == '\r')
        return true;
    v = (const char *)head + i;
    len -= i;
    if (len < 8 || g_ascii_strncasecmp(v, "message/", 8) != 0)
        return false;
    v += 8;
    len -= 8;
    for (size_t k = 0; k < G_N_ELEMENTS(subtypes); k++) {
        size_t n = strlen(subtypes[k]);

        if (len >= n && g_ascii_strncasecmp(v, subtypes[k], n) == 0 &&
            (len == n || strchr(" \t\r;(", v[n]) != NULL))
            return true;
    }
    return false;
}

/* groups_reset - G for a line that starts a field (GROUPS_NAME) or none (GROUPS_OFF) */
static void groups_reset(struct message_prescan_groups *g, int state)
{
    memset(g, 0, sizeof(*g));
    g->state = state;
}

/* groups_named - the field name read is that of an address field: read its value */
static void groups_named(struct message_prescan_groups *g)
{
    for (size_t k = 0; k < G_N_ELEMENTS(address_names); k++)
        if (g->name_len == strlen(address_names[k]) &&
            g_ascii_strncasecmp(g->name, address_names[k], g->name_len) == 0) {
            g->state = GROUPS_VALUE;
            return;
        }
    g->state = GROUPS_OFF;
}

/* groups_open - one more group open */
static void groups_open(struct message_prescan_groups *g)
{
    /* past the bound the answer is known: the counts stop there */
    g->depth = MIN(g->depth + 1, LIMIT_MAX_ADDRESS_GROUPS + 1);
    g->most = MAX(g->most, g->depth);
}

/* groups_value - byte C of an address field's value */
static void groups_value(struct message_prescan_groups *g, unsigned char c)
{
    /* GMime's white space: space, tab, CR, LF */
    bool white = c == ' ' || c == '\t' || c == '\r' || c == '\n';
    bool run = c == ':' && !g->colon;

    if (c == '\0') {
        g->state = GROUPS_END;
        return;
    }
    if (!white)
        g->colon = c == ':';
    if (run)
        g->runs = MIN(g->runs + 1, LIMIT_MAX_ADDRESS_GROUPS + 1);
    if (g->quoted || g->comment > 0) {
        if (g->escaped)
            g->escaped = false;
        else if (c == '\\')
            g->escaped = true;
        else if (g->quoted && c == '"')
            g->quoted = false;
        else if (!g->quoted && c == '(')
            g->comment++;
        else if (!g->quoted && c == ')')
            g->comment--;
        else if (c == ',' || c == ';')
            g->desync = true;
        else if (run && g->desync)
            groups_open(g);
        return;
    }
    if (run)
        groups_open(g);
    else if (c == ';' && !g->desync && g->depth > 0)
        g->depth--;
    else if (c == '"')
        g->quoted = true;
    else if (c == '(')
        g->comment = 1;
    else if (c == '[' || (c == '@' && g->angle))
        g->desync = true;
    if (!white && c != '(')
        g->angle = c == '<';
}

/* groups_byte - byte C of a header line.  The name is read as GMime reads it: up to
 * the first ':', blanks allowed only between the name and the ':', no control byte */
static void groups_byte(struct message_prescan_groups *g, unsigned char c)
{
    switch (g->state) {
    case GROUPS_NAME:
        if (c == ':')
            groups_named(g);
        else if (c == ' ' || c == '\t')
            g->state = GROUPS_NAME_BLANK;
        else if (c < 0x20 || c == 0x7f || g->name_len == sizeof(g->name))
            g->state = GROUPS_OFF;
        else
            g->name[g->name_len++] = (char)c;
        break;
    case GROUPS_NAME_BLANK:
        if (c == ':')
            groups_named(g);
        else if (c != ' ' && c != '\t')
            g->state = GROUPS_OFF;
        break;
    case GROUPS_VALUE:
        groups_value(g, c);
        break;
    case GROUPS_OFF:
    case GROUPS_END:
        break;
    }
}

/* groups_over - whether the field read so far nests its groups deeper than the bound */
static bool groups_over(const struct message_prescan_groups *g)
{
    if (g->state != GROUPS_VALUE && g->state != GROUPS_END)
        return false;
    if (g->quoted || g->comment > 0)
        return g->runs > LIMIT_MAX_ADDRESS_GROUPS;
    return g->most > LIMIT_MAX_ADDRESS_GROUPS;
}

/* groups_bytes - LEN more bytes of the current line, S, for the address groups */
static void groups_bytes(struct message_prescan *p, const unsigned char *s, size_t len)
{
    if (len == 0)
        return;
    if (p->line_len == 0) {
        /* a line of a header block that does not continue the open field starts one */
        if (p->block == PRESCAN_BODY)
            groups_reset(&p->groups, GROUPS_OFF);
        else if (p->field_start < 0 || (s[0] != ' ' && s[0] != '\t'))
            groups_reset(&p->groups, GROUPS_NAME);
    }
    for (size_t i = 0; i < len && p->groups.state != GROUPS_OFF && p->groups.state != GROUPS_END;
         i++)
        groups_byte(&p->groups, s[i]);
}

/* keep_add - one more range on the keep list */
static void keep_add(struct message_prescan *p, gint64 start, gint64 len)
{
    struct message_prescan_range r = {start, len};

    if (p->keep == NULL)
        p->keep = g_array_new(FALSE, FALSE, sizeof(struct message_prescan_range));
    g_array_append_val(p->keep, r);
}

/* top_field - a field of the message's own header block is complete: kept while it
 * fits the limits, else flagged (and remembered if it is one of kind_names) */
static void top_field(struct message_prescan *p)
{
    if (p->field_len > LIMIT_MAX_HEADER_LINE) {
        p->flags |= MESSAGE_LIMIT_HEADER_LINE;
        return;
    }
    if (p->field_groups) {
        /* never given to GMime, whatever room is left */
        p->flags |= MESSAGE_ADDRESS_GROUPS;
        return;
    }
    if (p->kept < LIMIT_MAX_HEADER_FIELDS &&
        p->kept_bytes + p->field_len <= LIMIT_MAX_HEADER_BYTES) {
        keep_add(p, p->field_start, p->field_len);
        p->kept++;
        p->kept_bytes += p->field_len;
        return;
    }
    p->flags |= p->kept >= LIMIT_MAX_HEADER_FIELDS ? MESSAGE_LIMIT_HEADER_FIELDS
                                                   : MESSAGE_LIMIT_HEADER_BYTES;
    if (p->field_kind >= 0)
        p->late[p->field_kind] = (struct message_prescan_range){p->field_start, p->field_len};
}

/* field_end - the open field, if any, is complete */
static void field_end(struct message_prescan *p)
{
    if (p->field_start < 0)
        return;
    if (p->block == PRESCAN_TOP) {
        top_field(p);
    } else if (p->field_len > LIMIT_MAX_HEADER_LINE && p->cut < 0) {
        /* GMime would hold it whole before anything could stop it: parse up to it */
        p->cut = p->field_start;
        p->flags |= MESSAGE_LIMIT_HEADER_LINE;
    } else if (p->field_groups && p->cut < 0) {
        /* GMime would read its groups as soon as the header block is parsed */
        p->cut = p->field_start;
        p->flags |= MESSAGE_ADDRESS_GROUPS;
    }
    p->field_start = -1;
}

/* field_line - a line of a header block that is not empty: a folded line adds to the
 * open field, another starts the next field; GROUPS says whether the field the line
 * belongs to nests its address groups too deep, so far */
static void field_line(struct message_prescan *p, gint64 total, bool groups)
{
    size_t n = (size_t)MIN(p->line_len, (gint64)MESSAGE_PRESCAN_HEAD);

    if (p->field_start >= 0 && n > 0 && (p->head[0] == ' ' || p->head[0] == '\t')) {
        p->field_len += total;
        p->field_groups = groups;
        return;
    }
    field_end(p);
    p->field_start = p->line_start;
    p->field_len = total;
    p->field_groups = groups;
    p->field_kind = field_kind(p->head, n);
    if (p->field_kind == KIND_TYPE) {
        p->block_has_type = true;
        p->block_is_message = message_type(p->head, n);
    }
}

/* block_start - a header block of the body starts with the next line: a part's
 * (PART) or that of a message inside a part (MESSAGE) */
static void block_start(struct message_prescan *p, enum message_prescan_block b)
{
    p->block = b;
    p->block_has_type = false;
    p->block_is_message = false;
}

/* top_end - the message's own header block ended with an empty line ending at END */
static void top_end(struct message_prescan *p, gint64 end)
{
    bool message = p->block_is_message;

    field_end(p);
    p->body = end;
    if (p->flags & MESSAGE_PRESCAN_WITHHELD)
        p->top_over = true;
    if (message)
        block_start(p, PRESCAN_MESSAGE_HEADER);
    else
        p->block = PRESCAN_BODY;
}

/* line_end - the current line is complete, TOTAL bytes with its line feed */
static void line_end(struct message_prescan *p, gint64 total)
{
    bool blank = p->line_len == 0 || (p->line_len == 1 && p->head[0] == '\r');
    bool delim = p->line == LINE_DELIM || p->line == LINE_DELIM_CR;
    bool groups = groups_over(&p->groups);

    switch (p->block) {
    case PRESCAN_TOP:
        /* no boundary is known yet: a "--" line is a field like any other */
        if (blank)
            top_end(p, p->line_start + total);
        else
            field_line(p, total, groups);
        break;
    case PRESCAN_BODY:
        if (delim)
            block_start(p, PRESCAN_PART_HEADER);
        break;
    case PRESCAN_PART_HEADER:
    case PRESCAN_MESSAGE_HEADER:
        if (delim) {
            /* GMime ends a header block at a boundary: the next part's starts */
            field_end(p);
            block_start(p, PRESCAN_PART_HEADER);
        } else if (blank) {
            field_end(p);
            /* the body of a message/rfc822 part starts with the message's header, and
             * so may that of a part without Content-Type (multipart/digest) */
            if (p->block_is_message || (p->block == PRESCAN_PART_HEADER && !p->block_has_type))
                block_start(p, PRESCAN_MESSAGE_HEADER);
            else
                p->block = PRESCAN_BODY;
        } else {
            field_line(p, total, groups);
        }
        break;
    }
    p->line_start += total;
    p->line_len = 0;
    p->line = LINE_START;
}

/* line_bytes - LEN more bytes of the current line (no line feed among them) */
static void line_bytes(struct message_prescan *p, const unsigned char *s, size_t len)
{
    groups_bytes(p, s, len);
    if (p->line_len < MESSAGE_PRESCAN_HEAD)
        memcpy(p->head + p->line_len, s, MIN(len, (size_t)(MESSAGE_PRESCAN_HEAD - p->line_len)));
    p->line_len += (gint64)len;
    for (size_t i = 0; i < len && p->line != LINE_OTHER; i++) {
        unsigned char c = s[i];

        switch (p->line) {
        case LINE_START:
            p->line = c == '-' ? LINE_DASH : LINE_OTHER;
            break;
        case LINE_DASH:
            p->line = c == '-' ? LINE_DASHES : LINE_OTHER;
            break;
        case LINE_DASHES:
            if (g_ascii_isspace(c)) {
                p->line = LINE_OTHER; /* "-- " before a signature, "--" alone */
                break;
            }
            if (++p->delims > p->max_delims && p->cut < 0) {
                p->cut = p->line_start;
                p->flags |= MESSAGE_LIMIT_PARTS;
            }
            p->line = LINE_DELIM;
            /* the first byte after the dashes is looked at too */
            G_GNUC_FALLTHROUGH;
        default:
            if (p->line == LINE_DELIM_CR) {
                /* a CR that ends no line */
                p->flags |= MESSAGE_BAD_DELIMITER;
                p->line = LINE_DELIM;
            }
            if (c == '\r')
                p->line = LINE_DELIM_CR;
            else if ((c < 0x20 && c != '\t') || c == 0x7f)
                p->flags |= MESSAGE_BAD_DELIMITER;
            break;
        }
    }
}

/* message_prescan_init - an empty pass for a message parsed with MAX_PARTS */
void message_prescan_init(struct message_prescan *p, unsigned max_parts)
{
    memset(p, 0, sizeof(*p));
    p->cut = -1;
    p->body = -1;
    p->field_start = -1;
    p->field_kind = -1;
    p->max_delims = (guint64)max_parts * 2 + 16;
    for (int k = 0; k < NKINDS; k++)
        p->late[k].start = -1;
}

/* message_prescan_feed - the next N bytes */
bool message_prescan_feed(struct message_prescan *p, const unsigned char *buf, size_t n)
{
    size_t i = 0;

    while (i < n && p->cut < 0) {
        const unsigned char *nl = memchr(buf + i, '\n', n - i);
        size_t end = nl != NULL ? (size_t)(nl - buf) : n;

        line_bytes(p, buf + i, end - i);
        if (nl != NULL)
            line_end(p, p->line_len + 1);
        i = nl != NULL ? end + 1 : n;
    }
    return p->cut < 0;
}

/* message_prescan_finish - after the last byte: a last line without a line feed, a
 * header block that never ended, the late fields after those kept */
void message_prescan_finish(struct message_prescan *p)
{
    if (p->cut < 0 && p->line_len > 0)
        line_end(p, p->line_len);
    /* a field open at the cut ended before it: the cut is at a line that starts none */
    field_end(p);
    if (p->block == PRESCAN_TOP && (p->flags & MESSAGE_PRESCAN_WITHHELD))
        p->top_over = true;
    if (!p->top_over)
        return;
    /* in the order they came, and before the cut */
    for (int pass = 0; pass < NKINDS; pass++) {
        int first = -1;

        for (int k = 0; k < NKINDS; k++)
            if (p->late[k].start >= 0 && (first < 0 || p->late[k].start < p->late[first].start))
                first = k;
        if (first < 0)
            break;
        if (p->cut < 0 || p->late[first].start + p->late[first].len <= p->cut) {
            keep_add(p, p->late[first].start, p->late[first].len);
            p->late_bytes += p->late[first].len;
        }
        p->late[first].start = -1;
    }
}

/* message_prescan_clear - free the keep list */
void message_prescan_clear(struct message_prescan *p)
{
    if (p->keep != NULL)
        g_array_free(p->keep, TRUE);
    p->keep = NULL;
}
