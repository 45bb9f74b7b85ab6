#!/bin/busybox sh
# PID 1 inside the lab VM's initramfs. It borrows the host's whole userland instead of shipping one:
# the host root arrives read-only over virtio-9p, a tmpfs overlay makes it writable (changes die with
# the VM), a second 9p share carries results back, then after-switch-root.sh runs the guest script
# (with lab_init=systemd the script prepares the new root instead, and systemd boots it).
# Settings come from the kernel command line: lab_ip=<addr/len> lab_hostname=<name> lab_init=systemd.

/bin/busybox --install -s /bin
export PATH=/bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

die() {
  echo "lab-init: $*"
  echo o >/proc/sysrq-trigger
  sleep 10
}

# Read now: /proc moves into the new root below.
cmdline=$(cat /proc/cmdline)
cmdline_value() {
  for word in $cmdline; do
    case "$word" in "$1="*) echo "${word#*=}" ;; esac
  done
}

# /modules/load-order lists the modules dependencies first (initramfs.ts resolved it from modules.dep).
for module in $(cat /modules/load-order); do
  insmod "/modules/$module.ko" || die "insmod $module failed"
done

# msize: the 9p message size; the default (8 KiB on older kernels) makes every file read crawl.
# cache=loose on the read-only root lets the guest page cache keep what it read (node, libraries).
mkdir -p /lower /rw /newroot
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=loose,ro hostroot /lower ||
  die "cannot mount the host root over 9p"
mount -t tmpfs -o mode=0755 tmpfs /rw
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay /newroot ||
  die "cannot mount the overlay"
mkdir -p /newroot/share
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 share /newroot/share || die "cannot mount the share"

mount --move /proc /newroot/proc
mount --move /sys /newroot/sys
mount --move /dev /newroot/dev
mkdir -p /newroot/dev/pts /newroot/dev/shm
# devtmpfs lacks the links udev would make; bash process substitution needs /dev/fd.
ln -s /proc/self/fd /newroot/dev/fd
ln -s /proc/self/fd/0 /newroot/dev/stdin
ln -s /proc/self/fd/1 /newroot/dev/stdout
ln -s /proc/self/fd/2 /newroot/dev/stderr
mount -t devpts devpts /newroot/dev/pts
mount -t tmpfs tmpfs /newroot/dev/shm
mount -t tmpfs tmpfs /newroot/tmp
mount -t tmpfs -o mode=0755 tmpfs /newroot/run

hostname "$(cmdline_value lab_hostname)"
ip link set lo up
address=$(cmdline_value lab_ip)
if [ -n "$address" ]; then
  ip addr add "$address" dev eth0 && ip link set eth0 up || die "cannot configure eth0 with $address"
  # LAB_KERNEL_ARGS="lab_mtu=N": the VMs' Ethernet MTU, for benches that compare it with 1500 (a
  # VM without Ethernet, the one-VM baseline, has none to set).
  mtu=$(cmdline_value lab_mtu)
  if [ -n "$mtu" ]; then
    ip link set eth0 mtu "$mtu" || die "cannot set eth0's MTU to $mtu"
  fi
fi

# The host's machine-id would be every VM's: give each VM its own.
tr -d "-" </newroot/proc/sys/kernel/random/uuid >/newroot/etc/machine-id

if [ "$(cmdline_value lab_init)" = systemd ]; then
  # The guest script prepares the new root as an image build would (vm.ts, VmSpec.init), then
  # systemd boots it; the units the script enabled do the work and power the VM off.
  echo "lab: guest script starting"
  chroot /newroot /bin/bash -c 'export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root && . /share/lab.env && cd /share && exec /bin/bash /share/guest-script.sh' </newroot/dev/null || {
    # die() cannot power off from here: /proc has moved into the new root.
    echo "lab-init: the guest script failed to prepare the image"
    echo o >/newroot/proc/sysrq-trigger
    sleep 10
  }
  exec switch_root /newroot /lib/systemd/systemd
fi

cp /after-switch-root.sh /newroot/run/after-switch-root.sh
exec switch_root /newroot /bin/sh /run/after-switch-root.sh
