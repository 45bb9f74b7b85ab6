#!/usr/bin/env bash
# Builds the peer system the benches compare with, Raizo62/vwifi (C++, CMake), from a source tree
# you provide, outside this checkout: scripts/build-vwifi.sh SRC_DIR [OUT_DIR]
# OUT_DIR (default /work/vwifi-build) then holds vwifi-server, vwifi-client, vwifi-ctrl and
# vwifi-add-interfaces; point the benches at it with VWIFI_DIR=OUT_DIR. Nothing here is needed by
# the tests or CI. How to get the source: docs/benchmarks.md, "vwifi side by side".
#
# Built with -DENABLE_VHOST=OFF: the lab's VMs have no vhost-vsock device, so client and server
# talk TCP over the VMs' Ethernet (vwifi's "Method 2"); with VHOST on, vwifi-server exits when it
# cannot open its AF_VSOCK listener.
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: scripts/build-vwifi.sh SRC_DIR [OUT_DIR]" >&2
  exit 2
fi
src=$(realpath "$1")
out=$(realpath -m "${2:-/work/vwifi-build}")

[ -f "$src/CMakeLists.txt" ] && [ -f "$src/src/vwifi-client.cc" ] || {
  echo "build-vwifi: $src is not a vwifi source tree (no CMakeLists.txt and src/vwifi-client.cc); see docs/benchmarks.md" >&2
  exit 1
}
case $out/ in
  /tmp/* | /run/*) echo "build-vwifi: $out is under /tmp or /run, which the lab's guests cannot see; pick a directory under /work" >&2; exit 1 ;;
esac

missing=()
for tool in cmake make g++ pkg-config; do command -v "$tool" >/dev/null || missing+=("$tool"); done
for lib in libnl-3.0 libnl-genl-3.0; do
  command -v pkg-config >/dev/null && pkg-config --exists "$lib" || missing+=("$lib (libnl-3-dev libnl-genl-3-dev)")
done
if ((${#missing[@]} > 0)); then
  echo "build-vwifi: missing ${missing[*]}; install them with: apt-get install cmake make g++ pkg-config libnl-3-dev libnl-genl-3-dev" >&2
  exit 1
fi

mkdir -p "$out"
cmake -S "$src" -B "$out" -DCMAKE_BUILD_TYPE=Release -DENABLE_VHOST=OFF >"$out/cmake.log" 2>&1 ||
  { cat "$out/cmake.log" >&2; echo "build-vwifi: cmake failed (log above, also in $out/cmake.log)" >&2; exit 1; }
make -C "$out" -j"$(nproc)" vwifi-server vwifi-client vwifi-ctrl vwifi-add-interfaces >"$out/make.log" 2>&1 ||
  { tail -30 "$out/make.log" >&2; echo "build-vwifi: make failed (tail above, all of it in $out/make.log)" >&2; exit 1; }

for binary in vwifi-server vwifi-client; do
  [ -x "$out/$binary" ] || { echo "build-vwifi: $out/$binary was not built (see $out/make.log)" >&2; exit 1; }
done
echo "build-vwifi: $("$out/vwifi-server" --version | sed 's/^Version : //') built in $out"
echo "run the benches with VWIFI_DIR=$out"
