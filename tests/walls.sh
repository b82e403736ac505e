#!/bin/sh
# walls.sh - the walls between modules, checked on what the build made.  From the
# undefined symbols ("U") nm -A lists for the objects of libmailvet.a and of the
# programs (the .o files make left in milter/mailvetd, milter/mailvet, milter/console):
#   - one library per module, in the whole tree: only message.o and message_decode.o
#     call GMime (not the other message_*.o, which keep the GMime-free parts of the
#     parse), scan.o and scan_engine.o libclamav (not scan_report.o nor the other
#     scan_*.o, nor scanslots.o), cache*.o hiredis, unpack*.o libarchive, yamlnode*.o
#     libyaml, rules*.o PCRE2, quarantine_pg*.o libpq, digest.o libcrypto;
#   - one program per program library: only mailvetd's objects call libmilter (smfi_*)
#     and libsystemd (sd_*), only the console's objects libcrypt (crypt*), only the
#     console's objects and mailvetd_metrics.o libmicrohttpd (MHD_*); none of these is
#     called from libmailvet.a;
#   - the leaf modules do not log (log_msg, log_lines, syslog);
#   - rules*.o and policy*.o know nothing of the milter or the pipeline;
#   - each library above is seen where it is allowed (an empty or unread object list
#     would pass every wall);
# from the sources: the leaf modules' headers neither include config.h nor name struct
# mv_config (they take option structs; qstore.h, which maps the configuration to a
# store, is the one that does); from the programs: mailvet (the tool) does not need
# libmilter, libsystemd, libmicrohttpd or libcrypt, mailvetd needs libmilter and not
# libcrypt, and mailvet-console needs neither libmilter nor libsystemd.  Objects are
# matched by name prefix (an automake "<target>_a-" prefix stripped), so the parts of
# a split module are held to its walls; a module that does not exist passes.  The last
# cases build objects that call what their names do not allow, one of the message
# module (message_probe.o, GMime) and one named as the tool's (mailvet_probe.o, libpq
# and libmilter), and check that the checker reports them.
# Each wall is one TAP line naming the offending objects and symbols.
# TAP on stdout; env: top_srcdir, top_builddir, CC (default cc), NM (default nm).
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
LIB=$top_builddir/milter/libmailvet/libmailvet.a
MAILVET=$top_builddir/milter/mailvet/mailvet
MAILVETD=$top_builddir/milter/mailvetd/mailvetd
CONSOLE=$top_builddir/milter/console/mailvet-console
NM=${NM:-nm}

# The leaf modules: they return a status and never log.
LEAF_MODULES="spool message leafsink uuscan scan unpack passwords container cache localcache
reportcodec digest filetype text mvfeatures quarantine qstore smtp_client rules policy units
wildcard suggest yamlnode tmpfile act metrics render scanslots mv"
# Their headers take option structs, not the configuration: all but qstore.h, whose job
# is to make a store of what the configuration names.
LEAF_HEADERS=$(printf '%s\n' $LEAF_MODULES | grep -vx qstore)
# The programs' objects, as make left them beside each program.
PROGRAM_DIRS="mailvetd mailvet console"
# The name prefixes of each program's objects, for the libraries only it may call.
DAEMON="mailvetd"
CONSOLE_OBJS="console mailvet_console"

PLAN=23
echo "1..$PLAN"

. "$top_srcdir/tests/lib.sh"

command -v "$NM" > /dev/null 2>&1 || bail "$NM is required (binutils)"
command -v readelf > /dev/null 2>&1 || bail "readelf is required (binutils)"
[ -f "$LIB" ] || bail "$LIB not built"
work_dir walls

# refs FILE... - "OBJECT SYMBOL" for every undefined symbol of the objects in FILE
# (archives, objects or programs): OBJECT the member's or file's base name without an
# automake "<target>_a-" prefix, SYMBOL without its "@VERSION"
refs() {
    "$NM" -A "$@" 2> /dev/null | awk '$(NF-1) == "U" {
        obj = $1; sub(/:$/, "", obj)
        n = split(obj, part, ":"); obj = part[n]
        sub(/.*\//, "", obj); sub(/^[A-Za-z0-9_]+_a-/, "", obj)
        sym = $NF; sub(/@.*/, "", sym)
        print obj, sym
    }'
}

# offenders REFS MODE PREFIXES SYMBOLS - the lines of file REFS whose symbol matches
# the extended regex SYMBOLS and whose object's name starts with one of PREFIXES ("*"
# for any) (MODE "in") or with none of them (MODE "out")
offenders() {
    awk -v mode="$2" -v prefixes="$(printf '%s' "$3" | tr '\n' ' ')" -v symre="$4" '
    BEGIN { np = split(prefixes, p, " ") }
    $2 ~ symre {
        named = 0
        for (i = 1; i <= np; i++)
            if (p[i] == "*" || index($1, p[i]) == 1)
                named = 1
        if ((mode == "in") != named)
            next
        print $1, $2
    }' "$1" | sort -u
}

# wall DESC FILE - ok when FILE (offending "OBJECT SYMBOL" lines) is empty, else
# not_ok naming the first few, and every one as a diagnostic
wall() {
    if [ ! -s "$2" ]; then
        ok "$1"
        return
    fi
    not_ok "$1: $(head -n 5 "$2" | awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 }')$(
        [ "$(wc -l < "$2")" -gt 5 ] && echo ", ...")"
    diag "$(cat "$2")"
}

# only PREFIXES SYMBOLS DESC - a library's calls stay in the objects named, of all
only() {
    offenders "$W/all.refs" out "$1" "$2" > "$W/out"
    wall "$3" "$W/out"
}

# none PREFIXES SYMBOLS DESC - the objects of libmailvet.a named make none of these calls
none() {
    offenders "$W/lib.refs" in "$1" "$2" > "$W/out"
    wall "$3" "$W/out"
}

refs "$LIB" > "$W/lib.refs"
[ -s "$W/lib.refs" ] || bail "$NM -A $LIB lists no undefined symbol"
cp "$W/lib.refs" "$W/all.refs"
for d in $PROGRAM_DIRS; do
    set -- "$top_builddir/milter/$d"/*.o
    [ -f "$1" ] || bail "no object in $top_builddir/milter/$d: build the programs first"
    refs "$@" >> "$W/all.refs"
done

# the outside libraries, each called from its module alone, in the library and the programs
only "message. message_decode." '^(g_mime_|internet_address_)' \
    "only message.o and message_decode.o call GMime (g_mime_*), no other message_*.o"
only "scan. scan_engine." '^cl_' "only scan.o and scan_engine.o call libclamav (cl_*)"
only "cache" '^(redis|freeReplyObject$)' "only cache*.o calls hiredis (redis*)"
only "unpack" '^archive_' "only unpack*.o calls libarchive (archive_*)"
only "yamlnode" '^yaml_' "only yamlnode*.o calls libyaml (yaml_*)"
only "rules" '^pcre2_' "only rules*.o calls PCRE2 (pcre2_*)"
only "quarantine_pg" '^(PQ|lo_|pg_)' "only quarantine_pg*.o calls libpq (PQ*)"
only "digest." '^(EVP_|SHA(1|224|256|384|512)(_|$)|OPENSSL_|CRYPTO_|RAND_|ERR_)' \
    "only digest.o calls libcrypto (EVP_*)"
# the programs' own libraries
only "$DAEMON" '^smfi_' "only mailvetd's objects call libmilter (smfi_*)"
only "$DAEMON" '^sd_' "only mailvetd's objects call libsystemd (sd_*)"
only "$CONSOLE_OBJS" '^crypt(_[a-z_]+)?$' "only the console's objects call libcrypt (crypt*)"
only "$CONSOLE_OBJS mailvetd_metrics." '^MHD_' \
    "only the console's objects and mailvetd_metrics.o call libmicrohttpd (MHD_*)"
none "*" '^(smfi_|sd_|MHD_|crypt(_[a-z_]+)?$)' \
    "no object of libmailvet.a calls libmilter, libsystemd, libmicrohttpd or libcrypt"
none "$LEAF_MODULES" '^(log_msg|log_lines|(__)?v?syslog(_chk)?)$' \
    "the leaf modules do not log (log_msg, log_lines, syslog)"
none "rules policy" '^(smfi_|milter_|pipeline_|generation_|scanslots_|session_)' \
    "rules*.o and policy*.o call nothing of the milter or the pipeline"

# each library is seen where it is allowed, so that the walls above read real objects
: > "$W/out"
for want in "message. g_mime_parser_construct_message" "scan_engine. cl_engine_compile" \
    "cache_io. redisConnectWithTimeout" "unpack. archive_read_new" "yamlnode. yaml_parser_parse" \
    "rules pcre2_compile_8" "quarantine_pg PQexecPrepared" "digest. EVP_DigestUpdate" \
    "mailvetd_milter. smfi_register" "mailvetd_service. sd_notifyf" "console_users. crypt_rn" \
    "console_http. MHD_start_daemon" "mailvetd_metrics. MHD_start_daemon"; do
    awk -v p="${want% *}" -v sym="${want#* }" 'index($1, p) == 1 && $2 == sym { found = 1 }
        END { exit !found }' "$W/all.refs" || echo "${want% *}* ${want#* }:missing" >> "$W/out"
done
wall "each library is called where it is allowed (the walls read the objects)" "$W/out"

# the headers, from the sources
: > "$W/out"
for prefix in $LEAF_HEADERS; do
    for h in "$top_srcdir/milter/libmailvet/$prefix"*.h; do
        [ -f "$h" ] || continue
        grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*["<]config\.h[">]|struct[[:space:]]+mv_config' "$h" |
            sed "s|^\([0-9]*\):.*|$(basename "$h"):\1 config|" >> "$W/out"
    done
done
wall "the leaf modules' headers neither include config.h nor name struct mv_config" "$W/out"

# the programs
# needs BINARY NAME REGEX - "NAME NEEDED:LIB" for each library BINARY needs matching REGEX
needs() {
    readelf -d "$1" | awk -v name="$2" -v re="$3" '/\(NEEDED\)/ && $NF ~ re {
        lib = $NF; gsub(/[][]/, "", lib); print name, "NEEDED:" lib }'
}

# without BINARY NAME LIBS SYMBOLS DESC - BINARY needs no library matching the regex
# LIBS and calls no symbol matching SYMBOLS
without() {
    if [ ! -x "$1" ]; then
        not_ok "$5: $1 not built"
        return
    fi
    { needs "$1" "$2" "$3"; refs "$1" | awk -v re="$4" '$2 ~ re'; } > "$W/out"
    wall "$5 (readelf -d, nm)" "$W/out"
}

without "$MAILVET" mailvet 'libmilter|libsystemd|libmicrohttpd|libcrypt\\.so' \
    '^(smfi_|sd_|MHD_|crypt(_[a-z_]+)?$)' \
    "mailvet does not need libmilter, libsystemd, libmicrohttpd or libcrypt"
if [ ! -x "$MAILVETD" ]; then
    not_ok "mailvetd links libmilter: $MAILVETD not built"
elif readelf -d "$MAILVETD" | grep -q 'NEEDED.*libmilter'; then
    ok "mailvetd links libmilter (NEEDED)"
elif "$NM" "$MAILVETD" 2> /dev/null | grep -q ' T smfi_register$'; then
    ok "mailvetd links libmilter (statically)"
else
    not_ok "mailvetd links libmilter: no NEEDED libmilter, no smfi_register"
fi
without "$MAILVETD" mailvetd 'libcrypt\\.so' '^crypt(_[a-z_]+)?$' "mailvetd does not need libcrypt"
without "$CONSOLE" mailvet-console 'libmilter|libsystemd' '^(smfi_|sd_)' \
    "mailvet-console does not need libmilter or libsystemd"

# the checker can fail: objects that call what their names do not allow, one of the
# library's message module and one named as the tool's
CC=${CC:-cc}
printf '%s\n' 'void g_mime_init(void);' 'void walls_probe(void);' \
    'void walls_probe(void) { g_mime_init(); }' > "$W/probe.c"
printf '%s\n' 'void PQexec(void);' 'void smfi_main(void);' 'void walls_probe(void);' \
    'void walls_probe(void) { PQexec(); smfi_main(); }' > "$W/probe-tool.c"
if ! command -v "${CC%% *}" > /dev/null 2>&1; then
    skip "the checker reports a forbidden call: no compiler ($CC)"
    skip "the checker reports a program's forbidden calls: no compiler ($CC)"
elif ! $CC -c "$W/probe.c" -o "$W/libmailvet_a-message_probe.o" > "$W/probe.err" 2>&1 ||
    ! $CC -c "$W/probe-tool.c" -o "$W/mailvet_probe.o" >> "$W/probe.err" 2>&1; then
    not_ok "the checker reports a forbidden call: $CC -c failed"; diag "$(cat "$W/probe.err")"
    not_ok "the checker reports a program's forbidden calls: $CC -c failed"
else
    refs "$W/libmailvet_a-message_probe.o" > "$W/probe.refs"
    offenders "$W/probe.refs" out "message. message_decode." '^(g_mime_|internet_address_)' > "$W/probe.out"
    if [ "$(cat "$W/probe.out")" = "message_probe.o g_mime_init" ]; then
        ok "the checker reports a forbidden call: message_probe.o g_mime_init"
    else
        not_ok "the checker reports a forbidden call: got \"$(cat "$W/probe.out")\", want \"message_probe.o g_mime_init\""
    fi
    refs "$W/mailvet_probe.o" > "$W/probe.refs"
    { offenders "$W/probe.refs" out "quarantine_pg" '^(PQ|lo_|pg_)'
      offenders "$W/probe.refs" out "$DAEMON" '^smfi_'; } | paste -sd, - > "$W/probe.out"
    if [ "$(cat "$W/probe.out")" = "mailvet_probe.o PQexec,mailvet_probe.o smfi_main" ]; then
        ok "the checker reports a program's forbidden calls: mailvet_probe.o PQexec, smfi_main"
    else
        not_ok "the checker reports a program's forbidden calls: got \"$(cat "$W/probe.out")\", want \"mailvet_probe.o PQexec,mailvet_probe.o smfi_main\""
    fi
fi

[ "$n" -eq "$PLAN" ] || diag "ran $n tests, planned $PLAN"
[ "$failed" -eq 0 ] && [ "$n" -eq "$PLAN" ]
