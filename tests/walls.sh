#!/bin/sh
# walls.sh - the walls between modules, checked on what the build made.  From the
# undefined symbols ("U") nm -A lists for the objects of libmailvet.a:
#   - one library per module: only message.o and message_decode.o call GMime (not the
#     other message_*.o, which keep the GMime-free parts of the parse), scan.o and scan_engine.o libclamav
#     (not scan_report.o nor the other scan_*.o, nor scanslots.o), cache*.o
#     hiredis, unpack*.o libarchive, yamlnode*.o libyaml, rules*.o PCRE2, quarantine_pg*.o
#     libpq;
#   - no object of the library calls libmilter (smfi_*);
#   - the leaf modules do not log (log_msg, log_lines, syslog);
#   - rules*.o and policy*.o know nothing of the milter or the pipeline;
# from the sources: the leaf modules' headers do not include config.h; from the
# programs: mailvet (the tool) does not need libmilter, libsystemd or libmicrohttpd,
# mailvetd does need libmilter, of mailvetd's objects only mailvetd_metrics.o calls
# libmicrohttpd (MHD_*), which nothing of the library calls, and mailvet-console
# needs neither libmilter nor libsystemd.  Objects are
# matched by name prefix (an automake "libmailvet_a-" prefix stripped), so the parts
# of a split module are held to its walls; a module that does not exist passes.  The
# last case builds an object of the message module, message_probe.o, that calls GMime
# and checks that the checker reports it.
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
LEAF_MODULES="spool message leafsink uuscan scan unpack passwords container cache reportcodec
digest filetype text quarantine qstore smtp_client rules policy units wildcard yamlnode tmpfile act
metrics"
# The leaf modules whose headers must not include config.h (they take option structs).
LEAF_HEADERS="scan container cache message leafsink uuscan spool unpack passwords reportcodec digest
quarantine smtp_client"

PLAN=17
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

# only PREFIXES SYMBOLS DESC - a library's calls stay in the modules named
only() {
    offenders "$W/lib.refs" out "$1" "$2" > "$W/out"
    wall "$3" "$W/out"
}

# none PREFIXES SYMBOLS DESC - the modules named make none of these calls
none() {
    offenders "$W/lib.refs" in "$1" "$2" > "$W/out"
    wall "$3" "$W/out"
}

refs "$LIB" > "$W/lib.refs"
[ -s "$W/lib.refs" ] || bail "$NM -A $LIB lists no undefined symbol"

only "message. message_decode." '^(g_mime_|internet_address_)' \
    "only message.o and message_decode.o call GMime (g_mime_*), no other message_*.o"
only "scan. scan_engine." '^cl_' "only scan.o and scan_engine.o call libclamav (cl_*)"
only "cache" '^(redis|freeReplyObject$)' "only cache*.o calls hiredis (redis*)"
only "unpack" '^archive_' "only unpack*.o calls libarchive (archive_*)"
only "yamlnode" '^yaml_' "only yamlnode*.o calls libyaml (yaml_*)"
only "rules" '^pcre2_' "only rules*.o calls PCRE2 (pcre2_*)"
only "quarantine_pg" '^(PQ|lo_|pg_)' "only quarantine_pg*.o calls libpq (PQ*)"
none "*" '^smfi_' "no object of libmailvet.a calls libmilter (smfi_*)"
none "*" '^MHD_' "no object of libmailvet.a calls libmicrohttpd (MHD_*)"
none "$LEAF_MODULES" '^(log_msg|log_lines|(__)?v?syslog(_chk)?)$' \
    "the leaf modules do not log (log_msg, log_lines, syslog)"
none "rules policy" '^(smfi_|milter_|pipeline_|generation_|scanslots_|session_)' \
    "rules*.o and policy*.o call nothing of the milter or the pipeline"

# the headers, from the sources
: > "$W/out"
for prefix in $LEAF_HEADERS; do
    for h in "$top_srcdir/milter/libmailvet/$prefix"*.h; do
        [ -f "$h" ] || continue
        grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*["<]config\.h[">]' "$h" |
            sed "s|^\([0-9]*\):.*|$(basename "$h"):\1 config.h|" >> "$W/out"
    done
done
wall "the leaf modules' headers do not include config.h" "$W/out"

# the programs
if [ ! -x "$MAILVET" ]; then
    not_ok "mailvet does not need libmilter, libsystemd or libmicrohttpd: $MAILVET not built"
else
    { readelf -d "$MAILVET" | awk '/\(NEEDED\)/ && /libmilter|libsystemd|libmicrohttpd/ { gsub(/[][]/, "", $NF); print "mailvet", "NEEDED:" $NF }'
      refs "$MAILVET" | awk '$2 ~ /^(smfi_|sd_|MHD_)/'; } > "$W/out"
    wall "mailvet does not need libmilter, libsystemd or libmicrohttpd (readelf -d, nm)" "$W/out"
fi
# mailvetd's own objects, as make left them beside it
set -- "$top_builddir"/milter/mailvetd/*.o
if [ ! -f "$1" ]; then
    not_ok "only mailvetd_metrics.o calls libmicrohttpd: no object in $top_builddir/milter/mailvetd"
else
    refs "$@" > "$W/daemon.refs"
    offenders "$W/daemon.refs" out "mailvetd_metrics" '^MHD_' > "$W/out"
    if [ ! -s "$W/out" ] && ! grep -q '^mailvetd_metrics[^ ]* MHD_start_daemon$' "$W/daemon.refs"; then
        echo "mailvetd_metrics.o MHD_start_daemon:missing" > "$W/out"
    fi
    wall "of mailvetd's objects only mailvetd_metrics.o calls libmicrohttpd (MHD_*)" "$W/out"
fi
if [ ! -x "$MAILVETD" ]; then
    not_ok "mailvetd links libmilter: $MAILVETD not built"
elif readelf -d "$MAILVETD" | grep -q 'NEEDED.*libmilter'; then
    ok "mailvetd links libmilter (NEEDED)"
elif "$NM" "$MAILVETD" 2> /dev/null | grep -q ' T smfi_register$'; then
    ok "mailvetd links libmilter (statically)"
else
    not_ok "mailvetd links libmilter: no NEEDED libmilter, no smfi_register"
fi

if [ ! -x "$CONSOLE" ]; then
    not_ok "mailvet-console does not need libmilter or libsystemd: $CONSOLE not built"
else
    { readelf -d "$CONSOLE" | awk '/\(NEEDED\)/ && /libmilter|libsystemd/ { gsub(/[][]/, "", $NF); print "mailvet-console", "NEEDED:" $NF }'
      refs "$CONSOLE" | awk '$2 ~ /^(smfi_|sd_)/'; } > "$W/out"
    wall "mailvet-console does not need libmilter or libsystemd (readelf -d, nm)" "$W/out"
fi

# the checker can fail: an object of the message module but message.o, which calls GMime
CC=${CC:-cc}
cat > "$W/probe.c" <<'EOF'
void g_mime_init(void);
void walls_probe(void);
void walls_probe(void) { g_mime_init(); }
EOF
if ! command -v "${CC%% *}" > /dev/null 2>&1; then
    skip "the checker reports a forbidden call: no compiler ($CC)"
elif ! $CC -c "$W/probe.c" -o "$W/libmailvet_a-message_probe.o" > "$W/probe.err" 2>&1; then
    not_ok "the checker reports a forbidden call: $CC -c failed"; diag "$(cat "$W/probe.err")"
else
    refs "$W/libmailvet_a-message_probe.o" > "$W/probe.refs"
    offenders "$W/probe.refs" out "message. message_decode." '^(g_mime_|internet_address_)' > "$W/probe.out"
    if [ "$(cat "$W/probe.out")" = "message_probe.o g_mime_init" ]; then
        ok "the checker reports a forbidden call: message_probe.o g_mime_init"
    else
        not_ok "the checker reports a forbidden call: got \"$(cat "$W/probe.out")\", want \"message_probe.o g_mime_init\""
    fi
fi

[ "$n" -eq "$PLAN" ] || diag "ran $n tests, planned $PLAN"
[ "$failed" -eq 0 ] && [ "$n" -eq "$PLAN" ]
