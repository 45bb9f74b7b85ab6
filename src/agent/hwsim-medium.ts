// The mac80211_hwsim medium: frames the guest's radios transmit are captured on hwsim0; frames from
// the tunnel are injected through radios of our own, one parked on each channel a guest radio can
// hear, so a scanning station never makes us retune. hwsim0 cannot be injected into (the driver
// drops it) and shows our own injections again, hence the echo filter. Which channels the guest
// hears comes from guest-watch.ts; its scans are answered with remote APs' beacons (scan-answer.ts).

import { FrameTypeCode, HeaderLength, ManagementFc0 } from "../ieee80211/constants.js";
import { readAddress1, readAddress2 } from "../ieee80211/frame.js";
import { formatMac, isGroupAddress, type MacAddress } from "../ieee80211/mac.js";
import type { Logger } from "../log.js";
import { Counters } from "../medium/counters.js";
import { type AirFrame, AirFrameFlags, type DeliverOutcome, type LocalMedium } from "../medium/medium.js";
import type { PacketSource } from "../os/pcap/live.js";
import { decodeHwsimRadiotap, encodeInjectionHeader } from "../radiotap/radiotap.js";
import { type AckProxyPolicy, AckProxyTable, DEFAULT_ACK_PROXY_POLICY } from "./ack-proxy.js";
import { EchoFilter } from "./echo-filter.js";
import { GuestWatch } from "./guest-watch.js";
import type { GuestEvent, GuestInterface, InjectionRadio, RadioBackend } from "./radio-backend.js";
import { RemoteBeacons, SCAN_REPLAY_INTERVAL_MS, SCAN_REPLAYS_PER_TICK } from "./scan-answer.js";

/**
 * BPF on hwsim0: only management and data frames travel. This drops hwsim's synthetic ACK records
 * and every control frame in the kernel, before they cost a wakeup.
 */
export const HWSIM_CAPTURE_FILTER = "type mgt or type data";

/** hwsim0 does not report a signal; receivers see this one. */
const CAPTURED_SIGNAL_DBM = -30;
/**
 * Frames held while the radio for their channel is being created (~1 s under TCG), and how old one
 * may be when the radio is ready. Flushing 256 held frames at once kept a TCG guest's event loop
 * busy for 0.8 s (measured), and a management frame a second old only confuses a handshake.
 */
const MAX_PENDING_PER_CHANNEL = 32;
const MAX_PENDING_AGE_MS = 1000;
/** Most injecting radios at once (one per active channel). */
const MAX_RADIOS = 16;

/**
 * When the agent falls behind (a TCG guest busy with iperf3 traffic), frames queue in the capture
 * buffer and everything behind them waits, beacons included: with a backlog of 0.9 s both stations
 * of a 3-VM lab logged a beacon loss at the same moment (measured). Dropping data frames that
 * waited longer than this bounds the queue the way a router's queue management does: TCP sees the
 * loss and slows down, management frames (beacons, handshakes) always go.
 */
export const LATE_DATA_MS = 200;

export const HWSIM_COUNTERS = [
  "captured",
  "capture-malformed",
  "late-data-dropped",
  "echo-suppressed",
  "delivered",
  "injected",
  "inject-error",
  "wrong-channel",
  "unused",
  "own-frame",
  "radio-pending-overflow",
  "radio-pending-stale",
  "radios-created",
  "radio-error",
  "ack-proxy-added",
  "ack-proxy-removed",
  "ack-proxy-error",
  "beacons-replayed",
  "scans-seen",
] as const;
export type HwsimCounter = (typeof HWSIM_COUNTERS)[number];

export interface HwsimMediumOptions {
  readonly captureIface: string;
  readonly source: PacketSource;
  readonly backend: RadioBackend;
  readonly log: Logger;
  readonly ackProxy?: AckProxyPolicy;
  readonly now?: () => number;
  /** Poll the guest's interfaces; tests that drive channels themselves turn it off. */
  readonly pollGuest?: boolean;
  /**
   * A captured data frame that waited longer than this (capture timestamp to now) is dropped, not
   * sent: see LATE_DATA_MS. Off when unset (capture files replay old timestamps).
   */
  readonly maxDataAgeMs?: number;
}

interface ChannelRadio {
  radio: InjectionRadio | null;
  pending: { readonly packet: Buffer; readonly heldMs: number }[];
  readonly ackProxies: AckProxyTable;
}

export class HwsimMedium implements LocalMedium {
  readonly name: string;
  private readonly counts = new Counters<HwsimCounter>(HWSIM_COUNTERS);
  private readonly echoes = new EchoFilter();
  private readonly remoteBeacons = new RemoteBeacons();
  private readonly channels = new Map<number, ChannelRadio>();
  private readonly injectionHeaders = new Map<number, Buffer>();
  private readonly guest: GuestWatch;
  /** Replays remote beacons while a local scan runs (scan-answer.ts). */
  private scanReplayTimer: NodeJS.Timeout | null = null;
  private readonly reportedCollisions = new Set<MacAddress>();
  private readonly now: () => number;

  constructor(private readonly options: HwsimMediumOptions) {
    this.name = options.captureIface;
    this.now = options.now ?? Date.now;
    this.guest = new GuestWatch({
      name: this.name,
      backend: options.backend,
      log: options.log,
      now: this.now,
      onTick: () => this.expireAckProxies(),
      onScanStarted: () => {
        this.counts.add("scans-seen");
        this.replayDuringScans();
      },
    });
  }

  async start(onTransmit: (frame: AirFrame) => void): Promise<void> {
    await this.guest.start(this.options.pollGuest !== false);
    this.options.source.start((packet, timestampNs) => this.captured(packet, timestampNs, onTransmit));
  }

  /** Tests and the poller set what the guest's interfaces are. */
  setGuestInterfaces(interfaces: readonly GuestInterface[]): void {
    this.guest.setInterfaces(interfaces);
  }

  /** Tests and the nl80211 watcher report scans and changes as they happen. */
  guestEvent(event: GuestEvent): void {
    this.guest.event(event);
  }

  private captured(packet: Buffer, timestampNs: bigint, onTransmit: (frame: AirFrame) => void): void {
    const decoded = decodeHwsimRadiotap(packet);
    if (!decoded.ok) {
      this.counts.add("capture-malformed");
      this.options.log.limited(
        "warn",
        "capture-malformed",
        `${this.name}: unreadable radiotap packet: ${decoded.error.detail}`,
      );
      return;
    }
    const { header, frame } = decoded.value;
    const transmitter = readAddress2(frame);
    // A transmitter the guest owns is the guest's own frame, whatever the echo filter remembers.
    const remote = transmitter !== null && this.guest.ownerOf(transmitter) === undefined ? transmitter : null;
    if (this.echoes.isEcho(frame, remote, this.now())) {
      this.counts.add("echo-suppressed");
      return;
    }
    const maxAge = this.options.maxDataAgeMs;
    if (maxAge !== undefined && ((frame[0] >> 2) & 0x3) === FrameTypeCode.data) {
      if (this.now() - Number(timestampNs / 1_000_000n) > maxAge) {
        this.counts.add("late-data-dropped");
        return;
      }
    }
    this.counts.add("captured");
    const freqMhz = header.channel?.freqMhz ?? 0;
    if (frame[0] === ManagementFc0.probeRequest) this.answerScan(freqMhz);
    onTransmit({
      frame,
      freqMhz,
      rate500kbps: header.rate500kbps ?? 0,
      signalDbm: CAPTURED_SIGNAL_DBM,
      flags: header.flags !== undefined && header.flags & 0x02 ? AirFrameFlags.shortPreamble : 0,
    });
  }

  deliver(air: AirFrame): DeliverOutcome {
    const transmitter = readAddress2(air.frame);
    if (transmitter !== null && this.guest.ownerOf(transmitter) !== undefined)
      return this.ownFrame(transmitter);
    const fc0 = air.frame[0];
    const isBeacon = fc0 === ManagementFc0.beacon && air.frame.length >= HeaderLength.threeAddress;
    // Built here only for beacons, which are kept for answering local scans (scan-answer.ts) whether
    // or not anyone hears the channel now; other frames pay for it only once they are delivered.
    let packet: Buffer | null = null;
    if (isBeacon && transmitter !== null) {
      packet = this.injectionPacket(air);
      this.remoteBeacons.heard(air.freqMhz, transmitter, packet, this.now());
    }
    const listeners = this.guest.listeners;
    const use = listeners.use({
      freqMhz: air.freqMhz,
      announcesNetwork: isBeacon || fc0 === ManagementFc0.probeResponse,
      receiver: readAddress1(air.frame),
    });
    if (!use.deliver) {
      // A beacon says an AP lives on this channel: have its radio ready before a local station
      // starts scanning, or the station's first scan misses the AP and waits seconds for the next
      // (measured: 25 s to associate with radios created on demand, radio creation ~1 s under TCG).
      if (isBeacon) this.channelRadio(air.freqMhz);
      const drop = listeners.hears(air.freqMhz) ? "unused" : "wrong-channel";
      this.counts.add(drop);
      return { delivered: false, drop };
    }
    if (use.ackProxy && transmitter !== null) this.noteRemoteTransmitter(air.freqMhz, transmitter);
    const channel = this.channelRadio(air.freqMhz);
    if (!channel) return { delivered: false, drop: "not-ready" };
    packet ??= this.injectionPacket(air);
    if (!channel.radio) {
      if (channel.pending.length >= MAX_PENDING_PER_CHANNEL) {
        this.counts.add("radio-pending-overflow");
        return { delivered: false, drop: "not-ready" };
      }
      channel.pending.push({ packet, heldMs: this.now() });
      this.counts.add("delivered");
      return { delivered: true };
    }
    if (!this.inject(channel.radio, packet)) return { delivered: false, drop: "inject-error" };
    this.counts.add("delivered");
    return { delivered: true };
  }

  /**
   * A remote frame whose transmitter is a local radio: it left this air and came back (something
   * forwarded it twice), or another VM's radio has our address (hwsim's default MACs). Either way
   * injecting it would make a local radio hear itself.
   */
  private ownFrame(mac: MacAddress): DeliverOutcome {
    this.counts.add("own-frame");
    if (!this.reportedCollisions.has(mac)) {
      this.reportedCollisions.add(mac);
      const local = this.guest.ownerOf(mac) ?? "?";
      this.options.log.error(
        `a remote frame carries the address of local ${local} (${formatMac(mac)}) as its transmitter: either another VM's radio has the same address (every VM's hwsim radios start with the same MACs; restart one agent with --unique-macs, or give ${local} another address), or a frame came back to the air it left from (a bug: please report it)`,
      );
    }
    return { delivered: false, drop: "own-frame" };
  }

  /** Until the last local scan ends, replay every remote beacon every SCAN_REPLAY_INTERVAL_MS. */
  private replayDuringScans(): void {
    if (this.scanReplayTimer) return;
    const tick = (): void => {
      if (!this.guest.scanning) {
        if (this.scanReplayTimer) clearInterval(this.scanReplayTimer);
        this.scanReplayTimer = null;
        return;
      }
      for (const { freqMhz, packet } of this.remoteBeacons.replayBatch(this.now(), SCAN_REPLAYS_PER_TICK)) {
        const radio = this.channels.get(freqMhz)?.radio;
        if (radio && this.inject(radio, packet)) this.counts.add("beacons-replayed");
      }
    };
    this.scanReplayTimer = setInterval(tick, SCAN_REPLAY_INTERVAL_MS);
    this.scanReplayTimer.unref();
    tick();
  }

  /** A local radio probes `freqMhz`, so it listens there now: replay what remote APs beacon there. */
  private answerScan(freqMhz: number): void {
    const radio = this.channels.get(freqMhz)?.radio;
    if (!radio) return;
    for (const beacon of this.remoteBeacons.answerProbe(freqMhz, this.now())) {
      if (this.inject(radio, beacon)) this.counts.add("beacons-replayed");
    }
  }

  private inject(radio: InjectionRadio, packet: Buffer): boolean {
    const frame = packet.subarray(packet.readUInt16LE(2));
    this.echoes.remember(frame, readAddress2(frame), this.now());
    try {
      radio.inject(packet);
      this.counts.add("injected");
      return true;
    } catch (error) {
      this.counts.add("inject-error");
      this.options.log.limited(
        "warn",
        "inject-error",
        `${this.name}: injecting a ${frame.length}-byte frame on ${radio.freqMhz} MHz failed: ${String(error)}`,
      );
      return false;
    }
  }

  /** Radiotap injection header + the frame, ready for an injecting radio. */
  private injectionPacket(air: AirFrame): Buffer {
    return Buffer.concat([this.injectionHeader(air), air.frame]);
  }

  private injectionHeader(air: AirFrame): Buffer {
    const key = air.freqMhz * 65536 + air.rate500kbps * 256 + air.flags;
    let header = this.injectionHeaders.get(key);
    if (!header) {
      // The channel field is informational for the kernel (the radio's tuning decides) but makes
      // recorded injections readable.
      header = encodeInjectionHeader({
        freqMhz: air.freqMhz,
        ...(air.rate500kbps > 0 ? { rate500kbps: air.rate500kbps } : {}),
        noAck: (air.flags & AirFrameFlags.noAck) !== 0,
      });
      this.injectionHeaders.set(key, header);
    }
    return header;
  }

  /** The radio parked on `freqMhz`, created on first use; null when the radio budget is spent. */
  private channelRadio(freqMhz: number): ChannelRadio | null {
    const existing = this.channels.get(freqMhz);
    if (existing) return existing;
    if (this.channels.size >= MAX_RADIOS) {
      this.counts.add("radio-error");
      this.options.log.limited(
        "warn",
        "radio-budget",
        `${this.name}: no radio for ${freqMhz} MHz: ${MAX_RADIOS} channels already in use`,
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
      (radio) => {
        this.counts.add("radios-created");
        this.options.log.info(`${this.name}: injecting radio ready on ${freqMhz} MHz`);
        channel.radio = radio;
        // Addresses heard while the radio was being created get their proxies now.
        for (const mac of channel.ackProxies.addresses())
          this.applyAckChange(channel, freqMhz, { add: mac, remove: [] });
        const pending = channel.pending;
        channel.pending = [];
        const oldest = this.now() - MAX_PENDING_AGE_MS;
        for (const { packet, heldMs } of pending) {
          if (heldMs >= oldest) this.inject(radio, packet);
          else this.counts.add("radio-pending-stale");
        }
      },
      (error: unknown) => {
        this.counts.add("radio-error");
        this.counts.add("inject-error", channel.pending.length);
        this.options.log.error(
          `${this.name}: could not create an injecting radio on ${freqMhz} MHz: ${String(error)}`,
        );
        this.channels.delete(freqMhz);
      },
    );
    return channel;
  }

  private noteRemoteTransmitter(freqMhz: number, mac: MacAddress): void {
    if (isGroupAddress(mac)) return;
    const channel = this.channelRadio(freqMhz);
    if (!channel) return;
    const change = channel.ackProxies.heard(mac, this.now());
    this.applyAckChange(channel, freqMhz, change);
  }

  private applyAckChange(
    channel: ChannelRadio,
    freqMhz: number,
    change: { add: MacAddress | null; remove: readonly MacAddress[] },
  ): void {
    const radio = channel.radio;
    if (!radio) return;
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
          this.options.log.info(`${this.name}: acknowledging for remote ${formatMac(mac)} on ${freqMhz} MHz`);
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
      `${this.name}: could not ${action} the ACK proxy for ${formatMac(mac)} on ${freqMhz} MHz: ${String(error)}`,
    );
  }

  /** Retire proxies for remote addresses that have gone quiet. */
  expireAckProxies(): void {
    const now = this.now();
    for (const [freqMhz, channel] of this.channels) {
      const remove = channel.ackProxies.sweep(now);
      if (remove.length > 0) this.applyAckChange(channel, freqMhz, { add: null, remove });
    }
  }

  /** Addresses of the guest's own radio interfaces, as last read. */
  guestMacs(): MacAddress[] {
    return this.guest.macs();
  }

  /** Current number of proxied addresses over all channels. */
  get ackProxyCount(): number {
    let total = 0;
    for (const channel of this.channels.values()) total += channel.ackProxies.size;
    return total;
  }

  /** Every counter of this medium, zeros included, and the current number of ACK proxies. */
  counters(): Record<HwsimCounter | "ack-proxies", number> {
    return { ...this.counts.snapshot(), "ack-proxies": this.ackProxyCount };
  }

  async close(): Promise<void> {
    this.guest.close();
    if (this.scanReplayTimer) clearInterval(this.scanReplayTimer);
    this.scanReplayTimer = null;
    this.options.source.close();
    await this.options.backend.close();
  }
}
