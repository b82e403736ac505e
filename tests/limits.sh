#!/bin/sh
# limits.sh - archive bombs, deep nesting and oversized messages against
# "mailvet scan --json": each must come back unscannable (or infected) with the
# limit that stopped it named in "reasons", in bounded time and memory
# (DESIGN.md, Rules that never bend: bounded work; a limit hit is unscannable).
#
# Every sample is built here at run time, in a temp dir that is removed at the
# end (KEEP_WORK=1 keeps it), and attached base64 to an example.com message:
#   bomb42        42.zip-style: 5 levels of zips, each holding 16 copies of the
#                 level below, the bottom 1 MiB of zeros (16^5 MiB = 1 TiB)
#   ratio-zip64   one 1 GiB member of zeros streamed into zip from a pipe (zip
#                 writes it as "-" with zip64 local headers)
#   ratio         the same 1 GiB member streamed with "zip -fz-" (no zip64), the
#                 form libclamav 1.4 opens
#   nest30        zip in zip ... 30 levels, EICAR at the bottom
#   members10k    one zip with 10,000 small members
#   member100M    one 100 MiB member with max_file_size 25M
#   mime-depth    30 levels of multipart holding message/rfc822
#   max-parts     60 parts with max_parts 50
#   message-size  a 2 MB message with max_message_size 1M
#   header-fields 100,000 header fields, then the MIME header fields and EICAR as
#                 an attachment
#   header-line   one header field of 50 MB, then the same
#   max-objects, compression-ratio, message-scan-size, message-scan-time:
#                 the message-wide limits (max_objects, max_compression_ratio,
#                 max_message_scan_size, max_message_scan_time)
#   control       EICAR one zip deep: infected (the signature set works)
# Each scan runs under "timeout 120" (a hang guard: hitting it is a failure)
# and GNU time, which records peak RSS; RSS must stay under 1 GiB (a memory
# bound, not a timing threshold).  The header items must find EICAR behind the
# fields and grow the peak RSS by less than 32 MB over the control's (GMime
# keeping every field cost 53 MB and 203 MB more); that check is skipped when
# mailvet is built with AddressSanitizer, which never reuses freed memory.
# Elapsed times are printed as diagnostics only.
# TAP on stdout; env: top_srcdir, top_builddir.  Needs jq, zip, base64, timeout
# and /usr/bin/time (Debian package "time").
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
MAILVET=$top_builddir/milter/mailvet/mailvet
GNUTIME=/usr/bin/time
HANG=120              # seconds; a scan still running then is a failure
RSS_MAX_KB=1048576    # 1 GiB

ITEMS="control bomb42 ratio-zip64 ratio nest30 members10k member100M mime-depth max-parts
message-size header-fields header-line max-objects compression-ratio message-scan-size
message-scan-time"
NITEMS=$(echo "$ITEMS" | wc -w)
# four checks per item, plus nest30's check at the default max_recursion, plus the
# header items' memory checks
PLAN=$((NITEMS * 4 + 1 + 2))
HEADER_GROWTH_MAX_KB=32768
# AddressSanitizer keeps freed memory in quarantine: RSS is then no measure
ASAN=
if { nm "$MAILVET"; nm -D "$MAILVET"; } 2> /dev/null | grep -q __asan_init; then
    ASAN=yes
fi
echo "1..$PLAN"

. "$top_srcdir/tests/lib.sh"

[ -x "$MAILVET" ] || bail "$MAILVET not built"
[ -x "$GNUTIME" ] || bail "$GNUTIME not found: GNU time records peak RSS (apt-get install time)"
for tool in jq zip base64 timeout head yes; do
    command -v "$tool" > /dev/null 2>&1 || bail "$tool is required"
done

work_dir limits
mkdir "$W/tmp" "$W/sigs" || bail "cannot make $W/tmp"

# --- samples --------------------------------------------------------------------
# EICAR and its hash signature, as tests/samples/make-samples.sh makes them.
sh "$top_srcdir/tests/samples/eicar.sh" > "$W/eicar.com" || bail "eicar.sh failed"
printf '%s:%s:Eicar-Test-Signature\n' "$(md5sum < "$W/eicar.com" | cut -d' ' -f1)" \
    "$(wc -c < "$W/eicar.com" | tr -d ' ')" > "$W/sigs/eicar.hdb"
EICAR_RE='^Eicar-Test-Signature(\.UNOFFICIAL)?$'

# headers SUBJECT BOUNDARY: an example.com message header opening a multipart/mixed.
headers() {
    printf 'From: Sample Sender <sender@example.com>\n'
    printf 'To: Sample Recipient <recipient@example.com>\n'
    printf 'Subject: %s\n' "$1"
    printf 'Date: Wed, 01 Jan 2020 00:00:00 +0000\n'
    printf 'Message-ID: <limits.%s@example.com>\n' "$(echo "$1" | tr -c 'a-zA-Z0-9\n' '.')"
    printf 'MIME-Version: 1.0\n'
    printf 'Content-Type: multipart/mixed; boundary="%s"\n\n' "$2"
    printf 'This is a multi-part message in MIME format.\n'
}
# attachment BOUNDARY FILE NAME TYPE: FILE as a base64 attachment called NAME
# (wrapped as in make-samples.sh: base64's 76-column lines).
attachment() {
    printf -- '--%s\n' "$1"
    printf 'Content-Type: %s; name="%s"\n' "$4" "$3"
    printf 'Content-Transfer-Encoding: base64\n'
    printf 'Content-Disposition: attachment; filename="%s"\n\n' "$3"
    base64 < "$2"
}
# message OUT SUBJECT FILE NAME [COPIES]: a text part and COPIES (default 1)
# attachments of FILE called NAME.
message() {
    b="=_mailvet_limits"
    copies=${5:-1}
    {
        headers "$2" "$b"
        printf -- '--%s\nContent-Type: text/plain; charset=us-ascii\n\n' "$b"
        printf 'Hello,\n\nplease find the file attached.\n\n-- \nSample Sender\n'
        i=1
        while [ "$i" -le "$copies" ]; do
            attachment "$b" "$3" "$4" application/zip
            i=$((i + 1))
        done
        printf -- '--%s--\n' "$b"
    } > "$1"
}

# 2: one 1 GiB member of zeros (about 1 MB zipped, 1030:1), streamed so no
# 1 GiB file touches the disk.  zip writes a member read from a pipe with zip64
# local headers unless told -fz-; both forms are built, in the background (about
# 4 s of CPU each) while the rest are made.
(head -c 1G /dev/zero | zip -q "$W/ratio-zip64.zip" -) 2> "$W/ratio-zip64.err" &
pid_zip64=$!
(head -c 1G /dev/zero | zip -q -fz- "$W/ratio.zip" -) 2> "$W/ratio.err" &
pid_ratio=$!

# 1: 42.zip-style.  Hard links give the 16 copies without 16 times the bytes;
# every level zips to a few KB because zipped zeros zip well again.
mkdir "$W/b42" || bail "cannot make $W/b42"
(
    cd "$W/b42" || exit 1
    head -c 1M /dev/zero > l0.bin || exit 1
    prev=l0.bin
    for level in 1 2 3 4 5; do
        mkdir "d$level" || exit 1
        for i in 0 1 2 3 4 5 6 7 8 9 a b c d e f; do
            ln "$prev" "d$level/$i.${prev##*.}" || exit 1
        done
        (cd "d$level" && zip -q -9 -X "../l$level.zip" ./*) || exit 1
        rm -rf "d$level" "$prev"
        prev=l$level.zip
    done
) || bail "building the 42.zip-style bomb failed"
message "$W/bomb42.eml" "bomb42" "$W/b42/l5.zip" 42.zip

# 3: 30 zips deep, EICAR at the bottom; control: EICAR one zip deep.
mkdir "$W/n30" || bail "cannot make $W/n30"
(
    cd "$W/n30" || exit 1
    cp "$W/eicar.com" eicar.com && zip -q -X z1.zip eicar.com || exit 1
    i=1
    while [ $i -lt 30 ]; do
        zip -q -X "z$((i + 1)).zip" "z$i.zip" || exit 1
        i=$((i + 1))
    done
) || bail "building the 30-deep zip failed"
message "$W/nest30.eml" "nest30" "$W/n30/z30.zip" nest30.zip
message "$W/control.eml" "control" "$W/n30/z1.zip" invoice.zip

# 4: 10,000 members of a few bytes each, zipped in one call.
mkdir -p "$W/m10k/d" || bail "cannot make $W/m10k/d"
(
    cd "$W/m10k/d" || exit 1
    i=1
    while [ $i -le 10000 ]; do
        echo "member $i" > "f$i.txt"
        i=$((i + 1))
    done
    zip -q -X -r ../members.zip . || exit 1
) || bail "building the 10,000-member zip failed"
rm -rf "$W/m10k/d"
message "$W/members10k.eml" "members10k" "$W/m10k/members.zip" members.zip

# 5: a 100 MiB member.  Not zeros: a 100 MiB run of zeros is also a 1000:1
# ratio bomb and would trip max_compression_ratio (default 250) instead of the
# max_file_size this item is about.  A random 8 KiB block, base64'd and repeated
# (a period inside deflate's 32 KiB window), zips to well under 1 MB at about
# 145:1, under the default ratio, and still streams without a big file on disk.
head -c 8192 /dev/urandom | base64 -w0 > "$W/block.b64" || bail "head/base64 failed"
yes "$(cat "$W/block.b64")" | head -c 100M | zip -q -fz- "$W/member100M.zip" - ||
    bail "building the 100 MiB member failed"
message "$W/member100M.eml" "member100M" "$W/member100M.zip" data.zip

# 6: 30 levels, each a multipart/mixed holding a text part and a message/rfc822
# (60 MIME containers: deeper than max_mime_depth 20 however levels are counted).
nest_mime() {
    d=$1
    if [ "$d" -eq 0 ]; then
        printf 'Content-Type: text/plain; charset=us-ascii\n\ninnermost\n'
        return
    fi
    b="=_mailvet_nest_$d"
    printf 'Content-Type: multipart/mixed; boundary="%s"\n\n' "$b"
    printf -- '--%s\nContent-Type: text/plain; charset=us-ascii\n\nlevel %s\n' "$b" "$d"
    printf -- '--%s\nContent-Type: message/rfc822\n\n' "$b"
    printf 'From: sender@example.com\nTo: recipient@example.com\nSubject: level %s\n' "$d"
    printf 'MIME-Version: 1.0\n'
    nest_mime $((d - 1))
    printf -- '--%s--\n' "$b"
}
{
    printf 'From: Sample Sender <sender@example.com>\nTo: recipient@example.com\n'
    printf 'Subject: mime-depth\nMessage-ID: <limits.mime-depth@example.com>\n'
    printf 'MIME-Version: 1.0\n'
    nest_mime 30
} > "$W/mime-depth.eml"

# 60 small text attachments.
{
    b="=_mailvet_parts"
    headers "max-parts" "$b"
    i=1
    while [ $i -le 60 ]; do
        printf -- '--%s\nContent-Type: text/plain; name="part%s.txt"\n' "$b" $i
        printf 'Content-Disposition: attachment; filename="part%s.txt"\n\npart %s\n' $i $i
        i=$((i + 1))
    done
    printf -- '--%s--\n' "$b"
} > "$W/max-parts.eml"

# 7: about 2 MB (1.5 MiB attachment, base64).
head -c 1536K /dev/zero > "$W/report.bin"
message "$W/message-size.eml" "message-size" "$W/report.bin" report.bin
size=$(wc -c < "$W/message-size.eml" | tr -d ' ')
[ "$size" -gt 2000000 ] || bail "message-size.eml is $size bytes, want about 2 MB"

# 8: the header items: EICAR after 100,000 header fields, and after one of 50 MB.
# mime_tail: the MIME header fields, an empty line and EICAR as an attachment.
mime_tail() {
    printf 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="h"\n\n--h\n'
    printf 'Content-Type: application/octet-stream; name="eicar.com"\n'
    printf 'Content-Transfer-Encoding: base64\n\n'
    base64 < "$W/eicar.com"
    printf -- '--h--\n'
}
{
    printf 'From: sender@example.com\nTo: recipient@example.com\nSubject: header-fields\n'
    i=1
    while [ $i -le 100000 ]; do
        echo "X-Filler-$i: value"
        i=$((i + 1))
    done
    mime_tail
} > "$W/header-fields.eml"
{
    printf 'From: sender@example.com\nTo: recipient@example.com\nSubject: header-line\n'
    printf 'X-Long: '
    head -c 50M /dev/zero | tr '\0' a
    printf '\n'
    mime_tail
} > "$W/header-line.eml"

# 9: message-scan-time: four 42.zip attachments; with every other limit at its
# most generous, libclamav would inspect up to 2 GiB of each (max_scan_size
# 2G), which no machine does within the 1 s of max_message_scan_time.
message "$W/bomb42x4.eml" "bomb42x4" "$W/b42/l5.zip" 42.zip 4

wait "$pid_zip64" || bail "building ratio-zip64.zip failed: $(cat "$W/ratio-zip64.err")"
wait "$pid_ratio" || bail "building ratio.zip failed: $(cat "$W/ratio.err")"
message "$W/ratio-zip64.eml" "ratio-zip64" "$W/ratio-zip64.zip" zeros.zip
message "$W/ratio.eml" "ratio" "$W/ratio.zip" zeros.zip
rm -f "$W/ratio-zip64.zip" "$W/ratio.zip" "$W/member100M.zip"

# --- configs ----------------------------------------------------------------------
# config NAME LINES...: $W/NAME.yaml with tmpdir in the work dir and LINES.
config() {
    name=$1
    shift
    {
        echo "tmpdir: $W/tmp"
        echo 'policy_dir: ""' # the limits alone, no rules
        for line in "$@"; do echo "$line"; done
    } > "$W/$name.yaml"
}
config default
config file25m "max_file_size: 25M"
config parts50 "max_parts: 50"
config msg1m "max_message_size: 1M"
# libclamav's max_files (default 10000) would stop the 10,000-member zip first
config objects100 "max_objects: 100" "max_files: 1000000"
config ratio100 "max_compression_ratio: 100"
# the 100 MiB member is under the default max_file_size; the ratio is lifted so
# that only the message-wide byte count can stop it
config scansize10m "max_message_scan_size: 10M" "max_compression_ratio: 1000000"
config scantime1s "max_message_scan_time: 1s" "max_scan_time: 1h" "max_scan_size: 2G" \
    "max_file_size: 2G" "max_recursion: 64" "max_files: 1000000" "max_objects: 1000000" \
    "max_message_scan_size: 16G" "max_compression_ratio: 1000000"

# --- scans ------------------------------------------------------------------------
LIMIT_ANY='^(Heuristics\.Limits\.Exceeded\.(MaxScanSize|MaxFileSize|MaxFiles|MaxRecursion)|Mailvet\.Limits\.(MaxObjects|MaxMessageScanSize|CompressionRatio))$'
RATIO_ANY='^(Heuristics\.Limits\.Exceeded\.(MaxFileSize|MaxScanSize)|Mailvet\.Limits\.(CompressionRatio|MaxMessageScanSize))$'

U='^unscannable$'
# item NAME -> CONF EML VERDICT_RE REASON_RE WHAT
item() {
    case $1 in
    control) set -- default control '^infected$' "$EICAR_RE" "EICAR one zip deep" ;;
    bomb42) set -- default bomb42 "$U" "$LIMIT_ANY" "42.zip-style bomb (16^5 x 1 MiB)" ;;
    ratio-zip64) set -- default ratio-zip64 "$U" "$RATIO_ANY" \
        "1 GiB of zeros in one zip64 member" ;;
    ratio) set -- default ratio "$U" "$RATIO_ANY" "1 GiB of zeros in one member" ;;
    nest30) set -- default nest30 '^(unscannable|infected)$' \
        "^Heuristics\.Limits\.Exceeded\.MaxRecursion\$|$EICAR_RE" "EICAR 30 zips deep" ;;
    members10k) set -- default members10k "$U" \
        '^(Heuristics\.Limits\.Exceeded\.MaxFiles|Mailvet\.Limits\.MaxObjects)$' \
        "10,000 members" ;;
    member100M) set -- file25m member100M "$U" \
        '^(Heuristics\.Limits\.Exceeded|Mailvet\.Limits)\.MaxFileSize$' \
        "100 MiB member, max_file_size 25M" ;;
    mime-depth) set -- default mime-depth "$U" '^Mailvet\.Limits\.MaxMimeDepth$' \
        "30 levels of multipart + message/rfc822" ;;
    max-parts) set -- parts50 max-parts "$U" '^Mailvet\.Limits\.MaxParts$' \
        "60 parts, max_parts 50" ;;
    message-size) set -- msg1m message-size "$U" '^Mailvet\.Limits\.MaxMessageSize$' \
        "2 MB message, max_message_size 1M" ;;
    header-fields) set -- default header-fields '^infected$' '^Mailvet\.Limits\.MaxHeaderFields$' \
        "EICAR after 100,000 header fields" ;;
    header-line) set -- default header-line '^infected$' '^Mailvet\.Limits\.MaxHeaderLine$' \
        "EICAR after a header field of 50 MB" ;;
    max-objects) set -- objects100 members10k "$U" '^Mailvet\.Limits\.MaxObjects$' \
        "10,000 members, max_objects 100" ;;
    compression-ratio) set -- ratio100 ratio "$U" '^Mailvet\.Limits\.CompressionRatio$' \
        "1 GiB of zeros in one member, max_compression_ratio 100" ;;
    message-scan-size) set -- scansize10m member100M "$U" \
        '^Mailvet\.Limits\.MaxMessageScanSize$' "100 MiB member, max_message_scan_size 10M" ;;
    message-scan-time) set -- scantime1s bomb42x4 "$U" \
        '^Mailvet\.Limits\.MaxMessageScanTime$' \
        "four 42.zip bombs, max_message_scan_time 1s, other limits at their maximum" ;;
    esac
    CONF=$1 EML=$2 VERDICT_RE=$3 REASON_RE=$4 WHAT=$5
}
SUMMARY=$W/summary
printf '%-18s %-12s %8s %8s  %s\n' item verdict seconds "RSS MB" reasons > "$SUMMARY"

show() {
    diag "exit $RC; $WHAT; config $CONF:"
    sed 's/^/#   /' "$W/$CONF.yaml"
    diag "stdout (first 2000 bytes):"
    head -c 2000 "$W/$1.json" | sed 's/^/#   /'
    echo
    diag "stderr:"
    head -n 20 "$W/$1.err" | sed 's/^/#   /'
}

for name in $ITEMS; do
    item "$name"
    "$GNUTIME" -o "$W/$name.time" -f '%e %M' \
        timeout "$HANG" "$MAILVET" scan --json -c "$W/$CONF.yaml" -d "$W/sigs" "$W/$EML.eml" \
        > "$W/$name.json" 2> "$W/$name.err"
    RC=$?
    # GNU time puts "Command exited with non-zero status N" before the format line
    last=$(tail -n 1 "$W/$name.time" 2> /dev/null)
    secs=${last%% *}
    rss_kb=${last##* }
    case $rss_kb in '' | *[!0-9]*) rss_kb= ;; esac
    diag "$name: $WHAT: exit $RC, ${secs:-?} s, peak RSS ${rss_kb:-?} KB"

    if [ "$RC" -eq 124 ]; then
        not_ok "$name: finished within the ${HANG} s hang guard (timed out)"
    elif [ "$RC" -gt 128 ]; then
        not_ok "$name: finished without a crash (killed by signal $((RC - 128)))"
    else
        ok "$name: finished within the ${HANG} s hang guard, no crash"
    fi
    if [ "$RC" -eq 1 ]; then
        ok "$name: exit 1 (not clean)"
    else
        not_ok "$name: exit 1 (not clean), got $RC"
    fi
    if jq -e -s --arg v "$VERDICT_RE" --arg r "$REASON_RE" \
        'length == 1 and (.[0] | (.verdict | test($v)) and any(.reasons[]; test($r)))' \
        "$W/$name.json" > /dev/null 2>&1; then
        ok "$name: verdict matches $VERDICT_RE, reasons name $REASON_RE"
    else
        not_ok "$name: verdict matches $VERDICT_RE, reasons name $REASON_RE"
        show "$name"
    fi
    if [ -n "$rss_kb" ] && [ "$rss_kb" -lt "$RSS_MAX_KB" ]; then
        ok "$name: peak RSS $((rss_kb / 1024)) MB under 1 GiB"
    else
        not_ok "$name: peak RSS under 1 GiB (got ${rss_kb:-no measurement} KB)"
        sed 's/^/#   /' "$W/$name.time" 2> /dev/null
    fi

    verdict=$(jq -r -s '.[0].verdict // "-"' "$W/$name.json" 2> /dev/null)
    reasons=$(jq -r -s '.[0].reasons // [] | join(",")' "$W/$name.json" 2> /dev/null)
    [ "$RC" -eq 124 ] && verdict=TIMEOUT
    [ "$verdict" != - ] || verdict="(exit $RC)"
    printf '%-18s %-12s %8s %8s  %s\n' "$name" "$verdict" "${secs:--}" \
        "$(if [ -n "$rss_kb" ]; then echo $((rss_kb / 1024)); else echo -; fi)" \
        "${reasons:--}" >> "$SUMMARY"

    [ "$name" = control ] && control_kb=$rss_kb
    # 8: what a message's header costs is bounded: the peak RSS stays close to the
    # control's (the verdict check above found EICAR behind the header)
    case $name in header-fields | header-line)
        if [ -n "$ASAN" ]; then
            skip "$name: peak RSS within 32 MB of the control's: built with AddressSanitizer"
        elif [ -n "$rss_kb" ] && [ -n "${control_kb:-}" ] &&
            [ $((rss_kb - control_kb)) -lt "$HEADER_GROWTH_MAX_KB" ]; then
            ok "$name: peak RSS $((rss_kb / 1024)) MB, within 32 MB of the control's"
        else
            not_ok "$name: peak RSS within 32 MB of the control's (got ${rss_kb:-?} KB, control ${control_kb:-?} KB)"
        fi
        ;;
    esac

    # 3: the brief's stronger expectation at the default max_recursion 17
    if [ "$name" = nest30 ]; then
        if jq -e -s 'length == 1 and .[0].verdict == "unscannable" and
                any(.[0].reasons[]; . == "Heuristics.Limits.Exceeded.MaxRecursion")' \
            "$W/$name.json" > /dev/null 2>&1; then
            ok "nest30: at the default max_recursion 17, unscannable with Heuristics.Limits.Exceeded.MaxRecursion"
        else
            not_ok "nest30: at the default max_recursion 17, unscannable with Heuristics.Limits.Exceeded.MaxRecursion"
        fi
    fi
done

diag "summary:"
sed 's/^/#   /' "$SUMMARY"
[ "$n" -eq "$PLAN" ] || diag "ran $n tests, planned $PLAN"
[ "$failed" -eq 0 ] && [ "$n" -eq "$PLAN" ]
