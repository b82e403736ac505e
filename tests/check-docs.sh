#!/bin/sh
# check-docs.sh - every configuration key is documented and shipped, with its real default.
# For each key of the schema (milter/libmailvet/config.c, listed by "mailvet check-config --keys"):
# the man page mailvet.yaml(5) has a ".BR key (type, default X, ...)" entry, the sample
# mailvet.yaml sets it, and both give the built-in default (printed by
# "mailvet check-config -c /dev/null"), so limits.h, the man page and the sample cannot
# drift apart.  Then the reverse: neither file names a key the schema does not know.
# The man page and the sample are read as make made them from man/mailvet.yaml.5.in and
# policies/mailvet.yaml.in (the build tree), with configure's directories filled in:
# the same paths the built-in defaults were compiled with.  Last, the FILES section of
# every man page and the unit mailvet.service name mailvet's directories as configure
# set them (sysconfdir, localstatedir, runstatedir), and the map of the library,
# milter/libmailvet/README, names every source file of it (a header by its own name or
# its .c's) and no file that is not in milter/.
# TAP output.  Environment: top_srcdir, top_builddir (exported by tests/Makefile.am);
# MAILVET overrides the program, to test this script with a fake key list.

: "${top_srcdir:=.}"
: "${top_builddir:=$top_srcdir}"
MAILVET=${MAILVET:-$top_builddir/milter/mailvet/mailvet}
man=$top_builddir/man/mailvet.yaml.5
sample=$top_builddir/policies/mailvet.yaml

for f in "$man" "$sample"; do
    if [ ! -r "$f" ]; then
        echo "Bail out! cannot read $f (made by make from $(basename "$f").in)"
        exit 1
    fi
done
if ! keys=$("$MAILVET" check-config --keys) || [ -z "$keys" ]; then
    echo "Bail out! $MAILVET check-config --keys gave no keys"
    exit 1
fi
# The effective configuration comes first; what follows may be a refusal (exit 78)
# when this machine lacks the default policy_dir or database: the defaults are printed
# all the same.
defaults=$("$MAILVET" check-config -c /dev/null 2>/dev/null)
case $defaults in
"# mailvet configuration from /dev/null"*) ;;
*)
    echo "Bail out! $MAILVET check-config -c /dev/null printed no configuration"
    exit 1
    ;;
esac

n=0
failed=0

# result - one TAP line: result STATUS DESCRIPTION [DIAGNOSTIC]
result() {
    n=$((n + 1))
    if [ "$1" = 0 ]; then
        echo "ok $n - $2"
    else
        echo "not ok $n - $2"
        [ -n "$3" ] && echo "# $3"
        failed=$((failed + 1))
    fi
}

# unquote - strip a trailing comment, blanks and one pair of quotes; "" reads "empty"
unquote() {
    sed -e 's/[[:space:]]#.*$//' -e 's/[[:space:]]*$//' \
        -e 's/^"\(.*\)"$/\1/' -e "s/^'\\(.*\\)'\$/\\1/" -e 's/^$/empty/'
}

# builtin_default KEY - the value check-config prints for KEY with an empty file
builtin_default() {
    printf '%s\n' "$defaults" | sed -n "s/^$1:[[:space:]]*//p" | head -n 1 | unquote
}

# man_default KEY - X of '.BR KEY " (type, default X, ...)"'
man_default() {
    sed -n "s/^\\.BR\\{0,1\\} $1 .*default \\([^,)]*\\).*/\\1/p" "$man" | head -n 1 | unquote
}

# sample_value KEY - the value the sample file sets
sample_value() {
    sed -n "s/^$1:[[:space:]]*//p" "$sample" | head -n 1 | unquote
}

nkeys=$(printf '%s\n' "$keys" | wc -l)
echo "1..$((nkeys * 4 + 4))"

for key in $keys; do
    grep -q "^\\.BR\\{0,1\\} $key\\( \\|\$\\)" "$man"
    result $? "mailvet.yaml(5) documents $key"

    grep -q "^$key:" "$sample"
    result $? "policies/mailvet.yaml sets $key"

    want=$(builtin_default "$key")
    got=$(man_default "$key")
    [ -n "$want" ] && [ "$got" = "$want" ]
    result $? "mailvet.yaml(5) gives the built-in default of $key" \
        "got default '$got', want '$want'"

    # the sample's socket is Debian's Postfix path on purpose, not the default
    [ "$key" = socket ] && continue
    got=$(sample_value "$key")
    [ -n "$want" ] && [ "$got" = "$want" ]
    result $? "policies/mailvet.yaml sets $key to its built-in default" \
        "got '$got', want '$want'"
done

# is_key NAME - NAME is in the schema
is_key() {
    printf '%s\n' "$keys" | grep -qx "$1"
}

unknown=
for word in $(sed -n 's/^\.BR \([a-z0-9_]*\) " (.*/\1/p' "$man"); do
    is_key "$word" || unknown="$unknown $word"
done
[ -z "$unknown" ]
result $? "mailvet.yaml(5) documents no key the schema lacks" "unknown:$unknown"

unknown=
for word in $(sed -n 's/^\([a-z0-9_]*\):.*/\1/p' "$sample"); do
    is_key "$word" || unknown="$unknown $word"
done
[ -z "$unknown" ]
result $? "policies/mailvet.yaml sets no key the schema lacks" "unknown:$unknown"

# The FILES section of each man page names mailvet's own files where configure put
# them: under sysconfdir, localstatedir and runstatedir as the built-in defaults have
# them (policy_dir, quarantine_dir, pid_file), never Debian's /etc, /var and /run of a
# build configured elsewhere.  Postfix's queue directory is Postfix's.
sysconf=$(builtin_default policy_dir)
sysconf=${sysconf%/mailvet/policies}
localstate=$(builtin_default quarantine_dir)
localstate=${localstate%/spool/mailvet/quarantine}
runstate=$(builtin_default pid_file)
runstate=${runstate%/mailvet/mailvetd.pid}
stray=
for page in "$top_builddir"/man/*.[1-8]; do
    for path in $(sed -n '/^\.SH FILES/,/^\.SH [^F]/p' "$page" | grep -o '/[A-Za-z0-9_./-]*' |
        grep mailvet | grep -v postfix | grep -E '^(/usr/local)?/(etc|var|run)/'); do
        case $path in
        "$sysconf/mailvet"* | "$localstate/"* | "$runstate/mailvet"*) ;;
        *) stray="$stray $(basename "$page"):$path" ;;
        esac
    done
done
[ -n "$sysconf" ] && [ -n "$localstate" ] && [ -n "$runstate" ] && [ -z "$stray" ]
result $? "the man pages' FILES name mailvet's paths under $sysconf, $localstate and $runstate (configure's)" \
    "not from configure:$stray"

# The units make install puts beside the binaries let mailvetd write where the
# defaults of that build say: the quarantine under localstatedir, the pid file under
# runstatedir (ProtectSystem=strict makes everything else read-only)
unit=$top_builddir/contrib/systemd/mailvet.service
rw=$(sed -n 's/^ReadWritePaths=//p' "$unit" 2>/dev/null)
printf ' %s \n' "$rw" | grep -qF " -$localstate/spool/mailvet " &&
    printf ' %s \n' "$rw" | grep -qF " -$runstate/mailvet "
result $? "mailvet.service lets mailvetd write $localstate/spool/mailvet and $runstate/mailvet" \
    "ReadWritePaths=$rw"

# the library's map: every file named, no name of a file that is gone
lib=$top_srcdir/milter/libmailvet
missing=
for f in "$lib"/*.c "$lib"/*.h; do
    base=$(basename "$f")
    grep -qE "(^|[^A-Za-z0-9_/])${base%.?}\.[ch]([^A-Za-z0-9_]|\$)" "$lib/README" ||
        missing="$missing $base"
done
gone=
for name in $(grep -oE '(^|[^A-Za-z0-9_/.])[A-Za-z0-9_]+\.[ch]([^A-Za-z0-9_]|$)' "$lib/README" |
    sed -E 's/^[^A-Za-z0-9_]//; s/[^A-Za-z0-9_]$//' | sort -u); do
    ls "$top_srcdir"/milter/*/"$name" > /dev/null 2>&1 || gone="$gone $name"
done
[ -z "$missing$gone" ]
result $? "milter/libmailvet/README names every file of the library and none that is gone" \
    "not named:${missing:- none}; gone:${gone:- none}"

[ "$failed" = 0 ]
