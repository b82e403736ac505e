#!/bin/sh
# install-conf.sh - "make install" keeps the administrator's configuration: into a
# fresh DESTDIR it installs mailvet.yaml (configure's directories filled in) and the
# policy files; over an edited mailvet.yaml and an edited campaign file it keeps both
# and puts this release's beside them as FILE.dist, says so, and leaves an unchanged
# file alone; "make uninstall" removes what is as installed and the .dist files and
# keeps the edited ones.  Runs make in $top_builddir/policies.
# TAP on stdout; run by "make check" (env: top_srcdir, top_builddir).
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
MAKE=${MAKE:-make}
# a make of its own: the flags of the make check that runs this (-w, -j, jobserver
# descriptors) would print "Entering directory" lines into the output read below
unset MAKEFLAGS MFLAGS MAKELEVEL

PLAN=10
echo "1..$PLAN"

. "$top_srcdir/tests/lib.sh"

[ -f "$top_builddir/policies/Makefile" ] || bail "$top_builddir/policies/Makefile: run configure first"
command -v "$MAKE" > /dev/null 2>&1 || bail "no $MAKE"

work_dir install-conf
D=$W/dest

# the directories the Makefile installs into, as configure set them
sysconfdir=$(cd "$top_builddir/policies" && $MAKE -s --no-print-directory -f Makefile -f - print-conf <<'EOF'
print-conf:
	@echo '$(sysconfdir)'
EOF
)
[ -n "$sysconfdir" ] || bail "cannot read sysconfdir from policies/Makefile"
C=$D$sysconfdir/mailvet

# inst NAME TARGET - make TARGET DESTDIR=$D in policies/; output in $W/NAME.out
inst() {
    (cd "$top_builddir/policies" && $MAKE --no-print-directory "$2" DESTDIR="$D") \
        > "$W/$1.out" 2>&1
    RC=$?
}

inst first install
if [ "$RC" -eq 0 ] && [ -f "$C/mailvet.yaml" ] && [ -f "$C/policies/policy.yaml" ] &&
    [ -f "$C/policies/campaigns/avaddon.yaml" ] && [ -f "$C/policies/signatures/mailvet-campaigns.ldb" ]; then
    ok "make install into a fresh DESTDIR puts mailvet.yaml and the policies under $sysconfdir/mailvet"
else
    not_ok "make install into a fresh DESTDIR puts mailvet.yaml and the policies under $sysconfdir/mailvet"
    diag "exit $RC"; sed 's/^/#   /' "$W/first.out"
fi
check "the installed mailvet.yaml names the installed policy_dir ($sysconfdir/mailvet/policies)" \
    grep -q "^policy_dir: \"$sysconfdir/mailvet/policies\"" "$C/mailvet.yaml"
check "a fresh install leaves no .dist file" \
    [ -z "$(find "$D" -name '*.dist')" ]

# the administrator edits two files
echo "max_parts: 500 # local" >> "$C/mailvet.yaml"
echo "# local note" >> "$C/policies/campaigns/avaddon.yaml"
cp "$C/mailvet.yaml" "$W/edited.yaml"
cp "$C/policies/campaigns/avaddon.yaml" "$W/edited-avaddon.yaml"
before=$(stat -c %Y "$C/policies/generic.yaml")
sleep 1

inst again install
if [ "$RC" -eq 0 ] && cmp -s "$C/mailvet.yaml" "$W/edited.yaml" &&
    cmp -s "$C/policies/campaigns/avaddon.yaml" "$W/edited-avaddon.yaml"; then
    ok "make install over an edited mailvet.yaml and campaign file keeps both as they were"
else
    not_ok "make install over an edited mailvet.yaml and campaign file keeps both as they were"
    diag "exit $RC"; sed 's/^/#   /' "$W/again.out"
fi
check "this release's mailvet.yaml goes beside it as mailvet.yaml.dist" \
    cmp -s "$C/mailvet.yaml.dist" "$top_builddir/policies/mailvet.yaml"
check "this release's avaddon.yaml goes beside it as avaddon.yaml.dist" \
    cmp -s "$C/policies/campaigns/avaddon.yaml.dist" "$top_srcdir/policies/campaigns/avaddon.yaml"
check "make install says so for each, naming the .dist" \
    sh -c "grep -q '$C/mailvet.yaml exists and differs.*kept; the new one is $C/mailvet.yaml.dist' '$W/again.out' &&
           grep -q '$C/policies/campaigns/avaddon.yaml exists and differs.*$C/policies/campaigns/avaddon.yaml.dist' '$W/again.out'"
check "an unchanged file is left alone: no .dist, not rewritten" \
    sh -c "[ ! -e '$C/policies/generic.yaml.dist' ] && [ \"\$(stat -c %Y '$C/policies/generic.yaml')\" = '$before' ]"

inst un uninstall
left=$(cd "$D" && find . -type f | sort | tr '\n' ' ')
want="./${C#"$D"/}/mailvet.yaml ./${C#"$D"/}/policies/campaigns/avaddon.yaml "
if [ "$RC" -eq 0 ] && [ "$left" = "$want" ]; then
    ok "make uninstall removes the .dist files and what is as installed, keeps the two edited files"
else
    not_ok "make uninstall removes the .dist files and what is as installed, keeps the two edited files"
    diag "exit $RC; left: $left"; diag "want: $want"; sed 's/^/#   /' "$W/un.out"
fi
check "make uninstall says it kept the edited mailvet.yaml" \
    grep -q "$C/mailvet.yaml was changed after make install: kept" "$W/un.out"

[ "$n" -eq "$PLAN" ] || diag "ran $n tests, planned $PLAN"
[ "$failed" -eq 0 ]
