// The mac80211_hwsim medium: frames the guest's radios transmit are captured on hwsim0; frames from
// the tunnel are injected through radios of our own, one parked on each channel a guest radio can
// hear, so a scanning station never makes us retune. hwsim0 cannot be injected into (the driver
// drops it) and shows our own injections again, hence the echo filter. Which channels the guest
// hears comes from guest-watch.ts and listeners.ts; the radios and their ACK proxies are kept by
// channel-radios.ts; scans are answered with remote APs' beacons (scan-answer.ts).
//
// Timers: the scan replay (expiredScanReplay, every SCAN_REPLAY_INTERVAL_MS while a local scan
// runs), the capture filter's rebuild (expiredCaptureFilter); GuestWatch, ChannelRadios and
// BeaconKeeper keep their own (the guest poll, the ACK-proxy sweep, a remote AP's beacon gap).

import { announcedSwitchFreq } from "../ieee80211/channel-switch.js";
import { FrameTypeCode, HeaderLength, ManagementFc0 } from "../ieee80211/constants.js";
import { frameTypeCode, readAddress1, readAddress2 } from "../ieee80211/frame.js";
import { formatMac, type MacAddress } from "../ieee80211/mac.js";
import type { Logger } from "../log.js";
import { Counters } from "../medium/counters.js";
import {
  type AirFrame,
  AirFrameFlags,
  type DeliverOutcome,
  type LocalMedium,
  type MediumStatus,
} from "../medium/medium.js";
import type { PacketSource } from "../os/pcap/live.js";
import type { GuestEvent, GuestInterface, InjectionRadio, RadioBackend } from "../os/radios/backend.js";
import { decodeHwsimRadiotap, encodeInjectionHeader } from "../radiotap/radiotap.js";
import type { AckProxyPolicy } from "./ack-proxy.js";
import { BeaconKeeper } from "./beacon-keeper.js";
import { CaptureQueue } from "./capture-queue.js";
import { type ChannelRadioCounter, ChannelRadios } from "./channel-radios.js";
import { EchoFilter } from "./echo-filter.js";
import { GuestWatch } from "./guest-watch.js";
import { RemoteBeacons, SCAN_REPLAY_INTERVAL_MS, SCAN_REPLAYS_PER_TICK } from "./scan-answer.js";

/**
 * BPF on hwsim0: only management and data frames travel. This drops hwsim's synthetic ACK records
 * and every control frame in the kernel, before they cost a wakeup.
 */
export const HWSIM_CAPTURE_FILTER = "type mgt or type data";

/**
 * The capture filter once remote transmitters are known: their frames on hwsim0 are our own
 * injections coming back, so the kernel drops them before they cost a wakeup, a copy and a parse.
 * In a 3-VM lab a station's agent read 4 echoes for every frame it sent (1595 against 366,
 * measured); the echo filter stays as the safety net for transmitters not (yet) in the filter.
 */
export function captureFilter(remoteTransmitters: readonly MacAddress[]): string {
  if (remoteTransmitters.length === 0) return HWSIM_CAPTURE_FILTER;
  const echoes = remoteTransmitters.map((mac) => `wlan addr2 ${formatMac(mac)}`).join(" or ");
  return `(${HWSIM_CAPTURE_FILTER}) and not (${echoes})`;
}
/** Most transmitters the capture filter names (the BPF program grows with each). */
const MAX_FILTERED_TRANSMITTERS = 32;
/**
 * A new remote transmitter makes the filter rebuild after this long. New transmitters appear when
 * a station starts talking to an AP, and the swap (a new pcap session, opened synchronously) must
 * not land inside its authentication, which mac80211 gives 100 ms per try once the frame is acked.
 */
const CAPTURE_FILTER_SETTLE_MS = 5000;

/**
 * How long after a remote AP's last channel-switch announcement frames on the new channel are
 * delivered as on the old one: the AP's countdown (hostapd's chan_switch: ~1 s), the station's
 * first beacon there, and the agent's next read of the station's channel (2 s, later under load).
 */
const SWITCH_FOLLOW_MS = 10_000;

/** hwsim0 does not report a signal; receivers see this one. */
const CAPTURED_SIGNAL_DBM = -30;

export const HWSIM_COUNTERS = [
  "captured",
  "capture-malformed",
  "late-data-dropped",
  "echo-suppressed",
  "capture-filter-updates",
  "delivered",
  "injected",
  "inject-error",
  "wrong-channel",
  "unused",
  "own-frame",
  "beacons-replayed",
  "beacons-kept",
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
   * Drop data frames while the capture queue stays long (capture-queue.ts). Off by default: capture
   * files replay old timestamps.
   */
  readonly boundCaptureQueue?: boolean;
}

export class HwsimMedium implements LocalMedium {
  readonly name: string;
  private readonly counts = new Counters<HwsimCounter>(HWSIM_COUNTERS);
  private readonly echoes = new EchoFilter();
  private readonly remoteBeacons = new RemoteBeacons();
  private readonly beaconKeeper: BeaconKeeper;
  private readonly radios: ChannelRadios;
  private readonly queue: CaptureQueue | null;
  private readonly injectionHeaders = new Map<number, Buffer>();
  private readonly guest: GuestWatch;
  /** Replays remote beacons while a local scan runs (scan-answer.ts). */
  private scanReplayTimer: NodeJS.Timeout | null = null;
  /** Rebuilds the capture filter once new remote transmitters settle (expiredCaptureFilter). */
  private captureFilterTimer: NodeJS.Timeout | null = null;
  private captureFilterNow = HWSIM_CAPTURE_FILTER;
  private readonly reportedCollisions = new Set<MacAddress>();
  /** New channel → the channel a remote AP announced it leaves, and until when (listenedAs). */
  private readonly switchesAnnounced = new Map<number, { fromMhz: number; untilMs: number }>();
  private readonly now: () => number;

  constructor(private readonly options: HwsimMediumOptions) {
    this.name = options.captureIface;
    this.now = options.now ?? Date.now;
    this.queue = options.boundCaptureQueue ? new CaptureQueue() : null;
    this.beaconKeeper = new BeaconKeeper({
      now: this.now,
      inject: (freqMhz, packet) => {
        const radio = this.radios.radioOn(freqMhz);
        if (radio && this.inject(radio, packet)) this.counts.add("beacons-kept");
      },
    });
    this.guest = new GuestWatch({
      name: this.name,
      backend: options.backend,
      log: options.log,
      now: this.now,
      onScanStarted: () => this.timersScanStarted(),
      // A local AP's or station's channel gets its radio now, not when the first remote frame for
      // it arrives: that frame was a station's probe request or authentication, held while the
      // radio was made (measured in a loaded 2-VM lab: the AP's radio came 12 s after its agent was
      // ready, and the station's first authentication only 26 s after wpa_supplicant started).
      onOperatingChannels: (freqs) => {
        for (const freq of freqs) this.radios.ready(freq);
      },
    });
    this.radios = new ChannelRadios({
      name: this.name,
      backend: options.backend,
      log: options.log,
      now: this.now,
      ...(options.ackProxy ? { ackProxy: options.ackProxy } : {}),
      inject: (radio, packet) => this.inject(radio, packet),
      heldLost: (frames) => this.counts.add("inject-error", frames),
    });
  }

  async start(onTransmit: (frame: AirFrame) => void): Promise<void> {
    await this.guest.start(this.options.pollGuest !== false);
    this.radios.timersStart();
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
    if (this.queue !== null && frameTypeCode(frame[0]) === FrameTypeCode.data) {
      if (this.queue.dropData(Number(timestampNs / 1_000_000n), this.now())) {
        this.counts.add("late-data-dropped");
        return;
      }
    }
    this.counts.add("captured");
    const freqMhz = header.channel?.freqMhz ?? 0;
    if (frame[0] === ManagementFc0.probeRequest) this.answerScan(freqMhz);
    if (frame[0] === ManagementFc0.beacon) this.readyForSwitch(frame, freqMhz);
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
    const owner = transmitter === null ? undefined : this.guest.ownerOf(transmitter);
    if (transmitter !== null && owner !== undefined) return this.ownFrame(transmitter, owner);
    const fc0 = air.frame[0];
    const isBeacon = fc0 === ManagementFc0.beacon && air.frame.length >= HeaderLength.threeAddress;
    // Built here only for beacons, which are kept for answering local scans (scan-answer.ts) whether
    // or not anyone hears the channel now; other frames pay for it only once they are delivered.
    let packet: Buffer | null = null;
    if (isBeacon && transmitter !== null) {
      packet = this.injectionPacket(air);
      this.remoteBeacons.heard(air.freqMhz, transmitter, packet, this.now());
      this.readyForSwitch(air.frame, air.freqMhz, true);
    }
    const listeners = this.guest.listeners;
    const use = listeners.use({
      freqMhz: this.listenedAs(air.freqMhz, listeners.hears(air.freqMhz)),
      announcesNetwork: isBeacon || fc0 === ManagementFc0.probeResponse,
      probesForNetworks: fc0 === ManagementFc0.probeRequest,
      receiver: readAddress1(air.frame),
    });
    if (!use.deliver) {
      // A beacon says an AP lives on this channel: have its radio ready before a local station
      // starts scanning, or the station's first scan misses the AP and waits seconds for the next
      // (measured: 25 s to associate with radios created on demand, radio creation ~1 s under TCG).
      if (isBeacon) this.radios.ready(air.freqMhz);
      const drop = listeners.hears(air.freqMhz) ? "unused" : "wrong-channel";
      this.counts.add(drop);
      return { delivered: false, drop };
    }
    if (use.ackProxy && transmitter !== null) this.radios.heardRemote(air.freqMhz, transmitter);
    const outcome = this.radios.send(air.freqMhz, packet ?? this.injectionPacket(air));
    if (outcome === "no-radio") return { delivered: false, drop: "not-ready" };
    if (outcome === "inject-error") return { delivered: false, drop: "inject-error" };
    if (isBeacon && transmitter !== null && packet !== null)
      this.beaconKeeper.delivered(transmitter, air.freqMhz, packet, air.frame);
    this.counts.add("delivered");
    return { delivered: true };
  }

  /**
   * A beacon (local or remote) announces a channel switch: park a radio on the new channel now, in
   * the beacons' notice before the AP moves, so frames there are injected from the first one.
   */
  private readyForSwitch(beacon: Buffer, freqMhz: number, remote = false): void {
    const next = announcedSwitchFreq(beacon, freqMhz);
    if (next === null || next === freqMhz) return;
    this.radios.ready(next);
    if (remote)
      this.switchesAnnounced.set(next, { fromMhz: freqMhz, untilMs: this.now() + SWITCH_FOLLOW_MS });
  }

  /**
   * The channel a remote frame on `freqMhz` is judged as: a remote AP announced a move from F to
   * `freqMhz`, so until SWITCH_FOLLOW_MS after its last announcement, what local radios on F would
   * use is delivered on `freqMhz` too. mac80211 moves an associated station only after it hears a
   * beacon on the new channel, and the agent learns the station's new channel a poll later; without
   * this the beacons it needed there were dropped as wrong-channel (in 4 of 9 loaded runs the station
   * lost its AP in the switch and had to associate again).
   */
  private listenedAs(freqMhz: number, heard: boolean): number {
    if (heard) return freqMhz;
    const announced = this.switchesAnnounced.get(freqMhz);
    if (announced === undefined) return freqMhz;
    if (this.now() > announced.untilMs) {
      this.switchesAnnounced.delete(freqMhz);
      return freqMhz;
    }
    return announced.fromMhz;
  }

  /**
   * A remote frame whose transmitter is a local radio: it left this air and came back (something
   * forwarded it twice), or another VM's radio has our address (hwsim's default MACs). Either way
   * injecting it would make a local radio hear itself.
   */
  private ownFrame(mac: MacAddress, local: string): DeliverOutcome {
    this.counts.add("own-frame");
    if (!this.reportedCollisions.has(mac)) {
      this.reportedCollisions.add(mac);
      this.options.log.error(
        `a remote frame carries the address of local ${local} (${formatMac(mac)}) as its transmitter: either another VM's radio has the same address (every VM's hwsim radios start with the same MACs; restart one agent with --unique-macs, or give ${local} another address), or a frame came back to the air it left from (a bug: please report it)`,
      );
    }
    return { delivered: false, drop: "own-frame" };
  }

  /** nl80211 announced a local scan: until the last one ends, replay remote beacons (scan-answer.ts). */
  private timersScanStarted(): void {
    this.counts.add("scans-seen");
    if (this.scanReplayTimer) return;
    this.scanReplayTimer = setInterval(() => this.expiredScanReplay(), SCAN_REPLAY_INTERVAL_MS);
    this.scanReplayTimer.unref();
    this.expiredScanReplay();
  }

  /** Every SCAN_REPLAY_INTERVAL_MS while a scan runs: the next batch of remote beacons goes out. */
  private expiredScanReplay(): void {
    if (!this.guest.scanning) {
      if (this.scanReplayTimer) clearInterval(this.scanReplayTimer);
      this.scanReplayTimer = null;
      return;
    }
    for (const { freqMhz, packet } of this.remoteBeacons.replayBatch(this.now(), SCAN_REPLAYS_PER_TICK)) {
      const radio = this.radios.radioOn(freqMhz);
      if (radio && this.inject(radio, packet)) this.counts.add("beacons-replayed");
    }
  }

  /** A remote transmitter was injected for the first time: the capture filter will name it. */
  private timersNewTransmitter(): void {
    if (this.options.source.setFilter === undefined || this.captureFilterTimer !== null) return;
    this.captureFilterTimer = setTimeout(() => this.expiredCaptureFilter(), CAPTURE_FILTER_SETTLE_MS);
    this.captureFilterTimer.unref();
  }

  private expiredCaptureFilter(): void {
    this.captureFilterTimer = null;
    const remote = this.echoes
      .recentTransmitters(MAX_FILTERED_TRANSMITTERS)
      .filter((mac) => this.guest.ownerOf(mac) === undefined);
    const filter = captureFilter(remote);
    if (filter === this.captureFilterNow) return;
    try {
      this.options.source.setFilter?.(filter);
      this.captureFilterNow = filter;
      this.counts.add("capture-filter-updates");
      this.options.log.debug(`${this.name}: capture filter now ${filter}`);
    } catch (error) {
      this.options.log.limited(
        "warn",
        "capture-filter",
        `${this.name}: could not set the capture filter: ${String(error)}`,
      );
    }
  }

  /** A local radio probes `freqMhz`, so it listens there now: replay what remote APs beacon there. */
  private answerScan(freqMhz: number): void {
    const radio = this.radios.radioOn(freqMhz);
    if (!radio) return;
    for (const beacon of this.remoteBeacons.answerProbe(freqMhz, this.now())) {
      if (this.inject(radio, beacon)) this.counts.add("beacons-replayed");
    }
  }

  private inject(radio: InjectionRadio, packet: Buffer): boolean {
    const frame = packet.subarray(packet.readUInt16LE(2));
    if (this.echoes.remember(frame, readAddress2(frame), this.now())) this.timersNewTransmitter();
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

  /** Addresses of the guest's own radio interfaces, as last read. */
  guestMacs(): MacAddress[] {
    return this.guest.macs();
  }

  /** Current number of proxied addresses over all channels. */
  get ackProxyCount(): number {
    return this.radios.ackProxyCount;
  }

  /** The guest's radios, what they hear, our radios and their ACK proxies, for `status`. */
  status(): MediumStatus {
    return {
      localRadios: this.guest.current.map((iface) => ({
        ifname: iface.ifname,
        address: formatMac(iface.mac),
        type: iface.iftype,
        up: iface.up,
        freqMhz: iface.freqMhz,
      })),
      hears: this.guest.listeners.toString(),
      injectingRadios: this.radios.describe().map((radio) => ({
        freqMhz: radio.freqMhz,
        ready: radio.ready,
        ackProxies: radio.ackProxies.map(formatMac),
      })),
    };
  }

  /** Every counter of this medium, zeros included, and the current number of ACK proxies. */
  counters(): Record<HwsimCounter | ChannelRadioCounter | "ack-proxies", number> {
    return { ...this.counts.snapshot(), ...this.radios.counts.snapshot(), "ack-proxies": this.ackProxyCount };
  }

  async close(): Promise<void> {
    this.guest.close();
    this.beaconKeeper.close();
    this.radios.timersStop();
    if (this.captureFilterTimer) clearTimeout(this.captureFilterTimer);
    this.captureFilterTimer = null;
    if (this.scanReplayTimer) clearInterval(this.scanReplayTimer);
    this.scanReplayTimer = null;
    this.options.source.close();
    await this.options.backend.close();
  }
}
