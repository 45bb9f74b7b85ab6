// The agent makes the kernel ciphers of the first CCMP and BIP key itself (src/os/system/
// kernel-ciphers.ts): in a fresh guest with the agent and no Wi-Fi daemon, ccm(aes) and cmac(aes)
// are absent before it starts and present once it says so, and no IPsec state is left behind.
// Why it matters: made inside wpa_supplicant's first NL80211_CMD_NEW_KEY instead, they held the
// station's beacons for 2.1-2.4 s in a TCG guest and cost a CTRL-EVENT-BEACON-LOSS (issue 8).

import { describe, expect, it } from "vitest";
import { consoleTail, readGuestFile, runKernelCiphers } from "../../lab/scenarios.js";
import { labUnavailableReason } from "../../lab/vm.js";

const unavailable = labUnavailableReason();
const title = unavailable === undefined ? "kernel ciphers" : `kernel ciphers (skipped: ${unavailable})`;

describe.skipIf(unavailable !== undefined)(title, () => {
  it("the agent alone makes ccm(aes) and cmac(aes) and leaves no xfrm state", async () => {
    const { vm, results } = await runKernelCiphers();
    expect(results, consoleTail(vm)).toBeDefined();
    expect(results).toMatchObject({ ccm_before: false, cmac_before: false });
    expect(results).toMatchObject({ ccm_after: true, cmac_after: true, xfrm_states: 0, agent_exit_code: 0 });
    expect(readGuestFile(vm, "agent.log")).toContain(
      "kernel ciphers ccm(aes) and cmac(aes) made ahead of the first key",
    );
  }, 300_000);
});
