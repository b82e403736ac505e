/* config.h - mailvet.yaml into struct mv_config through one schema table.
 * config_load() parses into a fresh struct and validates every key; on any error it
 * returns NULL and err->msg reads "FILE:LINE: KEY: message" (all errors, one per line;
 * err->status MV_ECONFIG), or "FILE: cannot open: reason" (MV_EIO).  An empty file means
 * every default.  config_free() returns NULL.  A loaded config is read-only and shared
 * by threads.  The schema (keys, defaults, ranges, reloadable) is the table in config.c;
 * mailvet.yaml(5) documents it and tests/check-docs.sh keeps the two in step. */
#ifndef MV_CONFIG_H
#define MV_CONFIG_H

#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "mv.h"

/* the file name of config_default()'s configuration: the built-in defaults */
#define CONFIG_BUILTIN "(built-in)"

enum config_quarantine_mode {
    CONFIG_QUARANTINE_STORE = 0, /* quarantine_dir, released with mailvet quarantine */
    CONFIG_QUARANTINE_HOLD,      /* the MTA's hold queue (smfi_quarantine) */
};

enum config_quarantine_store {
    CONFIG_STORE_DIR = 0,    /* quarantine_dir */
    CONFIG_STORE_POSTGRESQL, /* quarantine_db, shared by a fleet */
};

enum config_release_route {
    CONFIG_ROUTE_HOLDER = 0, /* the release address the holding host recorded */
    CONFIG_ROUTE_LOCAL,      /* this host's quarantine_release_host:port */
};

enum config_on_error {
    CONFIG_ON_ERROR_TEMPFAIL = 0,
    CONFIG_ON_ERROR_ACCEPT,
};

struct mv_config {
    char *file; /* path it was read from, or CONFIG_BUILTIN */

    /* daemon */
    char *socket;              /* unix:PATH | local:PATH | inet:PORT@HOST | inet6:PORT@HOST */
    unsigned socket_mode;      /* permissions of a unix socket, e.g. 0660 */
    char *user;                /* drop to this user after binding; "" = stay */
    char *group;               /* "" = the user's primary group */
    char *pid_file;            /* "" = none */
    char *log_facility;        /* syslog facility name, "mail" */
    bool log_clean;            /* one summary line for clean mail too */
    unsigned milter_timeout;   /* seconds libmilter waits on the MTA (smfi_settimeout) */
    unsigned shutdown_timeout; /* seconds SIGTERM waits for messages in flight */

    /* /metrics (mailvetd_metrics.c) */
    char *metrics_listen;            /* "IPV4:PORT" or "[IPV6]:PORT", "" = off */
    unsigned metrics_max_signatures; /* signature names with a series of their own */

    /* scanning */
    char *database;                 /* signature directory: .cvd/.cld/.hdb/.ndb/.ldb/.yar ... */
    char *policy_dir;               /* policy files, rules, signatures/; "" = no rules */
    unsigned reload_check_interval; /* seconds between checks for changed signatures; 0 off */
    char *tmpdir;                   /* spool and large-leaf temp files */
    int on_error;                   /* enum config_on_error */
    bool add_header;                /* X-Mailvet-Status on mail that passes */
    unsigned max_scans;             /* messages scanned at once; 0: two per CPU */

    /* limits (limits.h has the defaults) */
    uint64_t spool_memory;
    uint64_t max_message_size;
    unsigned max_parts;
    unsigned max_mime_depth;
    uint64_t max_scan_size;
    uint64_t max_file_size;
    unsigned max_recursion;
    unsigned max_files;
    unsigned max_scan_time; /* milliseconds */
    unsigned max_objects;   /* per message, over all leaves */
    uint64_t max_message_scan_size;
    unsigned max_message_scan_time; /* milliseconds */
    unsigned max_compression_ratio;
    unsigned max_passwords;
    uint64_t content_window; /* bytes of each object's content and decoded fields for rules */

    /* quarantine */
    char *quarantine_dir;
    int quarantine_mode;          /* enum config_quarantine_mode */
    int quarantine_store;         /* enum config_quarantine_store */
    char *quarantine_db;          /* libpq conninfo, for quarantine_store postgresql */
    char *quarantine_host;        /* this host's name in a shared store; "" = the hostname */
    int quarantine_release_route; /* enum config_release_route */
    char *quarantine_release_host;
    unsigned quarantine_release_port;
    unsigned quarantine_max_age;  /* seconds, for purge */
    uint64_t quarantine_max_size; /* bytes, for purge */

    /* Redis verdict cache */
    char *redis;                    /* "" off, "unix:/path", "host:port" or "[v6]:port" */
    char *redis_sentinels;          /* "" or "ADDR, ADDR, ...": Sentinels instead of redis */
    char *redis_master_name;        /* the master the Sentinels monitor */
    char *redis_sentinel_username;  /* ACL user at the Sentinels, "" = none */
    char *redis_sentinel_password;  /* "" = no AUTH to the Sentinels */
    char *redis_replicas;           /* "" none, "sentinel", or "ADDR, ADDR, ...": for reads */
    char *redis_username;           /* ACL user, "" = none */
    char *redis_password;           /* "" = no AUTH */
    unsigned redis_db;              /* SELECT */
    unsigned redis_connect_timeout; /* milliseconds */
    unsigned redis_timeout;         /* milliseconds, the deadline of one whole cache call */
    char *cache_secret;             /* HMAC-SHA256 key of the values; required with redis */
    unsigned cache_ttl_clean;       /* seconds */
    unsigned cache_ttl_detected;    /* seconds */
    uint64_t cache_max_value;       /* bytes; bigger reports are not stored */
    uint64_t local_cache_size;      /* bytes of the local verdict cache; 0 = off */

    /* the web console (mailvet-console, milter/console/): read at its start only */
    char *console_listen;          /* "HOST:PORT", HOST an IPv4 literal or [IPv6] */
    char *console_tls_cert;        /* PEM certificate chain; "" = plain HTTP (loopback only) */
    char *console_tls_key;         /* PEM private key of the certificate */
    char *console_users_file;      /* "user:yescrypt-hash" lines */
    char *console_audit_log;       /* one line per action, appended */
    unsigned console_session_idle; /* seconds a session lives without a request */
    unsigned console_session_max;  /* seconds a session lives at most */
};

/* config_load - read and validate PATH; NULL with err filled on any error */
struct mv_config *config_load(const char *path, struct mv_err *err);
/* config_default - every key at its default (the embedded default) */
struct mv_config *config_default(void);
struct mv_config *config_free(struct mv_config *cfg);
/* config_print - the effective configuration, defaults included, as YAML that
 * config_load() reads back; "# default" marks the values equal to the default */
void config_print(const struct mv_config *cfg, FILE *out);

/* config_socket_check - S in libmilter's socket syntax (smfi_setconn): unix:/PATH or
 * local:/PATH (absolute, short enough for sun_path), inet:PORT@HOST or inet6:PORT@HOST
 * (HOST an address of the family or a host name, may be left out); false with the reason
 * in WHY (SIZE bytes) */
bool config_socket_check(const char *s, char *why, size_t size);
/* config_user_ids - the uid and gid of CFG's user (and group, when set); false with
 * one line in ERR ("FILE: user: no such user: NAME; create it ...") when there is none */
bool config_user_ids(const struct mv_config *cfg, uid_t *uid, gid_t *gid, struct mv_err *err);
/* config_listen_split - an HTTP listen address, "IPV4:PORT" or "[IPV6]:PORT" (an IP
 * address, never a name to resolve; port 1 to 65535): true with the address (without
 * brackets) in HOST (SIZE bytes, INET6_ADDRSTRLEN is room enough; may be NULL) and
 * the port in *PORT (may be NULL), false when TEXT is not of that form */
bool config_listen_split(const char *text, char *host, size_t size, unsigned *port);
/* config_listen_sockaddr - TEXT, of config_listen_split's form, as the socket address
 * to bind (*LEN its length); false when TEXT is not of that form */
bool config_listen_sockaddr(const char *text, struct sockaddr_storage *sa, socklen_t *len);

/* The schema, in table order, for check-config --keys, check-docs.sh and reloads. */
size_t config_key_count(void);
/* config_key_name - name of key I; NULL past the end */
const char *config_key_name(size_t i);
/* config_key_reloadable - whether SIGUSR1 applies a change of key I (else: restart) */
bool config_key_reloadable(size_t i);
/* config_key_secret - whether config_print shows key I as "(set)" rather than its value */
bool config_key_secret(size_t i);
/* config_key_equal - whether key I has the same value in A and B */
bool config_key_equal(const struct mv_config *a, const struct mv_config *b, size_t i);

#endif
