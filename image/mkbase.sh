#!/bin/sh
# mkbase.sh OUT.tar: builds the appliance's base root file system (Debian 12 minbase plus
# image/base/packages) with mmdebstrap in unshare mode into a tarball. This is the slow,
# rarely changing stage; image/mkimage.sh adds the project layer on top of it.
# Reproducible: SOURCE_DATE_EPOCH fixes every time stamp; mmdebstrap writes the tar sorted.
# dpkg runs under eatmydata (no fsync while unpacking: the tarball is written at the end).
set -eu
OUT=$1
HERE=$(cd "$(dirname "$0")" && pwd)
: "${SOURCE_DATE_EPOCH:?set SOURCE_DATE_EPOCH}"
export SOURCE_DATE_EPOCH
MIRROR=${QUIRE_MIRROR:-http://deb.debian.org/debian}
SECURITY=${QUIRE_SECURITY_MIRROR:-http://deb.debian.org/debian-security}

# Unshare mode maps the chroot's users to a subordinate id range of the caller: add one for
# the building user when it has none (root on a clean CI machine has none).
me=$(id -un)
for f in /etc/subuid /etc/subgid; do
  if ! grep -q "^$me:" "$f" 2>/dev/null; then
    if [ "$(id -u)" -ne 0 ]; then
      echo "mkbase: $f has no range for $me; as root: usermod --add-subuids 100000-165535 --add-subgids 100000-165535 $me" >&2
      exit 1
    fi
    echo "mkbase: adding $me:100000:65536 to $f (mmdebstrap's unshare mode needs it)"
    echo "$me:100000:65536" >>"$f"
  fi
done

pkgs=$(grep -v '^#' "$HERE/base/packages" | tr '\n' ',' | sed 's/,,*/,/g; s/^,//; s/,$//')
# The patterns go to dpkg as they are: no globbing here (it would expand them against the
# build machine's own files).
set -f
set --
for p in $(grep -v '^#' "$HERE/base/dpkg-excludes"); do
  set -- "$@" --dpkgopt="path-exclude=$p"
done
set +f

mkdir -p "$(dirname "$OUT")"
mmdebstrap --mode=unshare --variant=minbase --format=tar \
  --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
  --hook-dir=/usr/share/mmdebstrap/hooks/eatmydata \
  --aptopt='Acquire::Retries "3"' \
  "$@" \
  --setup-hook='mkdir -p "$1/etc/initramfs-tools/conf.d"' \
  --setup-hook="cp '$HERE/base/initramfs.conf' \"\$1/etc/initramfs-tools/conf.d/quire.conf\"" \
  --customize-hook="sh '$HERE/base/customize.sh' \"\$1\"" \
  --include="$pkgs" \
  bookworm "$OUT.tmp" \
  "deb $MIRROR bookworm main" \
  "deb $MIRROR bookworm-updates main" \
  "deb $SECURITY bookworm-security main"
mv "$OUT.tmp" "$OUT"
