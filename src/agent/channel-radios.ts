// The agent's own radios, one parked on each channel it delivers to, and the ACK proxies on them.
// A radio is created on first use and never retuned (a single retuning radio thrashed while a
// station scanned: 24-63 s to associate); frames for a channel whose radio is still being created
// (~1 s under TCG) are held a little. Each channel keeps an AckProxyTable (ack-proxy.ts) and this
// pool applies its changes to the radio: an active monitor interface per proxied address.
//
// Timers: one, expiredAckProxies, every ACK_PROXY_SWEEP_MS, retires proxies of addresses gone quiet.

import { formatMac, isGroupAddress, type MacAddress } from "../ieee80211/mac.js";
import type { Logger } from "../log.js";
import { Counters } from "../medium/counters.js";
import type { InjectionRadio, RadioBackend } from "../os/radios/backend.js";
import {
  type AckProxyChange,
  type AckProxyPolicy,
  AckProxyTable,
  DEFAULT_ACK_PROXY_POLICY,
} from "./ack-proxy.js";

/**
 * Frames held while the radio for their channel is being created, and how old one may be when the
 * radio is ready. Flushing 256 held frames at once kept a TCG guest's event loop busy for 0.8 s
 * (measured), and a management frame a second old only confuses a handshake.
 */
const MAX_PENDING_PER_CHANNEL = 32;
const MAX_PENDING_AGE_MS = 1000;
/** Most injecting radios at once (one per active channel). */
const MAX_RADIOS = 16;
/** How often idle ACK proxies are looked for (they expire after AckProxyPolicy.idleMs). */
const ACK_PROXY_SWEEP_MS = 5000;

export const CHANNEL_RADIO_COUNTERS = [
  "radio-pending-overflow",
  "radio-pending-stale",
  "radios-created",
  "radio-error",
  "ack-proxy-added",
  "ack-proxy-removed",
  "ack-proxy-error",
] as const;
export type ChannelRadioCounter = (typeof CHANNEL_RADIO_COUNTERS)[number];

interface ChannelRadio {
  radio: InjectionRadio | null;
  pending: { readonly packet: Buffer; readonly heldMs: number }[];
  readonly ackProxies: AckProxyTable;
}

export interface ChannelRadiosOptions {
  /** Names the medium in log lines. */
  readonly name: string;
  readonly backend: RadioBackend;
  readonly log: Logger;
  readonly now: () => number;
  readonly ackProxy?: AckProxyPolicy;
  /** Transmits a packet through a radio (the medium remembers it for echo suppression first). */
  readonly inject: (radio: InjectionRadio, packet: Buffer) => boolean;
  /** Frames held for a radio that could not be created: they are lost (the medium counts them). */
  readonly heldLost: (frames: number) => void;
}

/** What became of a frame handed to send(). */
export type SendOutcome = "injected" | "held" | "inject-error" | "no-radio";

export class ChannelRadios {
  readonly counts = new Counters<ChannelRadioCounter>(CHANNEL_RADIO_COUNTERS);
  private readonly channels = new Map<number, ChannelRadio>();
  private sweepTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: ChannelRadiosOptions) {}

  timersStart(): void {
    this.sweepTimer = setInterval(() => this.expiredAckProxies(), ACK_PROXY_SWEEP_MS);
    this.sweepTimer.unref();
  }

  timersStop(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
  }

  /** Have a radio on `freqMhz`, creating it now if there is none (a remote AP beacons there). */
  ready(freqMhz: number): void {
    this.channel(freqMhz);
  }

  /** The radio on `freqMhz` if it is up (for replays: nothing is held or created for them). */
  radioOn(freqMhz: number): InjectionRadio | null {
    return this.channels.get(freqMhz)?.radio ?? null;
  }

  /** Injects through the channel's radio, or holds the packet until the radio is up. */
  send(freqMhz: number, packet: Buffer): SendOutcome {
    const channel = this.channel(freqMhz);
    if (!channel) return "no-radio";
    if (channel.radio) return this.options.inject(channel.radio, packet) ? "injected" : "inject-error";
    if (channel.pending.length >= MAX_PENDING_PER_CHANNEL) {
      this.counts.add("radio-pending-overflow");
      return "no-radio";
    }
    channel.pending.push({ packet, heldMs: this.options.now() });
    return "held";
  }

  /** A remote transmitter a local radio may unicast to was heard on `freqMhz`: acknowledge for it. */
  heardRemote(freqMhz: number, mac: MacAddress): void {
    if (isGroupAddress(mac)) return;
    const channel = this.channel(freqMhz);
    if (!channel) return;
    this.apply(channel, freqMhz, channel.ackProxies.heard(mac, this.options.now()));
  }

  /** Retire proxies for remote addresses that have gone quiet. */
  expiredAckProxies(): void {
    const now = this.options.now();
    for (const [freqMhz, channel] of this.channels) {
      const remove = channel.ackProxies.sweep(now);
      if (remove.length > 0) this.apply(channel, freqMhz, { add: null, remove });
    }
  }

  /** Each channel's radio (ready or being created) and the addresses it acknowledges for. */
  describe(): { freqMhz: number; ready: boolean; ackProxies: MacAddress[] }[] {
    return [...this.channels].map(([freqMhz, channel]) => ({
      freqMhz,
      ready: channel.radio !== null,
      ackProxies: channel.ackProxies.addresses(),
    }));
  }

  /** Current number of proxied addresses over all channels. */
  get ackProxyCount(): number {
    let total = 0;
    for (const channel of this.channels.values()) total += channel.ackProxies.size;
    return total;
  }

  /** The channel's entry, created (and its radio asked for) on first use; null past the budget. */
  private channel(freqMhz: number): ChannelRadio | null {
    const existing = this.channels.get(freqMhz);
    if (existing) return existing;
    const { name, log } = this.options;
    if (this.channels.size >= MAX_RADIOS) {
      this.counts.add("radio-error");
      log.limited(
        "warn",
        "radio-budget",
        `${name}: no radio for ${freqMhz} MHz: ${MAX_RADIOS} channels already in use`,
      );
      return null;
    }
    const channel: ChannelRadio = {
      radio: null,
      pending: [],
      ackProxies: new AckProxyTable(this.options.ackProxy ?? DEFAULT_ACK_PROXY_POLICY),
    };
    this.channels.set(freqMhz, channel);
    this.options.backend.createRadio(freqMhz).then(
      (radio) => this.radioReady(channel, freqMhz, radio),
      (error: unknown) => {
        this.counts.add("radio-error");
        this.options.heldLost(channel.pending.length);
        log.error(`${name}: could not create an injecting radio on ${freqMhz} MHz: ${String(error)}`);
        this.channels.delete(freqMhz);
      },
    );
    return channel;
  }

  private radioReady(channel: ChannelRadio, freqMhz: number, radio: InjectionRadio): void {
    this.counts.add("radios-created");
    this.options.log.info(`${this.options.name}: injecting radio ready on ${freqMhz} MHz`);
    channel.radio = radio;
    // Addresses heard while the radio was being created get their proxies now.
    for (const mac of channel.ackProxies.addresses()) this.apply(channel, freqMhz, { add: mac, remove: [] });
    const pending = channel.pending;
    channel.pending = [];
    const oldest = this.options.now() - MAX_PENDING_AGE_MS;
    for (const { packet, heldMs } of pending) {
      if (heldMs >= oldest) this.options.inject(radio, packet);
      else this.counts.add("radio-pending-stale");
    }
  }

  private apply(channel: ChannelRadio, freqMhz: number, change: AckProxyChange): void {
    const radio = channel.radio;
    if (!radio) return; // applied once the radio is up (radioReady)
    for (const mac of change.remove) {
      radio.removeAckAddress(mac).then(
        () => this.counts.add("ack-proxy-removed"),
        (error: unknown) => this.ackProxyFailed("remove", mac, freqMhz, error),
      );
    }
    if (change.add !== null) {
      const mac = change.add;
      radio.addAckAddress(mac).then(
        () => {
          this.counts.add("ack-proxy-added");
          this.options.log.info(
            `${this.options.name}: acknowledging for remote ${formatMac(mac)} on ${freqMhz} MHz`,
          );
        },
        (error: unknown) => this.ackProxyFailed("add", mac, freqMhz, error),
      );
    }
  }

  private ackProxyFailed(action: string, mac: MacAddress, freqMhz: number, error: unknown): void {
    this.counts.add("ack-proxy-error");
    this.options.log.limited(
      "warn",
      "ack-proxy",
      `${this.options.name}: could not ${action} the ACK proxy for ${formatMac(mac)} on ${freqMhz} MHz: ${String(error)}`,
    );
  }
}
