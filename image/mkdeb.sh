#!/bin/sh
# mkdeb.sh BUILD OUT.deb: packages quired, quire and quire-render from BUILD/ into a Debian
# package with the systemd units, default configuration and man pages (image/deb, image/man).
# Reproducible: every file's time is SOURCE_DATE_EPOCH (the last commit's time by default),
# owners root:root, compressed without names or times, so the same sources give the same .deb.
set -eu
B=$1
OUT=$2
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
: "${SOURCE_DATE_EPOCH:=$(git -C "$TOP" log -1 --format=%ct 2>/dev/null || echo 0)}"
export SOURCE_DATE_EPOCH
VERSION=${QUIRE_VERSION:-0.1.0~git$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y%m%d%H%M%S)}
mkdir -p "$B"; B=$(cd "$B" && pwd)
# Staged outside build/: the top Makefile includes every *.d below build/ as dependency files.
TMP=$(mktemp -d "${TMPDIR:-/var/tmp}/quire-deb.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
STAGE=$TMP/root
mkdir -p "$STAGE/DEBIAN"

for bin in quired quire quire-render; do
  [ -x "$B/$bin" ] || { echo "mkdeb: $B/$bin missing (run make first)" >&2; exit 1; }
done
install -d "$STAGE/usr/lib/quire" "$STAGE/usr/sbin" "$STAGE/usr/bin"
for bin in quired quire quire-render; do
  install -m 0755 "$B/$bin" "$STAGE/usr/lib/quire/$bin"
  strip --strip-unneeded --remove-section=.comment --remove-section=.note "$STAGE/usr/lib/quire/$bin"
done
# quired and quire resolve /proc/self/exe to /usr/lib/quire, where quire-render sits.
ln -s ../lib/quire/quired "$STAGE/usr/sbin/quired"
ln -s ../lib/quire/quire "$STAGE/usr/bin/quire"
install -m 0755 "$HERE/deb/quire-setup-code" "$STAGE/usr/lib/quire/quire-setup-code"

install -d "$STAGE/usr/lib/systemd/system" "$STAGE/usr/lib/sysusers.d" "$STAGE/etc/quire"
install -m 0644 "$HERE/deb/quired.service" "$HERE/deb/quire-setup-code.service" \
  "$STAGE/usr/lib/systemd/system/"
install -m 0644 "$HERE/deb/sysusers.conf" "$STAGE/usr/lib/sysusers.d/quire.conf"
install -m 0644 "$HERE/deb/quire.conf" "$STAGE/etc/quire/quire.conf"

install -d "$STAGE/usr/share/man/man1" "$STAGE/usr/share/man/man8" "$STAGE/usr/share/doc/quire"
gzip -9n <"$HERE/man/quire.1" >"$STAGE/usr/share/man/man1/quire.1.gz"
gzip -9n <"$HERE/man/quired.8" >"$STAGE/usr/share/man/man8/quired.8.gz"
install -m 0644 "$TOP/README.md" "$TOP/docs/configuration.md" "$TOP/docs/quire.conf.example" \
  "$STAGE/usr/share/doc/quire/"
[ -f "$TOP/docs/image.md" ] && install -m 0644 "$TOP/docs/image.md" "$STAGE/usr/share/doc/quire/"

# Depends: the shared libraries the binaries link (dpkg-shlibdeps), plus poppler-glib, which
# quire-render loads with dlopen.
mkdir -p "$TMP/shlibs/debian"
printf 'Source: quire\n\nPackage: quire\nArchitecture: amd64\n' >"$TMP/shlibs/debian/control"
deps=$(cd "$TMP/shlibs" && dpkg-shlibdeps -O -e"$STAGE/usr/lib/quire/quired" \
       -e"$STAGE/usr/lib/quire/quire" -e"$STAGE/usr/lib/quire/quire-render" 2>/dev/null |
       sed -n 's/^shlibs:Depends=//p')
[ -n "$deps" ] || { echo "mkdeb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
size=$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)
sed -e "s/@VERSION@/$VERSION/" -e "s/@DEPENDS@/$deps/" -e "s/@SIZE@/$size/" \
  "$HERE/deb/control.in" >"$STAGE/DEBIAN/control"
install -m 0644 "$HERE/deb/conffiles" "$STAGE/DEBIAN/conffiles"
for s in postinst prerm postrm; do install -m 0755 "$HERE/deb/$s" "$STAGE/DEBIAN/$s"; done

find "$STAGE" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
mkdir -p "$(dirname "$OUT")"
dpkg-deb --root-owner-group -Zxz --build "$STAGE" "$OUT" >/dev/null
echo "mkdeb: $OUT (quire $VERSION)"
