// What the guest's own radios are doing, kept current: their interfaces (read through the backend
// every GUEST_POLL_MS, and at once when nl80211 says something changed) and their scans (nl80211
// scan notifications). From that, what they can use of remote frames (listeners.ts) and which
// addresses are theirs (for spotting MAC collisions and frames that come back).

import type { MacAddress } from "../ieee80211/mac.js";
import type { Logger } from "../log.js";
import type { GuestEvent, GuestInterface, RadioBackend } from "../os/radios/backend.js";
import { Listeners } from "./listeners.js";

/**
 * How often the guest's interfaces are re-read. nl80211 events announce scans, (dis)connections and
 * new interfaces as they happen, so with events the poll only catches what nl80211 does not
 * multicast (a link going up or down): every read is a netlink dump parsed in JavaScript, which
 * held a TCG guest's event loop for up to 2 s under load (measured, --cpu-prof), so it stays rare.
 * Without events it is the only source and runs often.
 */
export const GUEST_POLL_MS = 2000;
export const GUEST_POLL_WITHOUT_EVENTS_MS = 500;
/** A scan whose end we never heard of stops counting after this long (scans take a few seconds). */
const SCAN_TIMEOUT_MS = 15_000;

export interface GuestWatchOptions {
  /** Names the medium in log lines. */
  readonly name: string;
  readonly backend: RadioBackend;
  readonly log: Logger;
  readonly now: () => number;
  /** Called when nl80211 announces a scan. */
  readonly onScanStarted?: () => void;
  /** Called with Listeners.operatingChannels whenever what local radios hear changes. */
  readonly onOperatingChannels?: (freqsMhz: readonly number[]) => void;
}

export class GuestWatch {
  private listenersNow = Listeners.NONE;
  private addresses = new Map<MacAddress, string>();
  private interfaces: readonly GuestInterface[] = [];
  /** ifindex → when nl80211 announced its scan. */
  private readonly scans = new Map<number, number>();
  private stopEvents: (() => void) | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  /**
   * One read of the interfaces at a time, and at most one more asked for meanwhile: nl80211 sends a
   * burst of notifications when an interface comes up, and each read is a netlink dump the library
   * parses in JavaScript (tens of ms in a TCG guest).
   */
  private reading: Promise<void> | null = null;
  private readAgain = false;

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
          `${name}: no nl80211 events (${String(error)}); noticing scans by polling every ${GUEST_POLL_WITHOUT_EVENTS_MS} ms`,
        );
      }
    }
    const pollMs = this.stopEvents ? GUEST_POLL_MS : GUEST_POLL_WITHOUT_EVENTS_MS;
    this.pollTimer = setInterval(() => {
      this.refresh().catch((error: unknown) =>
        log.limited("warn", "guest-poll", `reading the guest's wireless interfaces failed: ${String(error)}`),
      );
    }, pollMs);
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

  /** What local radios can use of remote frames, now. */
  get listeners(): Listeners {
    return this.listenersNow;
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

  /** The guest's wireless interfaces, as last read. */
  get current(): readonly GuestInterface[] {
    return this.interfaces;
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

  /** Reads the interfaces; a read asked for while one runs is folded into one more after it. */
  private refresh(): Promise<void> {
    if (this.reading) {
      this.readAgain = true;
      return this.reading;
    }
    const read = async (): Promise<void> => {
      do {
        this.readAgain = false;
        this.setInterfaces(await this.options.backend.guestInterfaces());
      } while (this.readAgain);
    };
    this.reading = read().finally(() => {
      this.reading = null;
    });
    return this.reading;
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
    const listeners = Listeners.fromInterfaces(
      this.scans.size === 0
        ? this.interfaces
        : this.interfaces.map((iface) => ({ ...iface, scanning: this.scans.has(iface.ifindex) })),
      new Set(this.addresses.keys()),
    );
    if (listeners.equals(this.listenersNow)) return;
    this.options.log.info(`${this.options.name}: local radios hear ${listeners}`);
    this.listenersNow = listeners;
    this.options.onOperatingChannels?.(listeners.operatingChannels);
  }
}
