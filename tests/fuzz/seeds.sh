#!/bin/sh
# seeds.sh REPLAY_MESSAGE OUTDIR - the seed corpora, from what the other tests use:
#   OUTDIR/message/      the samples of make-samples.sh and make-campaign-samples.sh
#                        (look-alikes, ham, EICAR in archives), those under 256 KB,
#                        and make-stress-samples.sh's regex bait with 16 KiB values
#                        in the subject, an attachment's name, the body and a zip
#                        member's name
#   OUTDIR/policy/       the shipped policy files, each alone and all of them joined
#                        with "%%" lines (fuzz_policy.c's split), and policies heavy
#                        with regexes: catastrophic ones over every field, under
#                        not, any, all, count and rule references, and patterns that
#                        lower PCRE2's limits themselves ((*LIMIT_MATCH=1) ...), so
#                        rules that give up are fuzzed too
#   OUTDIR/config/       the sample mailvet.yaml and the protocol tests' configs
#   OUTDIR/reportcodec/  the cache encodings of every leaf report of the message
#                        seeds, written by REPLAY_MESSAGE with FUZZ_DUMP_REPORTS set
# Environment: top_srcdir, top_builddir (where make wrote policies/mailvet.yaml).  Exit 0 when every corpus has at least one file.
set -eu
: "${top_srcdir:?}"
replay=$1
out=$2
rm -rf "$out"
mkdir -p "$out/message" "$out/policy" "$out/config" "$out/reportcodec" "$out/tmp"

sh "$top_srcdir/tests/samples/make-samples.sh" "$out/tmp/s" >/dev/null
sh "$top_srcdir/tests/samples/make-campaign-samples.sh" "$out/tmp/c" >/dev/null
sh "$top_srcdir/tests/samples/make-campaign-samples.sh" --ham "$out/tmp/h" >/dev/null
i=0
for f in "$out"/tmp/s/*.eml "$out"/tmp/c/*.eml "$out"/tmp/h/ham-00*.eml; do
    [ "$(wc -c <"$f")" -le 262144 ] || continue
    i=$((i + 1))
    cp "$f" "$out/message/$(printf '%03d' "$i")-$(basename "$f")"
done

for field in subject attachment_name body member_name; do
    STRESS_BYTES=16384 sh "$top_srcdir/tests/samples/make-stress-samples.sh" "$out/tmp/st" "$field"
done
for f in "$out"/tmp/st/*.eml; do
    cp "$f" "$out/message/stress-$(basename "$f")"
done

# regex-heavy policies: rules that give up on the fuzz target's fixed message (its
# subject is 36 bytes) and rules that do not, in every place a predicate can stand
cat >"$out/policy/regex-redos.yaml" <<'EOF'
thresholds: {suspicious: 3, campaign: 6}
actions: {unscannable: reject, suspicious: tag}
rules:
  - {id: R_SUBJECT, category: suspicious, score: 2, match: {subject: {regex: '^(.+)+[xy]$'}}}
  - {id: R_FROM, category: suspicious, score: 2, match: {from: {regex: '^(.+)+[xy]$'}}}
  - {id: R_BODY, category: info, score: 1, match: {body: {regex: '^(.+)+[xy]$'}}}
  - {id: R_NOT, category: info, score: -5, match: {not: {subject: {regex: '^(.+)+[xy]$'}}}}
  - {id: R_REF, category: suspicious, score: 3, match: {not: {rule: R_SUBJECT}}}
  - id: R_ANY
    category: campaign
    campaign: Fuzz
    score: 6
    match:
      any:
        - {reply_to: {regex: '^(.+)+[xy]$'}}
        - {header: {name: To, regex: '^(.+)+[xy]$'}}
        - {recipient: {regex: '^(\w|\w)+@'}}
  - id: R_ALL
    category: campaign
    campaign: Fuzz
    score: 6
    match:
      all:
        - {subject: {regex: ['^(.+)+[xy]$', 'RFQ']}}
        - {not: {all: [{sender: '*'}, {client_addr: {regex: '(\d+\.?)+x'}}]}}
  - id: R_OBJECTS
    category: suspicious
    score: 2
    match:
      count:
        of: {object: {name: {regex: '^(.+)+[xy]$|\.js$'}, content: {regex: '(?s)^(.+)+[\x00\x01]$'}}}
        min: 1
        max: 1
  - id: R_ATTACH
    category: suspicious
    score: 2
    match: {attachment: {name: {regex: '(?i)^(.+)+\.jpg\.(js|vbs)[xy]$'}, type: {regex: '^(.+)+[xy]$'}}}
EOF
cat >"$out/policy/regex-limits.yaml" <<'EOF'
rules:
  - {id: L_MATCH, category: suspicious, score: 3, match: {subject: {regex: '(*LIMIT_MATCH=1)RFQ.*[xy]'}}}
  - {id: L_DEPTH, category: suspicious, score: 3, match: {body: {regex: '(*LIMIT_DEPTH=1)(?:\w\s?)*$'}}}
  - {id: L_HEAP, category: info, score: 1, match: {from: {regex: '(*LIMIT_HEAP=0)(a|b|c)*z'}}}
  - {id: L_REF, category: info, score: -2, match: {any: [{rule: L_MATCH}, {not: {rule: L_DEPTH}}]}}
  - id: L_COUNT
    category: suspicious
    score: 2
    match: {not: {count: {of: {attachment: {name: {regex: '(*LIMIT_MATCH=2)(.)+\.js'}}}, max: 0}}}
  - id: L_FINE
    category: info
    score: 1
    match: {all: [{subject: {regex: '(?<=RE: )RFQ\b'}}, {subject: {regex: '(\d)\1?'}},
                  {object: {name: {regex: '^\p{Lu}+-\d++\.jpg\.js$'}}}]}
EOF
# the same rules over the three files, the later ones referring to the earlier
{
    echo 'thresholds: {suspicious: 2}'
    echo '%%'
    sed 1,2d "$out/policy/regex-redos.yaml"
    echo '%%'
    cat "$out/policy/regex-limits.yaml"
} >"$out/policy/regex-joined.yaml"

p=$top_srcdir/policies
for f in "$p"/*.yaml "$p"/campaigns/*.yaml; do
    [ "$(basename "$f")" = mailvet.yaml ] && continue
    cp "$f" "$out/policy/$(basename "$f")"
done
{ cat "$p/policy.yaml"; echo '%%'; cat "$p/generic.yaml"; echo '%%'; cat "$p"/campaigns/*.yaml; } \
    >"$out/policy/all-joined.yaml"

# the sample as make fills it in (policies/mailvet.yaml.in, configure's directories)
cp "${top_builddir:-$top_srcdir}/policies/mailvet.yaml" "$out/config/mailvet.yaml"
cp "$p/run.yaml.in" "$out/config/run.yaml"
for f in "$top_srcdir"/tests/milter/t-*.yaml; do
    cp "$f" "$out/config/$(basename "$f")"
done

FUZZ_DUMP_REPORTS=$out/reportcodec "$replay" "$out/message" >/dev/null
rm -rf "$out/tmp"
for d in message policy config reportcodec; do
    if [ -z "$(ls "$out/$d")" ]; then
        echo "seeds.sh: no $d seeds" >&2
        exit 1
    fi
done
