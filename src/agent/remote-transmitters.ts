// The remote transmitters this agent has heard through the tunnel, for `status`: address, channel,
// the peer they came through, when last heard and how many frames. Bounded (least recently heard
// evicted), so randomised probe-request addresses cannot grow it without end.

import { readAddress2 } from "../ieee80211/frame.js";
import { formatMac, type MacAddress } from "../ieee80211/mac.js";
import type { AirFrame } from "../medium/medium.js";

/** Most (address, channel) pairs kept. */
export const MAX_REMOTE_TRANSMITTERS = 256;

export interface RemoteTransmitter {
  readonly address: string;
  readonly freqMhz: number;
  readonly peer: string;
  readonly lastHeardMs: number;
  readonly frames: number;
}

interface Entry {
  readonly mac: MacAddress;
  readonly freqMhz: number;
  peer: string;
  lastHeardMs: number;
  frames: number;
}

export class RemoteTransmitters {
  /** Per channel, per address. */
  private readonly channels = new Map<number, Map<MacAddress, Entry>>();
  private size = 0;

  constructor(private readonly limit = MAX_REMOTE_TRANSMITTERS) {}

  heard(air: AirFrame, peer: string, nowMs: number): void {
    const mac = readAddress2(air.frame);
    if (mac === null) return;
    let channel = this.channels.get(air.freqMhz);
    if (!channel) {
      channel = new Map();
      this.channels.set(air.freqMhz, channel);
    }
    const entry = channel.get(mac);
    if (entry) {
      entry.peer = peer;
      entry.lastHeardMs = nowMs;
      entry.frames++;
      return;
    }
    // Full: the least recently heard goes (a linear look, only when a new address arrives).
    if (this.size >= this.limit) this.evictOldest();
    channel.set(mac, { mac, freqMhz: air.freqMhz, peer, lastHeardMs: nowMs, frames: 1 });
    this.size++;
  }

  /** Most recently heard first. */
  list(): RemoteTransmitter[] {
    const all: Entry[] = [];
    for (const channel of this.channels.values()) all.push(...channel.values());
    return all
      .sort((a, b) => b.lastHeardMs - a.lastHeardMs)
      .map((entry) => ({
        address: formatMac(entry.mac),
        freqMhz: entry.freqMhz,
        peer: entry.peer,
        lastHeardMs: entry.lastHeardMs,
        frames: entry.frames,
      }));
  }

  private evictOldest(): void {
    let oldest: Entry | null = null;
    for (const channel of this.channels.values())
      for (const entry of channel.values())
        if (oldest === null || entry.lastHeardMs < oldest.lastHeardMs) oldest = entry;
    if (oldest === null) return;
    this.channels.get(oldest.freqMhz)?.delete(oldest.mac);
    this.size--;
  }
}
