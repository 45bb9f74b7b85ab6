// The mac80211_hwsim medium with the agent as hwsim's registered medium (`--medium netlink`, the role
// wmediumd plays): every frame a local radio transmits comes to the agent over netlink instead of
// reaching the other radios, and the agent decides where it goes.
//
// The walk of a local transmission: hwsim hands it over (transmitted) → its fate is reported at once,
// acknowledged if its receiver is an address some radio transmits from (known-receivers.ts) → the
// other local radios get it, a probe request also the remote APs' beacons of its channel → the
// tunnel gets it. A frame from the tunnel is handed to every local radio (deliver); hwsim drops it
// for a radio not on its channel, and mac80211 filters by address as on the air.
//
// Against the monitor path (hwsim-medium.ts) this needs no capture on hwsim0, no injecting radios,
// no ACK proxies and no echo filter: a delivered frame does not come back as a transmission. The
// signal every receiver sees is the frame's AirFrame signal, so a link model can set it.
//
// A local station's scan ends as soon as no channel left in it holds an AP the agent heard
// (early-scan-end.ts): the agent sees every beacon a local radio could hear.
//
// Timers: the radio directory's re-read (expiredRadioScan, every RADIO_SCAN_INTERVAL_MS); opening
// the guest's scans once the agent runs (expiredLocalScansDelay, LOCAL_SCANS_DELAY_MS); the remote
// beacons' replay while a local station scans (expiredScanReplay, every SCAN_REPLAY_INTERVAL_MS); the
// BeaconKeeper, HeldFates (a station's request to a remote AP waiting for its answer) and
// EarlyScanEnd keep their own.

import { ManagementFc0 } from "../ieee80211/constants.js";
import { readAddress1, readAddress2 } from "../ieee80211/frame.js";
import { formatMac, isGroupAddress, type MacAddress } from "../ieee80211/mac.js";
import type { Logger } from "../log.js";
import { Counters } from "../medium/counters.js";
import {
  type AirFrame,
  AirFrameFlags,
  type DeliverOutcome,
  type LocalMedium,
  type MediumStatus,
} from "../medium/medium.js";
import { HwsimTxFlags, TX_RATE_SLOTS } from "../os/netlink/hwsim/constants.js";
import type { HwsimMediumPort } from "../os/netlink/hwsim/medium-socket.js";
import type { HwsimDelivery, HwsimTransmission, HwsimTxStatus } from "../os/netlink/hwsim/medium-wire.js";
import { hwsimRate500kbps, hwsimRateIndex, txStatusRates } from "../os/netlink/hwsim/rates.js";
import type { LocalScanEvent, LocalScans, OpenLocalScans } from "../os/netlink/local-scans.js";
import type { HwsimRadioEntry } from "../os/radios/hwsim-sysfs.js";
import { BeaconKeeper } from "./beacon-keeper.js";
import { EarlyScanEnd } from "./early-scan-end.js";
import { awaitsAnswer, HeldFates } from "./held-fates.js";
import { KnownReceivers } from "./known-receivers.js";
import { RemoteBeacons, SCAN_REPLAY_INTERVAL_MS, SCAN_REPLAYS_PER_TICK } from "./scan-answer.js";

/**
 * The signal a receiver reports for a frame nobody set one for: what hwsim's own medium gives a
 * radio at 20 dBm (-50 + TX power; hostapd's 2.4 GHz AP reads -30 dBm in one VM, measured).
 */
export const DEFAULT_SIGNAL_DBM = -30;
/**
 * Radios come and go (hwsim_cli, vwifi-add-interfaces): the directory is read this often, and at
 * once when an unknown radio transmits. Not more often: one read took 112 ms of a loaded TCG
 * guest's CPU (readdir, realpath and a file per radio; profiled).
 */
const RADIO_SCAN_INTERVAL_MS = 30_000;
/**
 * The guest's scans are followed from this long after start: the medium needs no nl80211 to come
 * up, and opening it (two family lookups, a dump of the interfaces) would lengthen the agent's start
 * in a TCG guest, where the station's first scan has run before any remote AP could be heard anyway.
 */
const LOCAL_SCANS_DELAY_MS = 1000;
/** Most local transmitter addresses remembered (a radio has a few interfaces). */
const MAX_LOCAL_ADDRESSES = 256;
/** Most remote APs whose last beacon's signal is remembered (least recently changed forgotten). */
const MAX_REMOTE_APS = 256;

export const HWSIM_NETLINK_COUNTERS = [
  "captured",
  "capture-malformed",
  "acked",
  "not-acked",
  "local-delivered",
  "delivered",
  "own-frame",
  "not-ready",
  "beacons-replayed",
  "beacons-kept",
  "status-refused",
  "delivery-refused",
  "deliveries-shed",
  "probes-seen",
  "link-lost",
  "link-tries-lost",
  "handler-errors",
  "radio-rescans",
  "fates-held",
  "fates-held-expired",
  "scans-ended-early",
  "scan-end-refused",
  "unfollowed-scans-ended",
  "unfollowed-scan-absent",
] as const;
export type HwsimNetlinkCounter = (typeof HWSIM_NETLINK_COUNTERS)[number];

export interface HwsimNetlinkMediumOptions {
  readonly port: HwsimMediumPort;
  /** The kernel's hwsim radios (src/os/radios/hwsim-sysfs.ts). */
  readonly listRadios: () => HwsimRadioEntry[];
  readonly log: Logger;
  readonly now?: () => number;
  /** Re-read the radio directory on a timer; tests that add radios themselves turn it off. */
  readonly rescanRadios?: boolean;
  /** Uniform on [0, 1), for the link's loss per try (tests fix it). */
  readonly random?: () => number;
  /** The guest's scans, to end them early (src/os/netlink/local-scans.ts); without, scans run out. */
  readonly openLocalScans?: OpenLocalScans;
}

/** Most tries a lossy link is drawn for (mac80211 asks for up to ~16 over its rate table). */
const MAX_TRIES = 16;

/** The tries mac80211 asked for over the rate slots of a transmission (1 to MAX_TRIES). */
function askedTries(rates: Buffer): number {
  let asked = 0;
  for (let slot = 0; slot < TX_RATE_SLOTS; slot++)
    if (rates.readInt8(2 * slot) >= 0) asked += rates[2 * slot + 1] ?? 0;
  return Math.min(Math.max(asked, 1), MAX_TRIES);
}

/** hwsim names a radio by `addresses[1]`: its permanent address with 0x40 set in the first octet. */
export function hwsimRadioKey(permAddr: MacAddress): MacAddress {
  const first = Math.floor(permAddr / 0x100_0000_0000);
  return (first | 0x40) * 0x100_0000_0000 + (permAddr % 0x100_0000_0000);
}

export class HwsimNetlinkMedium implements LocalMedium {
  readonly name = "hwsim";
  /** Receivers see the frame's AirFrame signal (a link model may set it). */
  readonly appliesSignal = true;
  private readonly counts = new Counters<HwsimNetlinkCounter>(HWSIM_NETLINK_COUNTERS);
  private readonly receivers = new KnownReceivers();
  private readonly remoteBeacons = new RemoteBeacons();
  private readonly beaconKeeper: BeaconKeeper;
  /** Stations' requests to remote APs whose acknowledgement waits for the answer (held-fates.ts). */
  private readonly heldFates: HeldFates<HwsimTxStatus>;
  /** Addresses local radios transmit from → the radio (its hwsim key). */
  private readonly localAddresses = new Map<MacAddress, MacAddress>();
  /** Remote APs → the signal of their last beacon: kept and replayed beacons arrive as strong. */
  private readonly beaconSignal = new Map<MacAddress, number>();
  /** hwsim keys seen transmitting, and the channel each was last on. */
  private readonly transmitters = new Map<MacAddress, number>();
  private directory: HwsimRadioEntry[] = [];
  /** Where a frame for every local radio goes: one hwsim key per radio (both guesses until one is seen). */
  private targets: MacAddress[] = [];
  private radioScanTimer: NodeJS.Timeout | null = null;
  private localScansTimer: NodeJS.Timeout | null = null;
  private localScans: LocalScans | null = null;
  private scanReplayTimer: NodeJS.Timeout | null = null;
  private readonly earlyScanEnd: EarlyScanEnd;
  private closed = false;
  private onTransmit: ((air: AirFrame) => void) | null = null;
  /** Loss in percent toward remote radios whose peer's link loses frames (the agent says which). */
  private linkLosses: ReadonlyMap<MacAddress, number> = new Map();
  private readonly random: () => number;
  private readonly now: () => number;

  constructor(private readonly options: HwsimNetlinkMediumOptions) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.heldFates = new HeldFates((status, expired) => {
      if (expired) this.counts.add("fates-held-expired");
      this.options.port.send([status], []);
    });
    this.earlyScanEnd = new EarlyScanEnd({
      now: this.now,
      endScan: (ifindex, kind) => this.endScan(ifindex, kind),
    });
    this.beaconKeeper = new BeaconKeeper({
      now: this.now,
      inject: (freqMhz, frame) => {
        if (this.deliverLocally(frame, freqMhz, 0, this.signalOf(frame), null) > 0)
          this.counts.add("beacons-kept");
      },
    });
  }

  useLinkLosses(losses: ReadonlyMap<MacAddress, number>): void {
    this.linkLosses = losses;
  }

  /** Whether a frame from the tunnel can reach a local radio: one is known. */
  ready(): boolean {
    return this.targets.length > 0;
  }

  async start(onTransmit: (frame: AirFrame) => void): Promise<void> {
    this.onTransmit = onTransmit;
    this.rescan();
    this.options.port.start({
      transmission: (transmission) => this.transmitted(transmission),
      refused: (what, errno) => this.refused(what, errno),
      failed: (error) => {
        this.counts.add("handler-errors");
        this.options.log.limited(
          "error",
          "hwsim-handler",
          `${this.name}: handling a message from hwsim failed (a bug: please report it): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        );
      },
      malformed: (detail) => {
        this.counts.add("capture-malformed");
        this.options.log.limited(
          "warn",
          "hwsim-malformed",
          `${this.name}: unreadable message from hwsim: ${detail}`,
        );
      },
      shed: (count) => {
        this.counts.add("deliveries-shed", count);
        this.options.log.limited(
          "warn",
          "hwsim-shed",
          `${this.name}: dropped ${count} data frames from the tunnel: more waited than this machine delivers in ~250 ms (its CPU is the bottleneck; TCP slows down on the loss)`,
        );
      },
    });
    if (this.options.rescanRadios !== false) this.timersStart();
    if (this.options.openLocalScans) this.timersLocalScans();
  }

  private timersStart(): void {
    this.radioScanTimer = setInterval(() => this.expiredRadioScan(), RADIO_SCAN_INTERVAL_MS);
    this.radioScanTimer.unref();
  }

  private expiredRadioScan(): void {
    this.rescan();
  }

  private timersLocalScans(): void {
    this.localScansTimer = setTimeout(() => this.expiredLocalScansDelay(), LOCAL_SCANS_DELAY_MS);
    this.localScansTimer.unref();
  }

  private expiredLocalScansDelay(): void {
    this.localScansTimer = null;
    const open = this.options.openLocalScans;
    if (open === undefined) return;
    open((event) => this.localScan(event)).then(
      (scans) => {
        if (this.closed) {
          scans.close();
          return;
        }
        this.localScans = scans;
        this.earlyScanEnd.unfollowed(scans.idleStations);
      },
      (error: unknown) =>
        this.options.log.info(`${this.name}: local scans run to their end (${String(error)})`),
    );
  }

  /** Only a station's scan is ended early: hostapd's own scans (ACS, 20/40 MHz) must run out. */
  private localScan(event: LocalScanEvent): void {
    if (event.kind === "scan-started" && event.iftype === "STATION") {
      this.earlyScanEnd.started(event.ifindex, event.mac, event.freqsMhz);
      this.timersScanReplay();
    } else {
      this.earlyScanEnd.ended(event.ifindex);
    }
  }

  private timersScanReplay(): void {
    if (this.scanReplayTimer) return;
    this.scanReplayTimer = setInterval(() => this.expiredScanReplay(), SCAN_REPLAY_INTERVAL_MS);
    this.scanReplayTimer.unref();
  }

  /**
   * Every SCAN_REPLAY_INTERVAL_MS while a local station scans, the next remote beacons go to its
   * radio (to every radio before it has transmitted): a probe's answer misses the dwell when the
   * agent reads the probe late (a busy guest: 290 ms after the trigger, measured), a tick need not.
   */
  private expiredScanReplay(): void {
    const scanning = this.earlyScanEnd.scanningAddresses();
    if (scanning.length === 0) {
      if (this.scanReplayTimer) clearInterval(this.scanReplayTimer);
      this.scanReplayTimer = null;
      return;
    }
    const radios = new Set<MacAddress>();
    for (const mac of scanning) {
      const radio = this.localAddresses.get(mac);
      if (radio === undefined) for (const target of this.targets) radios.add(target);
      else radios.add(radio);
    }
    const deliveries: HwsimDelivery[] = [];
    for (const { freqMhz, packet } of this.remoteBeacons.replayBatch(this.now(), SCAN_REPLAYS_PER_TICK)) {
      const signalDbm = this.signalOf(packet);
      for (const radio of radios) deliveries.push({ radio, frame: packet, rateIndex: 0, signalDbm, freqMhz });
      this.counts.add("beacons-replayed");
    }
    this.options.port.send([], deliveries);
  }

  private endScan(ifindex: number, kind: "followed" | "unfollowed"): void {
    const scans = this.localScans;
    if (scans === null) return;
    if (kind === "unfollowed") {
      // Most often no scan runs there (the station was idle, or its scan ended meanwhile).
      this.options.log.debug(
        `${this.name}: ending a scan of interface ${ifindex} begun before scans were followed, if one runs`,
      );
      scans.endScanIfIdleStation(ifindex).then(
        (ended) => this.counts.add(ended ? "unfollowed-scans-ended" : "unfollowed-scan-absent"),
        () => this.counts.add("unfollowed-scan-absent"),
      );
      return;
    }
    this.counts.add("scans-ended-early");
    this.options.log.debug(
      `${this.name}: ending the scan of interface ${ifindex}: no AP heard on its channels left`,
    );
    scans.endScan(ifindex).catch(() => this.counts.add("scan-end-refused"));
  }

  /** Reads the radio directory again and recomputes where frames for local radios go. */
  rescan(): void {
    this.counts.add("radio-rescans");
    this.directory = this.options.listRadios();
    this.retarget();
  }

  private retarget(): void {
    const targets: MacAddress[] = [];
    const claimed = new Set<MacAddress>();
    for (const entry of this.directory) {
      const keyed = hwsimRadioKey(entry.permAddr);
      // Radios hwsim made at load time are keyed by the 0x40 form, radios made with a permanent
      // address (HWSIM_ATTR_PERM_ADDR) by the address itself; a transmission says which.
      const seen = [keyed, entry.permAddr].filter((key) => this.transmitters.has(key));
      const keys = seen.length > 0 ? seen : keyed === entry.permAddr ? [keyed] : [keyed, entry.permAddr];
      for (const key of keys) {
        targets.push(key);
        claimed.add(key);
      }
    }
    // A radio made since the last read transmits before the directory shows it.
    for (const key of this.transmitters.keys()) if (!claimed.has(key)) targets.push(key);
    this.targets = targets;
  }

  /** A local radio transmitted `tx`: its fate, the other local radios, then the tunnel. */
  private transmitted(tx: HwsimTransmission): void {
    const now = this.now();
    const knownRadio = this.transmitters.has(tx.radio);
    this.transmitters.set(tx.radio, tx.freqMhz);
    if (!knownRadio) this.rescan();
    const frame = tx.frame;
    const receiver = readAddress1(frame);
    const transmitter = readAddress2(frame);
    if (transmitter !== null) {
      this.learnLocal(transmitter, tx.radio, now);
      if (frame[0] === ManagementFc0.beacon) this.earlyScanEnd.apHeard(transmitter, tx.freqMhz);
    }
    const group = receiver === null || isGroupAddress(receiver);
    const wantsNoAck = group || (tx.flags & HwsimTxFlags.NO_ACK) !== 0;
    // A unicast frame is acknowledged when its receiver exists: a radio (here or behind a peer) has
    // transmitted from that address; never when it is the transmitting radio's own. Toward a peer
    // whose link loses frames, each try mac80211 asked for is lost with the link's probability: the
    // frame is acknowledged on the first try that gets through, and lost (not acknowledged, not
    // sent on) only when every try was. Every unicast frame toward a remote radio carries its fate
    // from here (lossApplied), lossy link or not: a receiving agent that dropped it for a loss of
    // its own would drop a frame this kernel already had its ACK for, which is never retried.
    const exists =
      !wantsNoAck &&
      receiver !== null &&
      this.receivers.exists(receiver, now) &&
      this.localAddresses.get(receiver) !== tx.radio;
    // Toward a remote radio a link may lose the frame, and a request may wait for its answer.
    const remote = exists && receiver !== null && !this.localAddresses.has(receiver);
    const loss = remote ? (this.linkLosses.get(receiver) ?? 0) : 0;
    const tries = loss > 0 ? this.triesThrough(tx.rates, loss) : 1;
    const acked = exists && tries > 0;
    if (!wantsNoAck) this.counts.add(acked ? "acked" : "not-acked");
    if (exists && !acked) this.counts.add("link-lost");
    if (loss > 0) this.counts.add("link-tries-lost", acked ? tries - 1 : askedTries(tx.rates));
    const status = {
      radio: tx.radio,
      cookie: tx.cookie,
      flags: tx.flags | (acked ? HwsimTxFlags.STAT_ACK : 0),
      rates: txStatusRates(tx.rates, acked ? tries : wantsNoAck ? 1 : 0),
      ackSignalDbm: DEFAULT_SIGNAL_DBM,
    };
    const firstRate = tx.rates.readInt8(0);
    const rateIndex = tx.mcs || firstRate < 0 ? 0 : firstRate;
    const deliveries = this.deliveries(frame, tx.freqMhz, rateIndex, DEFAULT_SIGNAL_DBM, tx.radio);
    this.counts.add("local-delivered", deliveries.length);
    if (frame[0] === ManagementFc0.probeRequest) this.answerProbe(tx, deliveries, now);
    const held = remote && acked && awaitsAnswer(frame) && this.heldFates.hold(frame, status);
    if (held) this.counts.add("fates-held");
    this.options.port.send(held ? [] : [status], deliveries);
    // After the send: a scan that ends on this probe ends after its replayed beacons went out.
    if (frame[0] === ManagementFc0.probeRequest && transmitter !== null)
      this.earlyScanEnd.probed(transmitter, tx.freqMhz);
    // Control frames (BlockAckReq) go to the tunnel too: the send path counts and drops them there.
    this.counts.add("captured");
    if (exists && !acked) return;
    this.onTransmit?.({
      frame,
      freqMhz: tx.freqMhz,
      rate500kbps: tx.mcs ? 0 : hwsimRate500kbps(rateIndex, tx.freqMhz),
      signalDbm: DEFAULT_SIGNAL_DBM,
      flags: (wantsNoAck ? AirFrameFlags.noAck : 0) | (remote ? AirFrameFlags.lossApplied : 0),
    });
  }

  /** The try (1-based) on which a frame gets through a link losing `loss` percent per try; 0: none did. */
  private triesThrough(rates: Buffer, loss: number): number {
    const tries = askedTries(rates);
    if (loss >= 100) return 0;
    for (let attempt = 1; attempt <= tries; attempt++) if (this.random() >= loss / 100) return attempt;
    return 0;
  }

  private learnLocal(address: MacAddress, radio: MacAddress, now: number): void {
    this.receivers.heard(address, now);
    if (this.localAddresses.get(address) === radio) return;
    this.localAddresses.delete(address);
    this.localAddresses.set(address, radio);
    if (this.localAddresses.size > MAX_LOCAL_ADDRESSES) {
      const oldest = this.localAddresses.keys().next().value as MacAddress;
      this.localAddresses.delete(oldest);
    }
  }

  /**
   * A local radio probes its channel, so it listens there now: the remote APs' latest beacons go to
   * it at once, inside its scan's dwell (scan-answer.ts has the measurement); their probe responses
   * follow when the tunnel brings them.
   */
  private answerProbe(tx: HwsimTransmission, deliveries: HwsimDelivery[], now: number): void {
    this.counts.add("probes-seen");
    const beacons = this.remoteBeacons.answerProbe(tx.freqMhz, now);
    this.options.log.debug(
      `${this.name}: a local probe request on ${tx.freqMhz} MHz, answered with ${beacons.length} remote beacons`,
    );
    for (const beacon of beacons) {
      deliveries.push({
        radio: tx.radio,
        frame: beacon,
        rateIndex: 0,
        signalDbm: this.signalOf(beacon),
        freqMhz: tx.freqMhz,
      });
      this.counts.add("beacons-replayed");
    }
  }

  private deliveries(
    frame: Buffer,
    freqMhz: number,
    rateIndex: number,
    signalDbm: number,
    except: MacAddress | null,
  ): HwsimDelivery[] {
    const out: HwsimDelivery[] = [];
    for (const radio of this.targets)
      if (radio !== except) out.push({ radio, frame, rateIndex, signalDbm, freqMhz });
    return out;
  }

  private deliverLocally(
    frame: Buffer,
    freqMhz: number,
    rateIndex: number,
    signalDbm: number,
    except: MacAddress | null,
  ): number {
    const deliveries = this.deliveries(frame, freqMhz, rateIndex, signalDbm, except);
    this.options.port.send([], deliveries);
    return deliveries.length;
  }

  /** A frame from the tunnel: to every local radio (hwsim keeps it from those on other channels). */
  deliver(air: AirFrame): DeliverOutcome {
    const now = this.now();
    const transmitter = readAddress2(air.frame);
    if (transmitter !== null) {
      const local = this.localAddresses.get(transmitter);
      if (local !== undefined) return this.ownFrame(transmitter);
      this.receivers.heard(transmitter, now);
    }
    if (this.targets.length === 0) {
      this.counts.add("not-ready");
      return { delivered: false, drop: "not-ready" };
    }
    const isBeacon = air.frame[0] === ManagementFc0.beacon;
    if (isBeacon && transmitter !== null) {
      if (this.beaconSignal.get(transmitter) !== air.signalDbm)
        this.rememberSignal(transmitter, air.signalDbm);
      this.remoteBeacons.heard(air.freqMhz, transmitter, air.frame, now);
      this.earlyScanEnd.apHeard(transmitter, air.freqMhz);
      this.beaconKeeper.delivered(transmitter, air.freqMhz, air.frame, air.frame);
    }
    // An AP's answer to a held request: the request's acknowledgement reaches hwsim first.
    this.heldFates.answered(air.frame);
    this.deliverLocally(
      air.frame,
      air.freqMhz,
      hwsimRateIndex(air.rate500kbps, air.freqMhz),
      air.signalDbm,
      null,
    );
    this.counts.add("delivered");
    return { delivered: true };
  }

  private rememberSignal(bssid: MacAddress, signalDbm: number): void {
    this.beaconSignal.delete(bssid);
    this.beaconSignal.set(bssid, signalDbm);
    if (this.beaconSignal.size > MAX_REMOTE_APS) {
      const oldest = this.beaconSignal.keys().next().value as MacAddress;
      this.beaconSignal.delete(oldest);
    }
  }

  /** The signal a kept or replayed beacon is delivered with: its AP's last real one. */
  private signalOf(beacon: Buffer): number {
    const bssid = readAddress2(beacon);
    return (bssid === null ? undefined : this.beaconSignal.get(bssid)) ?? DEFAULT_SIGNAL_DBM;
  }

  /** A remote frame from a local address: it came back to the air it left, or two VMs share a MAC. */
  private ownFrame(mac: MacAddress): DeliverOutcome {
    this.counts.add("own-frame");
    this.options.log.limited(
      "error",
      "own-frame",
      `a remote frame carries the address ${formatMac(mac)} of a local radio as its transmitter: either another VM's radio has the same address (every VM's hwsim radios start with the same MACs; restart one agent with --unique-macs, or give the interface another address), or a frame came back to the air it left from (a bug: please report it)`,
    );
    return { delivered: false, drop: "own-frame" };
  }

  /**
   * hwsim refused a message of ours. A delivery is refused whenever the radio could not hear it (on
   * another channel, idle, down, or a guessed key that is no radio): normal, counted only. A status
   * is refused when hwsim no longer holds its frame (it keeps 200 per radio, dropping the oldest).
   */
  private refused(what: "status" | "delivery", errno: number): void {
    if (what === "delivery") {
      this.counts.add("delivery-refused");
      return;
    }
    this.counts.add("status-refused");
    this.options.log.limited(
      "warn",
      "hwsim-status-refused",
      `${this.name}: hwsim no longer held a frame whose fate the agent reported (errno ${errno})`,
    );
  }

  /** Addresses local radios transmit from, as learned from their frames. */
  guestMacs(): MacAddress[] {
    return [...this.localAddresses.keys()];
  }

  status(): MediumStatus {
    return {
      localRadios: this.directory.map((entry) => {
        const key = [hwsimRadioKey(entry.permAddr), entry.permAddr].find((k) => this.transmitters.has(k));
        const freq = key === undefined ? undefined : this.transmitters.get(key);
        return {
          ifname: entry.phy,
          address: formatMac(entry.permAddr),
          type: "hwsim radio",
          up: key !== undefined,
          freqMhz: freq === undefined || freq === 0 ? null : freq,
        };
      }),
      hears: "everything: hwsim gives each radio what its channel carries (the agent is hwsim's medium)",
    };
  }

  counters(): Record<HwsimNetlinkCounter | "known-receivers", number> {
    return { ...this.counts.snapshot(), "known-receivers": this.receivers.size };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.radioScanTimer) clearInterval(this.radioScanTimer);
    this.radioScanTimer = null;
    if (this.localScansTimer) clearTimeout(this.localScansTimer);
    this.localScansTimer = null;
    if (this.scanReplayTimer) clearInterval(this.scanReplayTimer);
    this.scanReplayTimer = null;
    this.earlyScanEnd.close();
    this.localScans?.close();
    this.localScans = null;
    this.beaconKeeper.close();
    this.heldFates.close();
    this.options.port.close();
  }
}
