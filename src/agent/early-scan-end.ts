// A local station's scan ended as soon as nothing is left in it to find. hwsim's scan dwells 30 ms
// on an active channel and 120 ms on a passive one, and a full scan of a radio with hwsim's three
// bands (2.4, 5 and 6 GHz, most of 5 and 6 GHz passive in the world regulatory domain) took a TCG
// guest 8.0 s from trigger to results (wpa_supplicant's debug log, 2026-12-03); wpa_supplicant
// rescans 5 s after a scan that found nothing. Started with the agents, a station's first scan
// runs before any remote AP can be heard, and the second found the AP on channel 6 at 0.2 s but
// reported it 8 s later: association took 23.5 s, against 9 s for one VM.
//
// The agent is the medium: every beacon a local radio could hear passes through it, the remote ones
// from the tunnel and the local ones from hwsim. So once a scan has passed the last channel that
// holds an AP the agent heard in the last AP_FRESH_MS, the rest of the scan can find nothing, and the
// agent ends it (nl80211 ABORT_SCAN). wpa_supplicant takes an aborted scan's results as results
// ("Need to indicate that scan results are available in order not to make wpa_supplicant stop its
// scanning", driver_nl80211_event.c), so it chooses among the APs found at once.
//
// Where the scan is comes from the station's own probe requests (one at the start of each active
// channel's dwell), matched by the interface's address: a scan with a random address (iwd's
// default when not connected) is never ended, nor one of an AP, mesh or monitor interface (hostapd's
// own scans must run to the end), nor one with fewer than MIN_CHANNELS_LEFT channels after the last
// AP's (nothing worth saving). A probe on the last AP's channel ends the scan SETTLE_MS later: the
// replayed beacon went to the radio with the probe's fate, the dwell there is 30 ms.
//
// A scan begun before the agent followed scans (wpa_supplicant's first, 1.1 s after it starts,
// where the agents were ready after 4.1-5.1 s) cannot be followed: its channels are not known. It
// is the one that costs most: it has passed 2.4 GHz long before the first remote beacon comes, and
// wpa_supplicant waits for its 8 s to end and then 5 s more before it scans again. So every station
// interface without a channel when the agent starts following (unfollowed()) has such a scan ended
// at the first beacon of a present AP, when every present AP is on 2.4 GHz (which a full scan visits
// first) and the interface sent no probe request in the last STALE_QUIET_MS (so its scan, if one
// runs, is past the active 2.4 GHz channels); within STALE_WINDOW_MS of following, longer than such
// a scan runs. An interface that was not scanning makes the kernel refuse (counted, harmless).
//
// The scans it follows are also the medium's answer to "which stations scan now" (its beacon
// replay ticks, scanningAddresses).
//
// Timers: one per scan waiting to settle (timersSettle / expiredSettle).

import type { MacAddress } from "../ieee80211/mac.js";

/** An AP counts as present for this long after its last beacon (beacons come every ~102 ms). */
export const AP_FRESH_MS = 3000;
/** A scan is ended only if at least this many channels would follow the last AP's. */
export const MIN_CHANNELS_LEFT = 4;
/** From the probe request on the last AP's channel to the end of the scan. */
export const SETTLE_MS = 60;
/** Most APs remembered (least recently heard forgotten). */
const MAX_APS = 256;
/** An unfollowed interface whose last probe request is younger than this may be scanning 2.4 GHz. */
export const STALE_QUIET_MS = 500;
/** Unfollowed interfaces are considered this long after following began (a full scan took 8 s). */
export const STALE_WINDOW_MS = 15_000;

export interface EarlyScanEndOptions {
  readonly now: () => number;
  /**
   * Ends the scan of interface `ifindex`; the caller counts it and its failures. `unfollowed`: a
   * scan begun before the agent followed scans, which may not be running at all.
   */
  readonly endScan: (ifindex: number, kind: "followed" | "unfollowed") => void;
}

interface Scan {
  readonly ifindex: number;
  readonly mac: MacAddress;
  /** Frequency → its place in the order hwsim visits the scan's channels. */
  readonly place: ReadonlyMap<number, number>;
  /** The furthest place a probe request of this scan was seen at; -1 before the first. */
  position: number;
  settle: NodeJS.Timeout | null;
  done: boolean;
}

/** Whether an AP last heard at `heardMs` counts as present at `now`. */
const isPresent = (heardMs: number, now: number): boolean => now - heardMs <= AP_FRESH_MS;

/** 0, 1, 2 for 2.4, 5 and 6 GHz. */
function band(freqMhz: number): number {
  if (freqMhz < 3000) return 0;
  return freqMhz >= 5935 ? 2 : 1;
}

/**
 * The order a scan visits `freqsMhz`: cfg80211 lists a full scan's channels band by band and
 * mac80211 scans band by band when the driver does not take all bands at once, so by band first,
 * in the request's order within a band.
 */
export function scanOrder(freqsMhz: readonly number[]): number[] {
  return freqsMhz
    .map((freqMhz, index) => ({ freqMhz, index }))
    .sort((a, b) => band(a.freqMhz) - band(b.freqMhz) || a.index - b.index)
    .map((entry) => entry.freqMhz);
}

export class EarlyScanEnd {
  /** BSSID → channel and when last heard; kept in order of last hearing. */
  private readonly aps = new Map<MacAddress, { freqMhz: number; heardMs: number }>();
  private readonly scans = new Map<number, Scan>();
  /** Station interfaces that may be in a scan begun before following: ifindex → address, last probe. */
  private readonly unfollowedScans = new Map<number, { mac: MacAddress; probedMs: number }>();
  private unfollowedUntilMs = 0;

  constructor(private readonly options: EarlyScanEndOptions) {}

  /**
   * Following begins: `stations` are the station interfaces without a channel (not connected), any
   * of which may be in a scan begun before now.
   */
  unfollowed(stations: readonly { readonly ifindex: number; readonly mac: MacAddress }[]): void {
    const now = this.options.now();
    this.unfollowedUntilMs = now + STALE_WINDOW_MS;
    for (const { ifindex, mac } of stations)
      if (!this.scans.has(ifindex)) this.unfollowedScans.set(ifindex, { mac, probedMs: -Infinity });
  }

  /** A station interface with address `mac` started a scan of `freqsMhz`. */
  started(ifindex: number, mac: MacAddress, freqsMhz: readonly number[]): void {
    this.ended(ifindex);
    const order = scanOrder(freqsMhz);
    const place = new Map<number, number>();
    for (const freqMhz of order) if (!place.has(freqMhz)) place.set(freqMhz, place.size);
    this.scans.set(ifindex, { ifindex, mac, place, position: -1, settle: null, done: false });
  }

  ended(ifindex: number): void {
    const scan = this.scans.get(ifindex);
    if (scan?.settle) clearTimeout(scan.settle);
    this.scans.delete(ifindex);
    this.unfollowedScans.delete(ifindex);
  }

  /** A beacon from `bssid` on `freqMhz`, local or remote. */
  apHeard(bssid: MacAddress, freqMhz: number): void {
    const known = this.aps.get(bssid);
    const heardMs = this.options.now();
    if (known !== undefined && known.freqMhz === freqMhz) {
      known.heardMs = heardMs;
    } else {
      this.aps.delete(bssid);
      this.aps.set(bssid, { freqMhz, heardMs });
      if (this.aps.size > MAX_APS) this.aps.delete(this.aps.keys().next().value as MacAddress);
    }
    if (this.unfollowedScans.size > 0) this.considerUnfollowed(heardMs);
  }

  /** A local radio sent a probe request from `mac` on `freqMhz`: a scan of that address is there. */
  probed(mac: MacAddress, freqMhz: number): void {
    for (const entry of this.unfollowedScans.values())
      if (entry.mac === mac) entry.probedMs = this.options.now();
    if (this.scans.size === 0) return;
    for (const scan of this.scans.values()) {
      if (scan.mac !== mac || scan.done) continue;
      const place = scan.place.get(freqMhz);
      if (place === undefined || place <= scan.position) continue;
      scan.position = place;
      this.consider(scan);
    }
  }

  /** The addresses of the station interfaces whose scans run now (not ended, early or otherwise). */
  scanningAddresses(): MacAddress[] {
    const addresses: MacAddress[] = [];
    for (const scan of this.scans.values()) if (!scan.done) addresses.push(scan.mac);
    return addresses;
  }

  close(): void {
    for (const ifindex of [...this.scans.keys()]) this.ended(ifindex);
    this.unfollowedScans.clear();
  }

  /** Ends the unfollowed scans that can find nothing more, once; forgets them all after the window. */
  private considerUnfollowed(now: number): void {
    if (now > this.unfollowedUntilMs) {
      this.unfollowedScans.clear();
      return;
    }
    let present = false;
    for (const ap of this.aps.values()) {
      if (!isPresent(ap.heardMs, now)) continue;
      if (band(ap.freqMhz) !== 0) return; // a scan in 5 or 6 GHz may still find it
      present = true;
    }
    if (!present) return;
    for (const [ifindex, entry] of this.unfollowedScans) {
      if (now - entry.probedMs < STALE_QUIET_MS) continue;
      this.unfollowedScans.delete(ifindex);
      this.options.endScan(ifindex, "unfollowed");
    }
  }

  /** The place of the last channel in `scan` that holds a present AP, or -1. */
  private lastApPlace(scan: Scan): number {
    const now = this.options.now();
    let last = -1;
    for (const ap of this.aps.values()) {
      if (!isPresent(ap.heardMs, now)) continue;
      const place = scan.place.get(ap.freqMhz);
      if (place !== undefined && place > last) last = place;
    }
    return last;
  }

  private consider(scan: Scan): void {
    const last = this.lastApPlace(scan);
    if (last < 0 || scan.place.size - 1 - last < MIN_CHANNELS_LEFT) return;
    if (scan.position > last) this.end(scan);
    else if (scan.position === last && scan.settle === null) this.timersSettle(scan);
  }

  private timersSettle(scan: Scan): void {
    scan.settle = setTimeout(() => this.expiredSettle(scan), SETTLE_MS);
    scan.settle.unref();
  }

  /** The dwell on the last AP's channel is over, unless an AP was heard further on meanwhile. */
  private expiredSettle(scan: Scan): void {
    scan.settle = null;
    if (scan.done || this.scans.get(scan.ifindex) !== scan) return;
    const last = this.lastApPlace(scan);
    if (last >= 0 && scan.position >= last) this.end(scan);
  }

  private end(scan: Scan): void {
    if (scan.settle) clearTimeout(scan.settle);
    scan.settle = null;
    scan.done = true;
    this.options.endScan(scan.ifindex, "followed");
  }
}
