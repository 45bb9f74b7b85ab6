// Which unicast addresses exist on the air, for the registered medium's acknowledgements: a frame to
// an address some radio (local, or remote through the tunnel) has transmitted from is acknowledged,
// one to anybody else is not, as on the air. Remembered for RECEIVER_MEMORY_MS after the address was
// last heard: longer than hostapd's ap_max_inactivity (300 s), after which it polls an idle station
// with a null frame that must be acknowledged, or the station is dropped.

import type { MacAddress } from "../ieee80211/mac.js";

export const RECEIVER_MEMORY_MS = 600_000;
/** Most addresses remembered (least recently heard forgotten first). */
export const MAX_KNOWN_RECEIVERS = 4096;

export class KnownReceivers {
  /** address → when last heard; kept in order of last hearing. */
  private readonly heardMs = new Map<MacAddress, number>();

  constructor(private readonly memoryMs: number = RECEIVER_MEMORY_MS) {}

  heard(mac: MacAddress, nowMs: number): void {
    // Re-inserting on every frame would cost a Map delete+set per frame; once a second is enough.
    const last = this.heardMs.get(mac);
    if (last !== undefined && nowMs - last < 1000) return;
    this.heardMs.delete(mac);
    this.heardMs.set(mac, nowMs);
    if (this.heardMs.size > MAX_KNOWN_RECEIVERS) {
      const oldest = this.heardMs.keys().next().value as MacAddress;
      this.heardMs.delete(oldest);
    }
  }

  exists(mac: MacAddress, nowMs: number): boolean {
    const last = this.heardMs.get(mac);
    return last !== undefined && nowMs - last <= this.memoryMs;
  }

  get size(): number {
    return this.heardMs.size;
  }
}
