// The guest's scans as a test says they happen (test double of src/os/netlink/local-scans.ts): the
// test announces scans, the double records which scans the medium ended and can refuse them.

import type { LocalScanEvent, LocalScans, OpenLocalScans } from "../netlink/local-scans.js";

export class FakeLocalScans implements LocalScans {
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

  close(): void {
    this.closed = true;
  }
}
