// The config file driving real agents (the shipped bundle, child processes) host-side: each agent
// is an airport hub (--iface none --airport-listen) on loopback UDP with a guest played by
// QemuAirportClient. Agent A runs from a config file only, with a pre-shared key; B and C from
// flags. A's file first lists B; SIGHUP after C is added makes A say HELLO to C and send it the
// hub's frames while B's session and counters carry on; SIGHUP after B is removed stops B's frames.
// A changed setting that needs a restart, and a broken file, change nothing and say so. B's [Peer]
// sets a Signal (logged at start, with the warning that a hub cannot apply it); changing it in the
// file applies it on SIGHUP.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QemuAirportClient } from "../../lab/qemu-airport-client.js";
import { freeUdpPort } from "../../lab/vm.js";
import { generatePresharedKey } from "../../src/tunnel/psk.js";
import { STATION_A, STATION_B, testFrame } from "../airport/frames.js";
import { AgentProcess, buildScratchBundle } from "./agent-process.js";

const HUB = 20;
let bundle: string;
let removeBundle: () => void;
let dir: string;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  ({ bundle, remove: removeBundle } = await buildScratchBundle("config-test"));
  dir = mkdtempSync(join(tmpdir(), "wt-config-"));
}, 60_000);

afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  removeBundle();
  rmSync(dir, { recursive: true, force: true });
});

const hex = (frames: readonly Buffer[]): string[] => frames.map((frame) => frame.toString("hex"));

describe("a config file drives a real agent, and SIGHUP re-reads it", () => {
  it("starts from the file alone, adds a peer on SIGHUP without disturbing the other, then removes one", async () => {
    const keyFile = join(dir, "key");
    writeFileSync(keyFile, generatePresharedKey());
    const [portA, portB, portC] = [await freeUdpPort(), await freeUdpPort(), await freeUdpPort()];
    const hub = (name: string): string => join(dir, `${name}.wifimedium_data.${HUB}.sock`);
    const conf = join(dir, "lab.conf");
    const agentSection = (listen: number): string => `# wifi-tunnel agent A of the test
[Agent]
Iface = none
AirportListen = ${HUB}
AirportSocket = ${hub("a")}
Listen = 127.0.0.1:${listen}
KeyFile = ${keyFile}
NodeName = anode
; the command line's --log-level debug wins over this
LogLevel = info
`;
    const peerB = `\n[Peer]\nName = b\nEndpoint = 127.0.0.1:${portB}\nSignal = -70\n`;
    const peerC = `\n[Peer]\n# added while A runs\nName = c\nEndpoint = 127.0.0.1:${portC}\nLoss = 0%\n`;
    writeFileSync(conf, agentSection(portA) + peerB);

    const byFlags = (name: string, port: number): AgentProcess =>
      AgentProcess.start(bundle, [
        ...["--iface", "none", "--airport-listen", `${HUB}`, "--airport-socket", hub(name)],
        ...["--listen", `127.0.0.1:${port}`, "--peer", `127.0.0.1:${portA}`],
        ...["--key-file", keyFile, "--node-name", `${name}node`],
        // Each agent its own control socket (the default is one per machine).
        ...["--control", join(dir, `${name}.ctl`)],
      ]);
    const a = AgentProcess.start(bundle, [
      "--config",
      conf,
      "--log-level",
      "debug",
      "--control",
      join(dir, "a.ctl"),
    ]);
    const b = byFlags("b", portB);
    const c = byFlags("c", portC);
    for (const agent of [a, b, c]) cleanups.push(() => agent.stop());

    await a.waitFor(/ready in .*: airport listen 20, UDP 127\.0\.0\.1:\d+, peers 127\.0\.0\.1:\d+$/);
    // Flags win over the file: debug lines although the file says info.
    await a.waitFor(/^\S+ debug: start-up: /);
    await a.waitFor(new RegExp(`info: peer b \\(127\\.0\\.0\\.1:${portB}\\) is up: node `));
    // B's link from its [Peer]; the hub cannot apply a signal, which A says once.
    await a.waitFor(
      new RegExp(
        `info: peer b \\(127\\.0\\.0\\.1:${portB}\\) link \\(configured\\): signal -70 dBm, loss 0%$`,
      ),
    );
    await a.waitFor(/warn: a link's signal is not applied on airport:20: /);
    await b.waitFor(new RegExp(`info: peer anode \\(127\\.0\\.0\\.1:${portA}\\) is up`));
    await c.waitFor(/info: medium airport:20 is up/);

    const guestA = await QemuAirportClient.connect(hub("a"), HUB);
    const guestB = await QemuAirportClient.connect(hub("b"), HUB);
    const guestC = await QemuAirportClient.connect(hub("c"), HUB);
    for (const guest of [guestA, guestB, guestC]) cleanups.push(() => guest.close());

    const first = testFrame({ transmitter: STATION_A, sequence: 1, length: 200 });
    guestA.sendFrame(first);
    expect(hex(await guestB.waitForFrames(1))).toEqual(hex([first]));
    guestB.sendFrame(testFrame({ transmitter: STATION_B, sequence: 2, length: 120 }));
    await guestA.waitForFrames(1);
    const before = AgentProcess.countersOf(await a.report(), `peer b (127.0.0.1:${portB})`);
    expect(before?.["frames-received"]).toBe(1);
    // C knows A, A does not know C yet: C's datagrams are a stranger's.
    expect(AgentProcess.countersOf(await a.report(), `peer c (127.0.0.1:${portC})`)).toBeNull();

    // Add C and reload.
    writeFileSync(conf, agentSection(portA) + peerB + peerC);
    let mark = a.lines.length;
    a.child.kill("SIGHUP");
    await a.waitFor(
      new RegExp(`reload: ${conf}: added 127\\.0\\.0\\.1:${portC}; 1 peer\\(s\\) carried on untouched`),
      mark,
    );
    await a.waitFor(new RegExp(`info: peer c \\(127\\.0\\.0\\.1:${portC}\\) added`), mark);
    await a.waitFor(new RegExp(`info: peer c \\(127\\.0\\.0\\.1:${portC}\\) is up: node `), mark);
    await c.waitFor(new RegExp(`info: peer anode \\(127\\.0\\.0\\.1:${portA}\\) is up`));

    const second = testFrame({ transmitter: STATION_A, sequence: 3, length: 1500 });
    guestA.sendFrame(second);
    expect(hex(await guestC.waitForFrames(1))).toEqual(hex([second]));
    expect(hex(await guestB.waitForFrames(2))).toEqual(hex([first, second]));
    guestB.sendFrame(testFrame({ transmitter: STATION_B, sequence: 4, length: 120 }));
    await guestA.waitForFrames(2);

    // B's session went on: its counters continued, nobody restarted, B never lost A.
    const report = await a.report();
    const after = AgentProcess.countersOf(report, `peer b (127.0.0.1:${portB})`);
    expect(after?.["frames-received"]).toBe(2);
    expect(after?.["datagrams-sent"]).toBeGreaterThan(before?.["datagrams-sent"] ?? Number.POSITIVE_INFINITY);
    expect(
      AgentProcess.countersOf(report, `peer c (127.0.0.1:${portC})`)?.["hellos-received"],
    ).toBeGreaterThan(0);
    for (const agent of [a, b])
      expect(agent.lines.filter((line) => / is restarted| has been silent/.test(line))).toEqual([]);

    // A setting that only a restart applies: one warning naming it; the peers are unchanged.
    writeFileSync(conf, agentSection(portA + 1) + peerB + peerC);
    mark = a.lines.length;
    a.child.kill("SIGHUP");
    await a.waitFor(/warn: reload: .*: Listen changed, which only a restart applies/, mark);
    await a.waitFor(/reload: .*: peers unchanged; 2 peer\(s\) carried on untouched/, mark);

    // A broken file changes nothing: one error line with the file, the line and what is expected.
    writeFileSync(conf, `${agentSection(portA)}Lisen = 1\n${peerC}`);
    mark = a.lines.length;
    a.child.kill("SIGHUP");
    await a.waitFor(
      new RegExp(
        `error: reload: ${conf} line 11: Lisen is not a key of \\[Agent\\]; expected one of .*; nothing changed`,
      ),
      mark,
    );

    // B's Signal changed in the file: applied at once, the sessions untouched.
    writeFileSync(conf, agentSection(portA) + peerB.replace("-70", "-75") + peerC);
    mark = a.lines.length;
    a.child.kill("SIGHUP");
    await a.waitFor(
      new RegExp(
        `reload: ${conf}: link changed for 127\\.0\\.0\\.1:${portB}; 2 peer\\(s\\) carried on untouched`,
      ),
      mark,
    );
    await a.waitFor(
      new RegExp(`peer b \\(127\\.0\\.0\\.1:${portB}\\) link \\(reload\\): signal -75 dBm, loss 0%$`),
      mark,
    );

    // Remove B: A sends it nothing more, and B's datagrams become a stranger's at A.
    writeFileSync(conf, agentSection(portA) + peerC);
    mark = a.lines.length;
    a.child.kill("SIGHUP");
    await a.waitFor(
      new RegExp(`reload: ${conf}: removed 127\\.0\\.0\\.1:${portB}; 1 peer\\(s\\) carried on`),
      mark,
    );
    const strangersBefore =
      AgentProcess.countersOf(await a.report(), "receive")?.["dropped-unknown-peer"] ?? Number.NaN;
    guestB.sendFrame(testFrame({ transmitter: STATION_B, sequence: 5, length: 120 }));
    for (;;) {
      const report = await a.report();
      expect(AgentProcess.countersOf(report, `peer b (127.0.0.1:${portB})`)).toBeNull();
      if ((AgentProcess.countersOf(report, "receive")?.["dropped-unknown-peer"] ?? 0) > strangersBefore)
        break;
    }
    const third = testFrame({ transmitter: STATION_A, sequence: 6, length: 300 });
    guestA.sendFrame(third);
    expect(hex(await guestC.waitForFrames(2))).toEqual(hex([second, third]));

    expect(await a.stop()).toBe(0);
  }, 120_000);

  it("a wrong key is one sentence naming the file and line, exit 2", async () => {
    const conf = join(dir, "wrong.conf");
    writeFileSync(conf, "[Agent]\nIface = none\nAirportListen = 20\n\n[Peer]\nEndpoint = 10.0.0.2:99999\n");
    const agent = AgentProcess.start(bundle, ["--config", conf]);
    expect(await agent.exited).toBe(2);
    expect(agent.lines.filter((line) => line !== "")).toEqual([
      `wifi-tunnel: ${conf} line 6: Endpoint: '99999' is not a UDP port (1-65535)`,
    ]);
  });
});
