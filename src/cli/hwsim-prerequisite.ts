// Why the hwsim path cannot start, as the one sentence the agent and `doctor` print: whether the
// kernel has a Wi-Fi stack at all, has mac80211_hwsim, has it loaded, and has the capture
// interface. Each names the fix.

import type { SystemProbe } from "../os/system/probe.js";

export const IFACE_NONE_HINT = "or --iface none for a host-side airport agent";

/** Null if the kernel side is ready: hwsim loaded and `iface` present. */
export function hwsimProblem(system: SystemProbe, iface: string): string | null {
  const release = system.kernelRelease();
  const has = (name: string): boolean => system.moduleLoaded(name) || system.moduleAvailable(name);
  if (!has("cfg80211")) {
    return `this kernel (${release}) has no Wi-Fi stack (cfg80211): run the agent in a VM whose kernel has mac80211_hwsim (Debian's linux-image-amd64 does), ${IFACE_NONE_HINT}`;
  }
  if (!has("mac80211_hwsim")) {
    return `this kernel (${release}) has no mac80211_hwsim: install its modules (Debian's linux-image-amd64 has it) and modprobe mac80211_hwsim radios=1, ${IFACE_NONE_HINT}`;
  }
  if (!system.moduleLoaded("mac80211_hwsim")) {
    return `mac80211_hwsim is not loaded: modprobe mac80211_hwsim radios=1, ${IFACE_NONE_HINT}`;
  }
  if (!system.interfaceExists(iface)) {
    return `mac80211_hwsim is loaded but there is no interface ${iface}: pass --iface with hwsim's monitor interface (see ip link), or reload the driver (modprobe -r mac80211_hwsim && modprobe mac80211_hwsim radios=1)`;
  }
  return null;
}
