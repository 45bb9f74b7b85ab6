// What the guest's own radios are doing, kept current: their interfaces (read through the backend
// every GUEST_POLL_MS, and at once when nl80211 says something changed) and their scans (nl80211
// scan notifications). From that, which channels they can hear (audible-channels.ts) and which
// addresses are theirs (for spotting MAC collisions).

import type { MacAddress } from "../ieee80211/mac.js";
import type { Logger } from "../log.js";
import { AudibleChannels } from "./audible-channels.js";
import type { GuestEvent, GuestInterface, RadioBackend } from "./radio-backend.js";

/** How often the guest's interfaces are re-read for channel changes (events make most polls moot). */
export const GUEST_POLL_MS = 500;
/** A scan whose end we never heard of stops counting after this long (scans take a few seconds). */
const SCAN_TIMEOUT_MS = 15_000;

export interface GuestWatchOptions {
  /** Names the medium in log lines. */
  readonly name: string;
  readonly backend: RadioBackend;
  readonly log: Logger;
  readonly now: () => number;
  /** Called on every poll tick, for housekeeping that wants the same rhythm. */
  readonly onTick?: () => void;
  /** Called when nl80211 announces a scan. */
  readonly onScanStarted?: () => void;
}

export class GuestWatch {
  private audibleNow = AudibleChannels.NONE;
  private addresses = new Map<MacAddress, string>();
  private interfaces: readonly GuestInterface[] = [];
  /** ifindex → when nl80211 announced its scan. */
  private readonly scans = new Map<number, number>();
  private stopEvents: (() => void) | null = null;
  private pollTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: GuestWatchOptions) {}

  /** Reads the interfaces once; with `follow`, keeps them current by events and polling. */
  async start(follow: boolean): Promise<void> {
    await this.refresh();
    if (!follow) return;
    const { backend, log, name } = this.options;
    if (backend.watchGuest) {
      try {
        this.stopEvents = await backend.watchGuest((event) => this.event(event));
      } catch (error) {
        log.warn(
          `${name}: no nl80211 events (${String(error)}); noticing scans by polling every ${GUEST_POLL_MS} ms`,
        );
      }
    }
    this.pollTimer = setInterval(() => {
      this.options.onTick?.();
      this.refresh().catch((error: unknown) =>
        log.limited("warn", "guest-poll", `reading the guest's wireless interfaces failed: ${String(error)}`),
      );
    }, GUEST_POLL_MS);
    this.pollTimer.unref();
  }

  /** The poller, and tests, say what the guest's interfaces are. */
  setInterfaces(interfaces: readonly GuestInterface[]): void {
    this.interfaces = interfaces;
    // A monitor interface carries its radio's permanent address (every VM's first radio has the same
    // one) but never transmits or acknowledges with it: not an address that can collide.
    this.addresses = new Map(
      interfaces.filter((iface) => iface.iftype !== "MONITOR").map((iface) => [iface.mac, iface.ifname]),
    );
    this.update();
  }

  /** nl80211, and tests, report scans and changes as they happen. */
  event(event: GuestEvent): void {
    if (event.kind === "changed") {
      this.refresh().catch(() => {}); // the next poll retries and reports
      return;
    }
    if (event.kind === "scan-started") this.scans.set(event.ifindex, this.options.now());
    else this.scans.delete(event.ifindex);
    this.update();
    if (event.kind === "scan-started") this.options.onScanStarted?.();
  }

  /** The channels local radios can hear now. */
  get audible(): AudibleChannels {
    return this.audibleNow;
  }

  /** Whether a local scan is under way. A scan whose end was missed expires here, on the next read. */
  get scanning(): boolean {
    if (this.expireScans()) this.update();
    return this.scans.size > 0;
  }

  /** The local interface that owns `mac`, if any. */
  ownerOf(mac: MacAddress): string | undefined {
    return this.addresses.get(mac);
  }

  /** Addresses of the guest's own radio interfaces, as last read. */
  macs(): MacAddress[] {
    return [...this.addresses.keys()];
  }

  close(): void {
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = null;
    this.stopEvents?.();
    this.stopEvents = null;
  }

  private async refresh(): Promise<void> {
    this.setInterfaces(await this.options.backend.guestInterfaces());
  }

  /** Forgets scans running longer than SCAN_TIMEOUT_MS; true if any was. */
  private expireScans(): boolean {
    const now = this.options.now();
    let expired = false;
    for (const [ifindex, startedMs] of this.scans) {
      if (now - startedMs <= SCAN_TIMEOUT_MS) continue;
      this.scans.delete(ifindex);
      expired = true;
    }
    return expired;
  }

  private update(): void {
    this.expireScans();
    const audible = AudibleChannels.fromInterfaces(
      this.scans.size === 0
        ? this.interfaces
        : this.interfaces.map((iface) => ({ ...iface, scanning: this.scans.has(iface.ifindex) })),
    );
    if (!audible.equals(this.audibleNow))
      this.options.log.info(`${this.options.name}: local radios hear ${audible}`);
    this.audibleNow = audible;
  }
}
