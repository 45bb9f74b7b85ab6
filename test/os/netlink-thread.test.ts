// The netlink worker's message protocol (src/os/netlink/thread*.ts) over a real MessageChannel,
// served by a recording double instead of kernel sockets: Buffers arrive as Buffers both ways,
// a failed request fails only its own call, a failed open rejects open(), close reaches the ops.
// The kernel side is exercised in a VM by bench/netlink-thread.ts.

import { MessageChannel } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import type { MonitorRequest, WirelessInterface } from "../../src/os/netlink/nl80211.js";
import { ThreadWirelessOps } from "../../src/os/netlink/thread.js";
import { serveWirelessOps } from "../../src/os/netlink/thread-serve.js";
import type { WirelessOps } from "../../src/os/netlink/wireless-ops.js";

class RecordingOps implements WirelessOps {
  readonly calls: string[] = [];
  closed = false;
  async newRadio(name: string, permAddr: Buffer): Promise<number> {
    this.calls.push(`newRadio ${name} ${Buffer.isBuffer(permAddr)} ${permAddr.toString("hex")}`);
    return 7;
  }
  async wiphyByName(name: string): Promise<number | null> {
    return name === "wtphy2437" ? 3 : null;
  }
  async addMonitor(request: MonitorRequest): Promise<number> {
    this.calls.push(`addMonitor ${request.ifname} ${request.mac ? Buffer.isBuffer(request.mac) : "-"}`);
    return 42;
  }
  async deleteInterface(ifindex: number): Promise<void> {
    throw new Error(`no interface ${ifindex}`);
  }
  async setFrequency(ifindex: number, freqMhz: number): Promise<void> {
    this.calls.push(`setFrequency ${ifindex} ${freqMhz}`);
  }
  async setLinkUp(ifindex: number, options: { mtu?: number } = {}): Promise<void> {
    this.calls.push(`setLinkUp ${ifindex} ${options.mtu}`);
  }
  async interfaces(): Promise<WirelessInterface[]> {
    return [
      {
        ifindex: 5,
        ifname: "wlan0",
        wiphy: 0,
        iftype: "STATION",
        mac: Buffer.from("020000000100", "hex"),
        freqMhz: 2437,
      },
    ];
  }
  async linkIsUp(): Promise<boolean> {
    return true;
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

async function served(open: () => Promise<WirelessOps>): Promise<ThreadWirelessOps> {
  const { port1, port2 } = new MessageChannel();
  serveWirelessOps(port2, open);
  return ThreadWirelessOps.over(port1);
}

describe("netlink worker protocol", () => {
  it("carries calls and results, Buffers intact both ways", async () => {
    const double = new RecordingOps();
    const ops = await served(async () => double);
    expect(await ops.newRadio("wtphy2437", Buffer.from("0211223344aa", "hex"))).toBe(7);
    expect(await ops.wiphyByName("wtphy2437")).toBe(3);
    expect(await ops.wiphyByName("phy9")).toBeNull();
    expect(
      await ops.addMonitor({
        wiphy: 3,
        ifname: "wt2437a0",
        active: true,
        mac: Buffer.from("020000000200", "hex"),
      }),
    ).toBe(42);
    await ops.setLinkUp(42, { mtu: 2400 });
    await ops.setFrequency(42, 2437);
    const [iface] = await ops.interfaces();
    expect(Buffer.isBuffer(iface.mac)).toBe(true);
    expect(iface.mac.toString("hex")).toBe("020000000100");
    expect(double.calls).toEqual([
      "newRadio wtphy2437 true 0211223344aa",
      "addMonitor wt2437a0 true",
      "setLinkUp 42 2400",
      "setFrequency 42 2437",
    ]);
    await ops.close();
    expect(double.closed).toBe(true);
  });

  it("fails only the call that failed", async () => {
    const ops = await served(async () => new RecordingOps());
    await expect(ops.deleteInterface(9)).rejects.toThrow("no interface 9");
    expect(await ops.linkIsUp(5)).toBe(true);
    await ops.close();
  });

  it("rejects open with the reason the sockets could not be opened", async () => {
    await expect(served(async () => Promise.reject(new Error("no MAC80211_HWSIM family")))).rejects.toThrow(
      "no MAC80211_HWSIM family",
    );
  });
});
