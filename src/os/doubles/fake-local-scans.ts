// The guest's scans as a test says they happen (test double of src/os/netlink/local-scans.ts): the
// test announces scans, the double records which scans the medium ended and can refuse them.

import type { MacAddress } from "../../ieee80211/mac.js";
import type { LocalScanEvent, LocalScans, OpenLocalScans } from "../netlink/local-scans.js";

export class FakeLocalScans implements LocalScans {
  /** Station interfaces without a channel at open: set by the test before the medium opens. */
  idleStations: { ifindex: number; mac: MacAddress }[] = [];
  /** Interfaces whose scan the medium ended, in order. */
  readonly ended: number[] = [];
  closed = false;
  /** endScan rejects, as the kernel does when the scan is over already. */
  refuse = false;
  private onEvent: ((event: LocalScanEvent) => void) | null = null;

  /** The medium's `openLocalScans` option. */
  readonly open: OpenLocalScans = async (onEvent) => {
    this.onEvent = onEvent;
    return this;
  };

  get opened(): boolean {
    return this.onEvent !== null;
  }

  announce(event: LocalScanEvent): void {
    if (this.onEvent === null) throw new Error("the medium has not opened the guest's scans");
    this.onEvent(event);
  }

  async endScan(ifindex: number): Promise<void> {
    this.ended.push(ifindex);
    if (this.refuse) throw new Error("ENOENT: no scan running");
  }

  /** Interfaces no longer idle stations when asked (hostapd made them APs). */
  readonly notIdle = new Set<number>();

  async endScanIfIdleStation(ifindex: number): Promise<boolean> {
    if (this.notIdle.has(ifindex)) return false;
    await this.endScan(ifindex);
    return true;
  }

  close(): void {
    this.closed = true;
  }
}
