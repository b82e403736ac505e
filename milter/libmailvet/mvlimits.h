/* mvlimits.h - every bound on attacker-controlled input, with its default, in one place.
 * config.c uses these as the schema defaults and ranges; the man page mailvet.yaml(5)
 * documents the same numbers (tests/check-docs.sh keeps them in step). */
#ifndef MV_MVLIMITS_H
#define MV_MVLIMITS_H

#define MV_KIB 1024ULL
#define MV_MIB (1024ULL * 1024ULL)

/* Message assembly (spool.c) */
#define LIMIT_SPOOL_MEMORY_DEFAULT "1M"       /* kept in memory before spilling to a temp file */
#define LIMIT_MAX_MESSAGE_SIZE_DEFAULT "100M" /* beyond this the message is unscannable */

/* MIME walk (message.c, message_leaves.c, message_decode.c) */
#define LIMIT_MAX_PARTS_DEFAULT "1000"    /* leaves per message */
#define LIMIT_MAX_MIME_DEPTH_DEFAULT "20" /* multipart / message/rfc822 nesting */
#define LIMIT_MAX_UUENCODED_DEFAULT 64    /* uuencoded blocks looked for per text leaf */

/* Header fields (message.c, message_input.c, message_prescan.c), fixed: in all the
 * header blocks of one message together (its own, every part's, every embedded
 * message's) at most this many fields and bytes, and no field (its folded lines
 * included) longer than LIMIT_MAX_HEADER_LINE, Postfix's own header_size_limit.  GMime
 * keeps every field it parses, at some 500 bytes each for short ones and several
 * copies of long ones. */
#define LIMIT_MAX_HEADER_FIELDS 10000u
#define LIMIT_MAX_HEADER_BYTES (1024 * 1024)
#define LIMIT_MAX_HEADER_LINE (100 * 1024)
/* Address groups (RFC 5322 3.4: "group") nested in one address field, fixed.  Groups do
 * not nest at all in RFC 5322 and real mail has none or one, but GMime's address parser
 * follows each nested group by recursion, some 100 bytes of stack a level: a field of
 * nested groups within LIMIT_MAX_HEADER_LINE crashes a thread with a 2 MiB stack.  A
 * field nested deeper is withheld from GMime (message_prescan.c) and the message is
 * unscannable. */
#define LIMIT_MAX_ADDRESS_GROUPS 8u

/* libclamav (scan.c): CL_ENGINE_MAX_* */
#define LIMIT_MAX_SCAN_SIZE_DEFAULT "400M" /* CL_ENGINE_MAX_SCANSIZE, per leaf */
#define LIMIT_MAX_FILE_SIZE_DEFAULT "100M" /* CL_ENGINE_MAX_FILESIZE */
#define LIMIT_MAX_RECURSION_DEFAULT "17"   /* CL_ENGINE_MAX_RECURSION */
#define LIMIT_MAX_FILES_DEFAULT "10000"    /* CL_ENGINE_MAX_FILES */
#define LIMIT_MAX_SCAN_TIME_DEFAULT "120s" /* CL_ENGINE_MAX_SCANTIME, per leaf */

/* Whole message, over all leaves (scan.c budget) */
#define LIMIT_MAX_OBJECTS_DEFAULT "20000"          /* objects inspected per message */
#define LIMIT_MAX_MESSAGE_SCAN_SIZE_DEFAULT "1G"   /* bytes inspected per message */
#define LIMIT_MAX_MESSAGE_SCAN_TIME_DEFAULT "180s" /* scanning time per message */
#define LIMIT_MAX_COMPRESSION_RATIO_DEFAULT "250"  /* object size over its container's */
#define LIMIT_RATIO_FLOOR (1ULL << 20)             /* objects below 1 MiB are never a ratio bomb */

/* Encrypted archives (unpack.c) and their candidate passwords (passwords.c) */
#define LIMIT_CONTENT_WINDOW_DEFAULT                                                               \
    "64K"                                /* content and each decoded field kept per object         \
                                          * for rules, counted against the message's               \
                                          * max_message_scan_size */
#define LIMIT_MAX_PASSWORDS_DEFAULT "16" /* candidate passwords tried per archive */
#define LIMIT_PASSWORD_LENGTH 64         /* longest candidate taken from the text */

/* Each regular expression of a rule over one value (rules_eval.c); a match that hits
 * one makes the message unscannable (Mailvet.Limits.Regex.RULE_ID).  PCRE2 counts the
 * match limit per start position in the value: a regex costs at most that many steps
 * times the value's length plus one.  The JIT does not use the depth and heap limits:
 * it stops at the end of its stack (PCRE2's default, 32 KiB) */
#define LIMIT_REGEX_MATCH 100000   /* backtracking steps, pcre2_set_match_limit */
#define LIMIT_REGEX_DEPTH 1000     /* nested backtracking, pcre2_set_depth_limit */
#define LIMIT_REGEX_HEAP_KIB 20480 /* the interpreter's heap, pcre2_set_heap_limit */

/* Log text the sender controls */
#define LIMIT_LOG_FIELD 200

#endif
