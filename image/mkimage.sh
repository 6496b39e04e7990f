#!/bin/sh
# mkimage.sh BASE.tar QUIRE.deb STATCLAMP.so OUTDIR: the fast stage of `make image`. Unpacks
# the cached base root file system, installs the quire package and the appliance files
# (image/overlay) without a chroot, and assembles a GPT disk image from plain files: an ext4
# root made by `mke2fs -d`, an EFI system partition (FAT, filled with mtools) with systemd-boot,
# the kernel and the initramfs, and a partition table written by sfdisk. No loop devices, no
# mounts. Writes OUTDIR/quire.img, quire.img.zst, quire.qcow2, quire.manifest, SHA256SUMS.
# Reproducible: same inputs and SOURCE_DATE_EPOCH give the same bytes (make image-repro).
set -eu
BASE=$1
DEB=$2
CLAMP=$3
OUT=$4
HERE=$(cd "$(dirname "$0")" && pwd)
: "${SOURCE_DATE_EPOCH:?set SOURCE_DATE_EPOCH}"
export SOURCE_DATE_EPOCH
export LC_ALL=C TZ=UTC

# Fixed identifiers, so that two builds are identical. Every appliance flashed from one image
# shares them; the machine-id, keys and queue UUIDs are what tells appliances apart.
DISK_GUID=8d2f6a4e-51c1-4a0b-9d7e-7175697265a0
ESP_GUID=8d2f6a4e-51c1-4a0b-9d7e-7175697265a1
ROOT_GUID=8d2f6a4e-51c1-4a0b-9d7e-7175697265a2
ROOT_FS_UUID=8d2f6a4e-51c1-4a0b-9d7e-7175697265a3
ROOT_HASH_SEED=8d2f6a4e-51c1-4a0b-9d7e-7175697265a4
ESP_VOLID=51c14a0b
ESP_MIB=${QUIRE_ESP_MIB:-128}
CMDLINE="root=PARTUUID=$ROOT_GUID rw quiet systemd.show_status=yes console=tty0 console=ttyS0,115200"

step=0
t0=$(date +%s)
say() { step=$((step + 1)); echo "[image $step/9 +$(( $(date +%s) - t0 ))s] $*"; }

# The work tree is outside build/: the top Makefile includes every *.d below build/.
W=$(mktemp -d "${TMPDIR:-/var/tmp}/quire-image.XXXXXX")
trap 'rm -rf "$W"' EXIT
R=$W/root
mkdir -p "$R" "$OUT"

say "unpacking the base root file system ($(du -h "$BASE" | cut -f1))"
tar -C "$R" --numeric-owner --xattrs --xattrs-include='*' -xpf "$BASE"

say "installing $(basename "$DEB") (dpkg --root, maintainer scripts without chroot)"
dpkg --root="$R" --force-script-chrootless --log=/dev/null -i "$DEB" >"$W/dpkg.log" 2>&1 ||
  { cat "$W/dpkg.log" >&2; echo "mkimage: installing the package failed" >&2; exit 1; }

say "adding the appliance files (image/overlay)"
cp -a --no-preserve=ownership "$HERE/overlay/." "$R/"
install -m 0644 "$R/usr/share/quire/quire.conf" "$R/etc/quire/quire.conf"
cat >"$R/etc/fstab" <<FSTAB
# The appliance's root file system; quire-growroot.service grows it to fill the disk.
PARTUUID=$ROOT_GUID / ext4 rw,noatime,errors=remount-ro 0 1
FSTAB
systemctl --root="$R" enable systemd-networkd.service systemd-resolved.service \
  quire-growroot.service quire-factory-reset.service quire-setup-apply.service \
  quire-setup-apply.path >/dev/null 2>&1
# Nothing waits for the network at boot, and an appliance updated by reflashing needs no apt
# timers.
systemctl --root="$R" disable systemd-networkd-wait-online.service e2scrub_reap.service \
  apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer >/dev/null 2>&1 || true
ln -sf ../run/systemd/resolve/stub-resolv.conf "$R/etc/resolv.conf"
# Nothing that identifies one machine may be baked in.
echo uninitialized >"$R/etc/machine-id"
rm -rf "$R/var/lib/quire/"* "$R/var/log/journal/"* "$R/var/lib/systemd/random-seed" "$R/var/lib/systemd/credential.secret"
ls -A "$R/etc/quire" | grep -qv '^quire.conf$' && { echo "mkimage: unexpected files in /etc/quire" >&2; exit 1; }
# What changed here gets the same fixed time as the rest of the tree.
find "$R" -newermt "@$SOURCE_DATE_EPOCH" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

say "writing the package manifest"
dpkg-query --admindir="$R/var/lib/dpkg" -W -f='${Package}\t${Version}\t${Architecture}\n' | sort >"$OUT/quire.manifest"

say "building the EFI system partition (systemd-boot, kernel, initramfs) with mtools"
kver=$(ls "$R/usr/lib/modules" | sort -V | tail -n 1)
E=$W/esp
mkdir -p "$E/EFI/BOOT" "$E/EFI/systemd" "$E/loader/entries" "$E/quire"
cp "$R/usr/lib/systemd/boot/efi/systemd-bootx64.efi" "$E/EFI/BOOT/BOOTX64.EFI"
cp "$R/usr/lib/systemd/boot/efi/systemd-bootx64.efi" "$E/EFI/systemd/systemd-bootx64.efi"
cp "$R/boot/vmlinuz-$kver" "$E/quire/vmlinuz"
cp "$R/boot/initrd.img-$kver" "$E/quire/initrd.img"
printf 'default quire.conf\ntimeout 2\neditor no\nconsole-mode keep\n' >"$E/loader/loader.conf"
printf 'title quire print gateway\nlinux /quire/vmlinuz\ninitrd /quire/initrd.img\noptions %s\n' \
  "$CMDLINE" >"$E/loader/entries/quire.conf"
printf 'title quire: factory reset (deletes jobs, users and the set-up)\nlinux /quire/vmlinuz\ninitrd /quire/initrd.img\noptions %s quire.factory-reset\n' \
  "$CMDLINE" >"$E/loader/entries/quire-factory-reset.conf"
find "$E" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
rm -f "$W/esp.img"
mkfs.fat --invariant -F 32 -i "$ESP_VOLID" -n QUIRE-ESP -C "$W/esp.img" $((ESP_MIB * 1024)) >/dev/null
(cd "$E" && find . -mindepth 1 -type d | sort | sed 's|^\./||' | while read -r d; do
   mmd -i "$W/esp.img" "::$d"; done
 find . -type f | sort | sed 's|^\./||' | while read -r f; do
   mcopy -m -i "$W/esp.img" "$f" "::$f"; done)

say "building the ext4 root file system (mke2fs -d)"
used_mib=$(du -s --block-size=1M "$R" | cut -f1)
root_mib=$(( (used_mib * 12 / 10 + 128 + 3) / 4 * 4 ))
rm -f "$W/root.img"
LD_PRELOAD=$CLAMP E2FSPROGS_FAKE_TIME=$SOURCE_DATE_EPOCH \
  mkfs.ext4 -q -F -L quire-root -U "$ROOT_FS_UUID" -I 256 -T default \
    -E "hash_seed=$ROOT_HASH_SEED,lazy_itable_init=0,lazy_journal_init=0,root_owner=0:0" \
    -d "$R" "$W/root.img" "${root_mib}M"

say "assembling the GPT disk (sfdisk on a plain file)"
img=$OUT/quire.img
rm -f "$img"
esp_start=2048
root_start=$((esp_start + ESP_MIB * 2048))
total=$((root_start + root_mib * 2048 + 2048))
truncate -s $((total * 512)) "$img"
sfdisk --quiet --no-reread --no-tell-kernel "$img" <<TABLE
label: gpt
label-id: $DISK_GUID
unit: sectors
sector-size: 512
first-lba: 2048

start=$esp_start, size=$((ESP_MIB * 2048)), type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, uuid=$ESP_GUID, name="esp"
start=$root_start, size=$((root_mib * 2048)), type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709, uuid=$ROOT_GUID, name="root-x86-64"
TABLE
dd if="$W/esp.img" of="$img" bs=1M seek=1 conv=notrunc,sparse status=none
dd if="$W/root.img" of="$img" bs=1M seek=$((1 + ESP_MIB)) conv=notrunc,sparse status=none
touch -d "@$SOURCE_DATE_EPOCH" "$img"

say "compressing: quire.img.zst (for flashing) and quire.qcow2 (for VMs)"
rm -f "$OUT/quire.qcow2"
# Both at once (two cores). qcow2 with zstd clusters needs QEMU 5.1 or later to read.
zstd -q -f -T0 -6 --no-progress "$img" -o "$img.zst" &
zpid=$!
qemu-img convert -q -f raw -O qcow2 -c -o compression_type=zstd "$img" "$OUT/quire.qcow2"
wait $zpid
touch -d "@$SOURCE_DATE_EPOCH" "$img.zst" "$OUT/quire.qcow2"

say "checksums"
(cd "$OUT" && sha256sum quire.img quire.img.zst quire.qcow2 quire.manifest >SHA256SUMS)
cat "$OUT/SHA256SUMS"
ls -l "$img" "$img.zst" "$OUT/quire.qcow2" | awk '{printf "  %-40s %6d MiB\n", $9, $5 / 1048576}'
echo "image: done in $(( $(date +%s) - t0 )) s"
