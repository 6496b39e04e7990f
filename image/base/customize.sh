#!/bin/sh
# customize.sh ROOT: last step of the base build (mmdebstrap --customize-hook). Leaves no
# machine identity in the tree: systemd creates /etc/machine-id at the first boot.
set -eu
R=$1
echo uninitialized >"$R/etc/machine-id"
rm -f "$R/var/lib/dbus/machine-id"
echo quire >"$R/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tquire\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$R/etc/hosts"
rm -f "$R/etc/ssh/ssh_host_"* "$R/var/lib/systemd/random-seed" "$R/var/cache/ldconfig/aux-cache"
rm -rf "$R/var/lib/apt/lists/"* "$R/var/cache/apt/"*.bin "$R/var/log/"*.log "$R/var/log/apt/"*
