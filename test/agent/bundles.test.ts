// Who asks for bundles: an agent with bundles on (the default, src/agent/agent.ts) whose media all
// take a burst advertises HelloCapability.bundles; one serving an airport guest (paced one message
// per turn) or run with bundles off does not, and its peers then send it one datagram per frame.
import { afterEach, describe, expect, it } from "vitest";
import { freeUdpPort } from "../../lab/vm.js";
import { Agent } from "../../src/agent/agent.js";
import { createLogger } from "../../src/log.js";
import type { LocalMedium } from "../../src/medium/medium.js";
import { HelloCapability } from "../../src/tunnel/constants.js";

const quiet = createLogger({ level: "error", write: () => {} });
const running: Agent[] = [];
afterEach(async () => {
  for (const agent of running.splice(0)) await agent.stop();
});

function medium(takesBundles: boolean | undefined): LocalMedium {
  return {
    name: "fake",
    ...(takesBundles === undefined ? {} : { takesBundles }),
    start: async () => {},
    deliver: () => ({ delivered: true }),
    counters: () => ({}),
    close: async () => {},
  };
}

async function capabilitiesSeenFrom(
  takesBundles: boolean | undefined,
  bundleBytes?: number,
): Promise<number | undefined> {
  const portA = await freeUdpPort();
  const b = new Agent({
    nodeId: 2,
    nodeName: "b",
    psk: null,
    listen: { address: "127.0.0.1", port: 0 },
    peers: [{ address: "127.0.0.1", port: portA }],
    media: [medium(takesBundles)],
    localRadioMacs: () => [],
    log: quiet,
    ...(bundleBytes === undefined ? {} : { bundleBytes }),
  });
  running.push(b);
  await b.start();
  const a = new Agent({
    nodeId: 1,
    nodeName: "a",
    psk: null,
    listen: { address: "127.0.0.1", port: portA },
    peers: [b.local!],
    media: [medium(undefined)],
    localRadioMacs: () => [],
    log: quiet,
  });
  running.push(a);
  await a.start();
  const started = Date.now();
  while (a.peers.all()[0].identity === null && Date.now() - started < 5000)
    await new Promise((resolve) => setTimeout(resolve, 10));
  return a.peers.all()[0].identity?.capabilities;
}

describe("the bundles capability", () => {
  it("is advertised by default, and by an agent with bundles on, whose media take them", async () => {
    expect(await capabilitiesSeenFrom(undefined)).toBe(HelloCapability.bundles);
    expect(await capabilitiesSeenFrom(undefined, 8192)).toBe(HelloCapability.bundles);
    expect(await capabilitiesSeenFrom(true, 8192)).toBe(HelloCapability.bundles);
  });

  it("is not advertised with a medium that is paced per frame, or with bundles off", async () => {
    expect(await capabilitiesSeenFrom(false, 8192)).toBe(0);
    expect(await capabilitiesSeenFrom(false)).toBe(0);
    expect(await capabilitiesSeenFrom(undefined, 0)).toBe(0);
  });
});
