// Only for the build's code-cache run (scripts/bundle.mjs sets WIFI_TUNNEL_WRITE_CODE_CACHE=1 and
// runs the agent airport-only, since the build machine has no hwsim): walks the hwsim path as far
// as a machine without the interface allows, so that V8's code cache also holds netlink's and
// pcap's JavaScript and the generic netlink parsing. Without it those were compiled at every start
// (the hwsim path's import and nl80211 open took 1.1 s of 3.2 s in a TCG guest, measured with
// --log-level debug). It changes nothing: the interface it asks for does not exist.

import type { Logger } from "../log.js";
import type { AgentConfig } from "./config.js";

const ABSENT_IFACE = "wt-warmup0";

export async function warmUpHwsimPath(config: AgentConfig, log: Logger): Promise<void> {
  const { hwsimMedium } = await import("./hwsim-path.js");
  try {
    const { medium } = await hwsimMedium(
      { ...config, iface: ABSENT_IFACE, uniqueMacs: false },
      ABSENT_IFACE,
      log,
    );
    await medium.close();
  } catch {
    // Expected: no such interface.
  }
  // --medium netlink up to its family lookup (the build machine has no MAC80211_HWSIM).
  const { registeredMedium } = await import("./registered-path.js");
  try {
    const { medium } = await registeredMedium({ ...config, medium: "netlink", uniqueMacs: false }, log);
    await medium.close();
  } catch {
    // Expected: no hwsim family.
  }
  // The radio backend's start: generic netlink family resolution (nl80211, MAC80211_HWSIM).
  const { WirelessControl } = await import("../os/netlink/nl80211.js");
  try {
    (await WirelessControl.open()).close();
  } catch {
    // Expected: no nl80211 on the build machine.
  }
}
