// A station associated over the tunnel counts a beacon loss when seven beacon intervals (~717 ms)
// pass without a beacon from its AP (mac80211's software beacon monitor; wpa_supplicant then logs
// CTRL-EVENT-BEACON-LOSS and mac80211 probes the AP). Under load the tunnel delivers beacons late
// and in bunches: both agents' loops run hundreds of ms late and a beacon waits in the UDP queue
// behind data (measured: 16 beacon losses during a 120 s iperf3 soak, loop delay p99 410-530 ms).
// So the receiving agent keeps each remote AP's latest delivered beacon and injects it again once
// KEEP_AFTER_INTERVALS intervals pass without one from the tunnel, then once per interval, for at
// most KEEP_MAX_MS after the last real one: an AP whose beacons stop (hostapd or its agent gone)
// falls silent that much later than it would on the air. A timer runs in the timers phase of the
// loop, ahead of the I/O backlog, so after a stall the kept beacon goes out before the queue drains.
// Beacons that announce a channel switch are not kept: their countdown would go stale.

import { announcedSwitchFreq } from "../ieee80211/channel-switch.js";
import { HeaderLength } from "../ieee80211/constants.js";
import type { MacAddress } from "../ieee80211/mac.js";

/** Intervals of silence before the kept beacon stands in: late beacons are not doubled at once. */
export const KEEP_AFTER_INTERVALS = 3;
/** How long after the last real beacon the kept one stands in. */
export const KEEP_MAX_MS = 2000;

/** A beacon's body: timestamp (8), beacon interval (2, in TU of 1.024 ms), capability (2), elements. */
const INTERVAL_OFFSET = HeaderLength.threeAddress + 8;
const DEFAULT_INTERVAL_TU = 100;

/** The beacon interval in ms (the field's TU value when it is sane, else the usual 100 TU). */
export function beaconIntervalMs(frame: Buffer): number {
  const tu = frame.length >= INTERVAL_OFFSET + 2 ? frame.readUInt16LE(INTERVAL_OFFSET) : 0;
  return (tu >= 10 && tu <= 1000 ? tu : DEFAULT_INTERVAL_TU) * 1.024;
}

export interface BeaconKeeperOptions {
  readonly now: () => number;
  /** Inject a kept beacon (radiotap packet) on `freqMhz` (the medium counts it). */
  readonly inject: (freqMhz: number, packet: Buffer) => void;
}

interface Kept {
  freqMhz: number;
  packet: Buffer;
  intervalMs: number;
  lastRealMs: number;
  timer: NodeJS.Timeout | null;
}

export class BeaconKeeper {
  private readonly kept = new Map<MacAddress, Kept>();

  constructor(private readonly options: BeaconKeeperOptions) {}

  /** A real beacon of `bssid` was just delivered to a local radio on `freqMhz`. */
  delivered(bssid: MacAddress, freqMhz: number, packet: Buffer, frame: Buffer): void {
    const previous = this.kept.get(bssid);
    if (previous?.timer) clearTimeout(previous.timer);
    if (announcedSwitchFreq(frame, freqMhz) !== null) {
      this.kept.delete(bssid);
      return;
    }
    const entry: Kept = {
      freqMhz,
      packet,
      intervalMs: beaconIntervalMs(frame),
      lastRealMs: this.options.now(),
      timer: null,
    };
    this.kept.set(bssid, entry);
    this.timersBeaconDue(bssid, entry, entry.intervalMs * KEEP_AFTER_INTERVALS);
  }

  private timersBeaconDue(bssid: MacAddress, entry: Kept, afterMs: number): void {
    entry.timer = setTimeout(() => this.expiredBeaconGap(bssid, entry), afterMs);
    entry.timer.unref();
  }

  /** No real beacon of this AP for a while: stand in for it, until KEEP_MAX_MS after the last. */
  private expiredBeaconGap(bssid: MacAddress, entry: Kept): void {
    entry.timer = null;
    if (this.kept.get(bssid) !== entry) return;
    if (this.options.now() - entry.lastRealMs > KEEP_MAX_MS) {
      this.kept.delete(bssid);
      return;
    }
    this.options.inject(entry.freqMhz, entry.packet);
    this.timersBeaconDue(bssid, entry, entry.intervalMs);
  }

  /** APs whose beacons are kept now. */
  get size(): number {
    return this.kept.size;
  }

  close(): void {
    for (const entry of this.kept.values()) if (entry.timer) clearTimeout(entry.timer);
    this.kept.clear();
  }
}
