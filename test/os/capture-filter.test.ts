// The capture filter that keeps our own injections' echoes in the kernel, compiled and run by the
// real libpcap over a real hwsim0 recording (test/fixtures, radiotap): with the AP's address named,
// exactly the AP's frames stay out and the station's come through.

import { join } from "node:path";
import pcap from "pcap";
import { describe, expect, it } from "vitest";
import { captureFilter, HWSIM_CAPTURE_FILTER } from "../../src/agent/hwsim-medium.js";
import { readAddress2 } from "../../src/ieee80211/frame.js";
import { decodeRadiotap } from "../../src/radiotap/radiotap.js";

const FIXTURE = join(import.meta.dirname, "..", "fixtures", "hwsim0-wpa2.pcap");
const AP = 0x02_00_00_00_00_00;
const STATION = 0x02_00_00_00_01_00;

/** Transmitters of the fixture's frames that pass `filter`, as libpcap runs it. */
function transmittersThrough(filter: string): Promise<number[]> {
  return new Promise((resolve) => {
    const seen: number[] = [];
    const session = pcap.createOfflineSession(FIXTURE, { filter });
    session.on("packet", ({ buf, header }) => {
      const decoded = decodeRadiotap(Buffer.from(buf.subarray(0, header.readUInt32LE(8))));
      if (!decoded.ok) return;
      const ta = readAddress2(decoded.value.frame);
      if (ta !== null) seen.push(ta);
    });
    session.on("complete", () => resolve(seen));
  });
}

describe("capture filter", () => {
  it("is the plain filter while no remote transmitter is known", () => {
    expect(captureFilter([])).toBe(HWSIM_CAPTURE_FILTER);
  });

  it("libpcap drops exactly the named transmitters' frames", async () => {
    const all = await transmittersThrough(HWSIM_CAPTURE_FILTER);
    expect(all.filter((ta) => ta === AP).length).toBeGreaterThan(100);
    const withoutAp = await transmittersThrough(captureFilter([AP]));
    expect(withoutAp).not.toContain(AP);
    expect(withoutAp.filter((ta) => ta === STATION)).toEqual(all.filter((ta) => ta === STATION));
    const withoutBoth = await transmittersThrough(captureFilter([AP, STATION]));
    expect(withoutBoth).toEqual([]);
  });
});
