#!/bin/sh
# .ci/build-deb.sh [OUTDIR] - build the Debian package (debian/) of this tree.
#
# Copies the tree's sources into a scratch directory (a git checkout: the
# tracked files as they are in the work tree, and new files git does not
# ignore; a release tarball: all of it), runs "dpkg-buildpackage -us -uc -b"
# there, and puts the .deb, .buildinfo and .changes into OUTDIR, outside the
# source tree (default $MAILVET_DEB_DIR, else ${TMPDIR:-/tmp}/mailvet-deb;
# mailvet packages already there are removed first).  Then lintian checks the
# .changes and the packages it lists: any error fails the build; its warnings
# are printed.  The source tree is never written to.
#
# Runs as root or not, on Debian 12 with the build dependencies of
# debian/control and debhelper, dpkg-dev and lintian (.ci/install-deps.sh).
# The last line printed is the path of the .deb, which tests/e2e/deb.sh
# installs (MAILVET_DEB).  "make deb" runs this script.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd -P)
out=${1:-${MAILVET_DEB_DIR:-${TMPDIR:-/tmp}/mailvet-deb}}
mkdir -p "$out"
out=$(cd "$out" && pwd -P)
case "$out/" in
"$root/"*)
    echo "build-deb: $out is inside the source tree $root; name a directory outside it" >&2
    exit 1
    ;;
esac
for prog in dpkg-buildpackage dh lintian; do
    if ! command -v "$prog" >/dev/null 2>&1; then
        echo "build-deb: $prog not found (Debian packages dpkg-dev, debhelper, lintian: .ci/install-deps.sh)" >&2
        exit 1
    fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/mailvet-debbuild.XXXXXX")
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

src=$work/mailvet
mkdir "$src"
if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    # no build products: only what git tracks or would add (a file deleted in
    # the work tree but still tracked is skipped with a warning)
    (cd "$root" && git ls-files -z --cached --others --exclude-standard) |
        (cd "$root" && tar --null --ignore-failed-read -T - -cf -) |
        tar -C "$src" -xf -
else
    # a release tarball, maybe read-only (distcheck): the copy must be writable
    cp -a "$root/." "$src/"
    chmod -R u+w "$src"
fi

echo "build-deb: dpkg-buildpackage -us -uc -b in $src"
if ! (cd "$src" && DEB_BUILD_OPTIONS="nocheck parallel=2 ${DEB_BUILD_OPTIONS:-}" \
    dpkg-buildpackage -us -uc -b) > "$work/build.log" 2>&1; then
    tail -n 60 "$work/build.log" >&2
    echo "build-deb: dpkg-buildpackage failed (the last 60 lines are above)" >&2
    exit 1
fi

rm -f "$out"/mailvet_*.deb "$out"/mailvet-dbgsym_*.deb "$out"/mailvet_*.buildinfo \
    "$out"/mailvet_*.changes
cp "$work"/*.deb "$work"/*.buildinfo "$work"/*.changes "$out/"
changes=$(ls "$out"/mailvet_*.changes)

echo "build-deb: lintian $changes"
if ! lintian --fail-on error "$changes"; then
    echo "build-deb: lintian reports errors" >&2
    exit 1
fi
ls "$out"/mailvet_*.deb
