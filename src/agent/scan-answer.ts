// A station's scan dwells ~30 ms on each channel (hwsim's hw_scan: 30 ms active, 120 ms passive). Its probe request crossing the tunnel, the remote
// hostapd answering and the answer crossing back takes longer than that under load, and a beacon
// (every ~102 ms) lands inside the dwell only a third of the time: the first scan then misses a remote
// AP and wpa_supplicant waits ~10 s for the next one (measured: association in 14 s instead of 5 s,
// in two of six runs). So the agent keeps the latest beacon of every remote AP per channel and
// re-injects those beacons while a local scan is under way: every SCAN_REPLAY_INTERVAL_MS on every
// channel (nl80211 announces the scan; a radio hears them only while its scan visits their channel),
// and at once on a channel where a local radio just sent a probe request (it is listening there now).
// They are the AP's own frames, a few hundred ms old; hwsim restamps their TSF. The probe request
// still crosses the tunnel, so the real probe response follows when it can.

import type { MacAddress } from "../ieee80211/mac.js";

export interface ScanAnswerPolicy {
  /** A beacon older than this is not replayed: its AP may be gone. */
  readonly maxAgeMs: number;
  /** Most APs remembered per channel (least recently heard evicted). */
  readonly maxPerChannel: number;
  /** Probe requests closer together than this on one channel get one answer (a scan sends bursts). */
  readonly minIntervalMs: number;
}

/**
 * While a local scan runs, every remote beacon is replayed this often: well inside the 30 ms an
 * active scan dwells on a channel, however late the agent learns where the scan is.
 */
export const SCAN_REPLAY_INTERVAL_MS = 10;
/**
 * Most beacons replayed per tick: an injection costs ~1 ms of guest CPU under TCG, so a lab with
 * dozens of remote APs must not turn every scan into a flood. 8 per 10 ms still brings each of 24
 * APs round within a 30 ms dwell.
 */
export const SCAN_REPLAYS_PER_TICK = 8;

export const DEFAULT_SCAN_ANSWER_POLICY: ScanAnswerPolicy = {
  maxAgeMs: 5000,
  maxPerChannel: 32,
  minIntervalMs: 20,
};

/** Latest beacon packets (ready to inject) of remote APs, per channel. */
export class RemoteBeacons {
  /** freq → BSSID → latest beacon; each inner Map is kept in order of last hearing. */
  private readonly channels = new Map<number, Map<MacAddress, { packet: Buffer; heardMs: number }>>();
  private readonly lastAnswerMs = new Map<number, number>();
  private replayCursor = 0;

  constructor(private readonly policy: ScanAnswerPolicy = DEFAULT_SCAN_ANSWER_POLICY) {}

  /** Remember `packet` as the latest beacon of `bssid` on `freqMhz`. */
  heard(freqMhz: number, bssid: MacAddress, packet: Buffer, nowMs: number): void {
    let aps = this.channels.get(freqMhz);
    if (!aps) {
      aps = new Map();
      this.channels.set(freqMhz, aps);
    }
    aps.delete(bssid);
    aps.set(bssid, { packet, heardMs: nowMs });
    if (aps.size > this.policy.maxPerChannel) {
      const oldest = aps.keys().next().value as MacAddress;
      aps.delete(oldest);
    }
  }

  /**
   * A local probe request on `freqMhz`: the beacons to replay now (none if this channel was just
   * answered, or nothing fresh is known there).
   */
  answerProbe(freqMhz: number, nowMs: number): Buffer[] {
    const aps = this.channels.get(freqMhz);
    if (!aps) return [];
    const last = this.lastAnswerMs.get(freqMhz);
    if (last !== undefined && nowMs - last < this.policy.minIntervalMs) return [];
    this.lastAnswerMs.set(freqMhz, nowMs);
    const fresh: Buffer[] = [];
    for (const [bssid, beacon] of aps) {
      if (nowMs - beacon.heardMs > this.policy.maxAgeMs) aps.delete(bssid);
      else fresh.push(beacon.packet);
    }
    return fresh;
  }

  /**
   * The next `max` fresh beacons over all channels, for one replay tick while a scan runs; forgets
   * stale ones. Successive calls rotate through them, so with more APs than `max` each still comes
   * round every few ticks.
   */
  replayBatch(nowMs: number, max: number): { freqMhz: number; packet: Buffer }[] {
    const all: { freqMhz: number; packet: Buffer }[] = [];
    for (const [freqMhz, aps] of this.channels) {
      for (const [bssid, beacon] of aps) {
        if (nowMs - beacon.heardMs > this.policy.maxAgeMs) aps.delete(bssid);
        else all.push({ freqMhz, packet: beacon.packet });
      }
    }
    if (all.length <= max) return all;
    const start = this.replayCursor % all.length;
    this.replayCursor = start + max;
    return [...all.slice(start), ...all.slice(0, start)].slice(0, max);
  }

  /** APs remembered over all channels. */
  get size(): number {
    let total = 0;
    for (const aps of this.channels.values()) total += aps.size;
    return total;
  }
}
