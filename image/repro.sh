#!/bin/sh
# repro.sh BUILD: proves the image build reproducible. Builds everything twice from scratch
# (package, base root file system with mmdebstrap, project layer, disk image) in
# BUILD/repro/1 and BUILD/repro/2 and compares the checksums; on a difference, names the
# files inside that differ. Slow (two base builds, several minutes): `make image-repro`.
# Needs QUIRE_EPOCH and QUIRE_BASE_EPOCH (the Makefile passes them).
set -eu
B=$1
HERE=$(cd "$(dirname "$0")" && pwd)
: "${QUIRE_EPOCH:?}" "${QUIRE_BASE_EPOCH:?}"
R=$B/repro
rm -rf "$R"
# Both builds package the same binaries, even if `make` relinks them meanwhile.
mkdir -p "$R/bin"
cp "$B/quired" "$B/quire" "$B/quire-render" "$B/image/statclamp.so" "$R/bin/"
for n in 1 2; do
  echo "=== repro: build $n"
  mkdir -p "$R/$n"
  SOURCE_DATE_EPOCH=$QUIRE_EPOCH sh "$HERE/mkdeb.sh" "$R/bin" "$R/$n/quire.deb"
  SOURCE_DATE_EPOCH=$QUIRE_BASE_EPOCH sh "$HERE/mkbase.sh" "$R/$n/base.tar"
  SOURCE_DATE_EPOCH=$QUIRE_EPOCH sh "$HERE/mkimage.sh" "$R/$n/base.tar" "$R/$n/quire.deb" \
    "$R/bin/statclamp.so" "$R/$n/out"
done

status=0
for f in quire.deb base.tar out/quire.img out/quire.img.zst out/quire.qcow2 out/quire.manifest; do
  a=$(sha256sum <"$R/1/$f" | cut -d' ' -f1)
  b=$(sha256sum <"$R/2/$f" | cut -d' ' -f1)
  if [ "$a" = "$b" ]; then
    echo "same       $f  $a"
  else
    echo "DIFFERENT  $f  $a $b"
    status=1
  fi
done
if ! cmp -s "$R/1/base.tar" "$R/2/base.tar"; then
  echo "files that differ in the base tarball:"
  for n in 1 2; do tar -tvf "$R/$n/base.tar" | sort -k6 >"$R/$n/base.list"; done
  diff "$R/1/base.list" "$R/2/base.list" | head -n 40 || true
fi
if [ $status -eq 0 ]; then
  echo "reproducible: two clean builds gave identical images"
  rm -rf "$R"
else
  echo "NOT reproducible (builds kept in $R)"
fi
exit $status
