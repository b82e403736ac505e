#!/bin/sh
# seeds.sh REPLAY_MESSAGE OUTDIR - the seed corpora, from what the other tests use:
#   OUTDIR/message/      the samples of make-samples.sh and make-campaign-samples.sh
#                        (look-alikes, ham, EICAR in archives), those under 256 KB
#   OUTDIR/policy/       the shipped policy files, each alone and all of them joined
#                        with "%%" lines (fuzz_policy.c's split)
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
