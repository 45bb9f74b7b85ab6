// hwsim acknowledges a unicast frame only if a radio on the same channel in this kernel owns the
// receiver address on an active interface. A station in another VM owns nothing here, so for each
// remote transmitter we keep an active monitor interface with its address on the injecting radio
// of that channel (measured to work on the stock kernel, see the field notes). This table decides
// which addresses deserve one: bounded (LRU) and expired when idle, so randomised probe-request
// addresses cannot exhaust interfaces.

import type { MacAddress } from "../ieee80211/mac.js";

export interface AckProxyPolicy {
  /** Most proxied addresses per channel. */
  readonly maxPerChannel: number;
  /** An address not heard from for this long loses its proxy. */
  readonly idleMs: number;
}

export const DEFAULT_ACK_PROXY_POLICY: AckProxyPolicy = { maxPerChannel: 16, idleMs: 120_000 };

export interface AckProxyChange {
  readonly add: MacAddress | null;
  readonly remove: readonly MacAddress[];
}

const NO_CHANGE: AckProxyChange = { add: null, remove: [] };

/** The proxied addresses of one channel, most recently heard last (Map keeps insertion order). */
export class AckProxyTable {
  private readonly lastHeard = new Map<MacAddress, number>();

  constructor(private readonly policy: AckProxyPolicy = DEFAULT_ACK_PROXY_POLICY) {}

  /** A remote transmitter was heard; say which proxies to create and which to retire. */
  heard(mac: MacAddress, nowMs: number): AckProxyChange {
    const known = this.lastHeard.has(mac);
    this.lastHeard.delete(mac);
    this.lastHeard.set(mac, nowMs);
    if (known) return NO_CHANGE;
    const remove = this.evictIdle(nowMs);
    while (this.lastHeard.size > this.policy.maxPerChannel) {
      const oldest = this.lastHeard.keys().next().value as MacAddress;
      this.lastHeard.delete(oldest);
      remove.push(oldest);
    }
    return { add: mac, remove };
  }

  /** Periodic sweep: addresses idle past the policy. */
  sweep(nowMs: number): MacAddress[] {
    return this.evictIdle(nowMs);
  }

  addresses(): MacAddress[] {
    return [...this.lastHeard.keys()];
  }

  has(mac: MacAddress): boolean {
    return this.lastHeard.has(mac);
  }

  get size(): number {
    return this.lastHeard.size;
  }

  private evictIdle(nowMs: number): MacAddress[] {
    const removed: MacAddress[] = [];
    for (const [mac, heard] of this.lastHeard) {
      if (nowMs - heard <= this.policy.idleMs) break; // ordered by last heard: the rest are fresher
      this.lastHeard.delete(mac);
      removed.push(mac);
    }
    return removed;
  }
}
