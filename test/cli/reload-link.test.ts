// SIGHUP's reload (src/cli/reload.ts) of the peers' links, against a real agent on loopback with a
// config source the test rewrites: a link the file changes is applied; a value the file leaves as
// it was keeps what `set peer` made of it; a peer added by the file starts with its link.

import { afterEach, describe, expect, it } from "vitest";
import { Agent } from "../../src/agent/agent.js";
import { DEFAULT_LINK, type Link } from "../../src/agent/link-model.js";
import type { Peer } from "../../src/agent/peer.js";
import type { AgentConfig, PeerConfig } from "../../src/cli/config.js";
import type { AgentConfigSource } from "../../src/cli/config-load.js";
import { type RunningConfig, reloadConfig } from "../../src/cli/reload.js";
import { createLogger } from "../../src/log.js";
import { ok } from "../../src/result.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const base: AgentConfig = {
  peers: [],
  listen: { host: "127.0.0.1", port: 0 },
  iface: null,
  medium: "monitor",
  keyFile: null,
  injectPhy: null,
  uniqueMacs: false,
  nodeName: "a",
  logLevel: "info",
  statsIntervalSeconds: 0,
  airport: null,
  control: null,
  metrics: null,
  capture: null,
};

const peer = (port: number, link: Link = DEFAULT_LINK): PeerConfig => ({
  host: "127.0.0.1",
  port,
  name: `p${port}`,
  link,
});

describe("reload applies the links the file changed", () => {
  it("changed values apply, unchanged ones keep the run-time value, added peers start with theirs", async () => {
    const lines: string[] = [];
    const log = createLogger({ level: "info", write: (line) => lines.push(line), timestamps: false });
    let file: AgentConfig = { ...base, peers: [peer(9001)] };
    const source: AgentConfigSource = { path: "/etc/wifi-tunnel/lab.conf", load: () => ok(file) };
    const agent = new Agent({
      nodeId: 1,
      nodeName: "a",
      psk: null,
      listen: { address: "127.0.0.1", port: 0 },
      peers: [{ address: "127.0.0.1", port: 9001, name: "p9001" }],
      media: [],
      localRadioMacs: () => [],
      log,
    });
    await agent.start();
    cleanups.push(() => agent.stop());
    const resolve = async (p: PeerConfig) => ({ address: p.host, port: p.port });
    const linkOf = (port: number): Link | undefined => {
      const found: Peer | undefined = agent.peers.configuredAt({ address: "127.0.0.1", port });
      return found === undefined ? undefined : agent.links.get(found);
    };
    let running: RunningConfig = {
      config: file,
      peers: [{ config: file.peers[0] as PeerConfig, endpoint: { address: "127.0.0.1", port: 9001 } }],
    };
    const reload = async (): Promise<string[]> => {
      const mark = lines.length;
      running = await reloadConfig(running, source, agent, resolve, log);
      return lines.slice(mark);
    };

    file = { ...base, peers: [peer(9001, { signalDbm: -70, lossPercent: 0 })] };
    expect(await reload()).toEqual([
      "info: peer p9001 (127.0.0.1:9001) link (reload): signal -70 dBm, loss 0%",
      "info: reload: /etc/wifi-tunnel/lab.conf: link changed for 127.0.0.1:9001; 1 peer(s) carried on untouched",
    ]);
    expect(linkOf(9001)).toEqual({ signalDbm: -70, lossPercent: 0 });

    // `set peer` at run time, then a reload of the same file: the file did not change, nothing does.
    const p9001 = agent.peers.configuredAt({ address: "127.0.0.1", port: 9001 });
    if (p9001 === undefined) throw new Error("no peer");
    agent.setLink(p9001, { lossPercent: 50 }, "set peer");
    expect(await reload()).toEqual([
      "info: reload: /etc/wifi-tunnel/lab.conf: peers unchanged; 1 peer(s) carried on untouched",
    ]);
    expect(linkOf(9001)).toEqual({ signalDbm: -70, lossPercent: 50 });

    // The file changes Loss only: the loss follows it, the signal stays; a new peer brings its link.
    file = {
      ...base,
      peers: [
        peer(9001, { signalDbm: -70, lossPercent: 10 }),
        peer(9002, { signalDbm: null, lossPercent: 2.5 }),
      ],
    };
    const said = await reload();
    expect(said).toContain("info: peer p9001 (127.0.0.1:9001) link (reload): signal -70 dBm, loss 10%");
    expect(said).toContain(
      "info: peer p9002 (127.0.0.1:9002) link (configured): signal as the medium gives it, loss 2.5%",
    );
    expect(said.at(-1)).toBe(
      "info: reload: /etc/wifi-tunnel/lab.conf: added 127.0.0.1:9002; link changed for 127.0.0.1:9001; 1 peer(s) carried on untouched",
    );
    expect(linkOf(9001)).toEqual({ signalDbm: -70, lossPercent: 10 });
    expect(linkOf(9002)).toEqual({ signalDbm: null, lossPercent: 2.5 });

    // Keys taken out of the file: back to the default link.
    file = { ...base, peers: [peer(9001), peer(9002, { signalDbm: null, lossPercent: 2.5 })] };
    await reload();
    expect(linkOf(9001)).toEqual(DEFAULT_LINK);
    expect(linkOf(9002)).toEqual({ signalDbm: null, lossPercent: 2.5 });
  });
});
