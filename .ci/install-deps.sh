#!/bin/sh
# .ci/install-deps.sh - install every Debian package that the build and the tests
# need (Debian 12).  Runs as root, with no terminal, from CI or by hand.
#
# Package scripts never start services here: postfix, redis-server,
# clamav-freshclam and prometheus would otherwise start system instances
# (tests/metrics.sh runs a private prometheus, as the e2e tests run Postfix).
# A policy-rc.d that answers 101 ("action forbidden") is put in place for the
# install when none exists, and removed afterwards; a container's own
# policy-rc.d is left alone.
# Postfix's install questions are answered beforehand ("Local only"), so it
# configures without a terminal; the tests run private Postfix instances with
# their own config directories and never use the system one.
#
# The Debian package (debian/, .ci/build-deb.sh) builds with dpkg-dev and
# debhelper (which brings dh-autoreconf) and is checked with lintian; no
# fakeroot: debian/control says Rules-Requires-Root: no.
#
# Sendmail for tests/e2e/sendmail.sh: Debian's sendmail-bin conflicts with
# postfix (both provide mail-transport-agent), so it is never installed.
# Instead sendmail-bin and sendmail-cf are fetched with "apt-get download" and
# unpacked with "dpkg -x" into a private root, /opt/mailvet-test/sendmail
# (override with MAILVET_SENDMAIL_ROOT; the test reads the same variable):
#   ROOT/usr/libexec/sendmail/sendmail   the binary (compiled with MILTER)
#   ROOT/usr/share/sendmail/cf/m4/cf.m4  the m4 files that build a sendmail.cf
# No maintainer script runs and nothing outside ROOT changes.  The binary
# needs libwrap0 and building the .cf needs m4, both installed normally.  The
# root is unpacked again only when it lacks the binary or cf.m4.
set -eu

packages="
    autoconf automake libtool pkg-config make gcc libc6-dev
    libmilter-dev libsystemd-dev libmicrohttpd-dev libgmime-3.0-dev libglib2.0-dev libclamav-dev libhiredis-dev
    libarchive-dev libpcre2-dev libyaml-dev libjson-glib-dev libcmocka-dev libssl-dev
    libcrypt-dev curl openssl
    miltertest postfix swaks redis-server clamav clamav-daemon clamav-milter
    zip unzip ca-certificates jq perl python3 procps coreutils findutils gawk sed grep time
    p7zip-full tar gzip bzip2 xz-utils zstd lz4 cpio arj gcab genisoimage msitools macutils
    sharutils libjpeg-turbo-progs clang clang-format libclang-rt-14-dev libwrap0 m4
    dpkg-dev debhelper lintian prometheus
    chromium chromium-driver python3-selenium
"

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: must run as root (apt-get install)" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
export DEBCONF_NONINTERACTIVE_SEEN=true

policy=/usr/sbin/policy-rc.d
made_policy=
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# installed by mailvet .ci/install-deps.sh for the duration of an install\nexit 101\n' > "$policy"
    chmod 755 "$policy"
    made_policy=yes
fi
cleanup() {
    if [ -n "$made_policy" ]; then
        rm -f "$policy"
    fi
}
trap cleanup EXIT
trap 'cleanup; exit 1' INT TERM HUP

debconf-set-selections <<'EOF2'
postfix postfix/main_mailer_type select Local only
postfix postfix/mailname string localhost.localdomain
EOF2

# retry: a mirror can be briefly unreachable
retry() {
    n=1
    until "$@"; do
        if [ $n -ge 3 ]; then
            return 1
        fi
        echo "install-deps: '$*' failed, retrying in $((n * 10)) s" >&2
        sleep $((n * 10))
        n=$((n + 1))
    done
}

retry apt-get update -q
# shellcheck disable=SC2086 # the list is split on purpose
retry apt-get install -y -q --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold $packages

# sendmail-bin and sendmail-cf unpacked into a private root (see above).
sendmail_root=${MAILVET_SENDMAIL_ROOT:-/opt/mailvet-test/sendmail}
if [ ! -x "$sendmail_root/usr/libexec/sendmail/sendmail" ] ||
    [ ! -f "$sendmail_root/usr/share/sendmail/cf/m4/cf.m4" ]; then
    # apt-get download drops root for the _apt user: the directory it
    # downloads into must be writable by _apt, or apt warns and fetches as root.
    debdir=$(mktemp -d /tmp/mailvet-sendmail-debs.XXXXXX)
    chmod 755 "$debdir"
    if id _apt >/dev/null 2>&1; then
        chown _apt "$debdir"
    fi
    if ! (cd "$debdir" && retry apt-get download -q sendmail-bin sendmail-cf); then
        rm -rf "$debdir"
        echo "install-deps: cannot download sendmail-bin and sendmail-cf" >&2
        exit 1
    fi
    rm -rf "$sendmail_root"
    mkdir -p "$sendmail_root"
    for deb in "$debdir"/sendmail-bin_*.deb "$debdir"/sendmail-cf_*.deb; do
        dpkg -x "$deb" "$sendmail_root"
    done
    rm -rf "$debdir"
    if [ ! -x "$sendmail_root/usr/libexec/sendmail/sendmail" ] ||
        [ ! -f "$sendmail_root/usr/share/sendmail/cf/m4/cf.m4" ]; then
        echo "install-deps: $sendmail_root lacks sendmail or cf.m4 after dpkg -x" >&2
        exit 1
    fi
fi
