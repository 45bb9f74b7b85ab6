#!/usr/bin/env bash
# Installs what wifi-tunnel's tests and lab need on Debian 12, then builds the checkout.
# Idempotent: packages already present are not reinstalled, npm ci runs only when needed.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: the VM lab (QEMU, the stock kernel with mac80211_hwsim, busybox for the
# initramfs), the Wi-Fi daemons it drives, libpcap for the pcap addon, and tcpdump/tshark that the
# tests compare `inspect` against.
PACKAGES=(
  qemu-system-x86 linux-image-amd64 busybox-static cpio kmod iproute2 procps
  hostapd wpasupplicant iw iperf3 iputils-ping
  wireless-regdb iwd dbus openssl
  tcpdump tshark libpcap-dev
  make g++ python3
)

missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]} > 0)); then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing Debian packages: ${missing[*]}; run this as root (or apt-get install them)" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # tshark asks whether non-root users may capture; the answer does not matter here.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

node_major=$(node -p 'process.versions.node.split(".").map(Number).slice(0,2).join(".")' 2>/dev/null || echo 0)
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' 2>/dev/null; then
  echo "setup: wifi-tunnel needs Node.js >= 20.19 (found ${node_major})" >&2
  exit 1
fi

# npm ci when node_modules is missing or older than the lock file.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  # No fallback to npm install: it would hide a lock file npm ci refuses behind a screen of
  # `npm error` (issue 13). The lock lists every platform's optional packages of biome and esbuild,
  # which npm ci requires; test/setup/lock-file.test.ts keeps it so.
  npm ci --no-audit --no-fund
fi

echo "setup: building"
npx tsc -p tsconfig.json
# The single-file CLI that "bin", the systemd units and the lab run (scripts/bundle.mjs says why).
node scripts/bundle.mjs
