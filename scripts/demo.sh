#!/usr/bin/env bash
# The main job on its embedded default, from a fresh Debian 12 machine (as root): installs what is
# missing, builds, then boots two throwaway VMs with this agent, an AP in one and a station in the
# other, and shows association and traffic across the tunnel.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node dist/lab/demo.js
