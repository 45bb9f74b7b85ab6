// Which remote frames the guest's own radios can use, and for which remote transmitters they need
// an ACK proxy. Every injection costs the guest ~1 ms of CPU under TCG, and every injecting radio and
// ACK proxy seconds of netlink work, so the agent delivers only what a local radio can act on
// (measured with three VMs before these rules: each station's agent created a radio on every 2.4 GHz
// channel and a proxy for the other station on each, because the other station's probe requests
// arrived on every channel while the local station scanned).
//
// The rules, from what mac80211 does with a received frame:
// - An interface that serves a channel (AP, P2P GO, mesh point, IBSS, with a channel) hears everything
//   there, and unicasts to anyone who talks to it there (probe responses, authentication, data): every
//   remote transmitter on that channel gets a proxy.
// - An associated station keeps what a client's mac80211 keeps: frames to it, group-addressed frames
//   other than probe requests (its AP's broadcasts, deauthentications, multicast data), beacons and
//   probe responses. Unicast frames between other stations and their AP are dropped by its kernel
//   anyway; injecting them cost every station of a 4-VM lab 1 ms each for the others' iperf3
//   traffic (agents at 160-200 s of CPU, event loops late by 10-12 s, measured). It unicasts only
//   to APs and to whoever addressed it: proxies for transmitters of beacons and probe responses,
//   and of frames to it.
// - A station without a channel, or any interface while its scan runs, is looking for networks on
//   every channel: only beacons, probe responses and frames addressed to one of its addresses are
//   of use (mac80211 drops other stations' probe requests and foreign data on a client), with
//   proxies as for an associated station.
// - A mesh point or IBSS without a channel has not joined yet: its radio is idle, and hwsim hands
//   an idle radio nothing, so it hears nothing (the scan it runs before joining counts as a
//   station's scan, above). Until this rule they got everything, everywhere: in a three-VM mesh
//   lab every agent made radios on all eleven 2.4 GHz channels and 22 ACK proxies, for the other
//   nodes' probe requests while their wpa_supplicant scanned before joining (measured).
// - A P2P device has no channel of its own (it listens through remain-on-channel, which nl80211
//   does not report): it gets everything, everywhere.
// - A monitor interface (the guest's tcpdump) hears everything on its channel, or everywhere when it
//   reports none, and never acknowledges.
// - A down interface hears nothing.

import { isGroupAddress, type MacAddress } from "../ieee80211/mac.js";
import type { GuestInterfaceState } from "../os/radios/backend.js";

export type { GuestInterfaceState };

/** What the rules need to know of a remote frame. */
export interface HeardFrame {
  readonly freqMhz: number;
  /** Beacons and probe responses announce an AP a local station may join. */
  readonly announcesNetwork: boolean;
  /** A probe request: only APs (and joined mesh/IBSS peers) answer one. */
  readonly probesForNetworks: boolean;
  /** Address 1: the receiver (null when the frame is too short to have one). */
  readonly receiver: MacAddress | null;
}

export interface FrameUse {
  /** Some local radio can act on it: inject it. */
  readonly deliver: boolean;
  /** A local radio may unicast to its transmitter: acknowledge for that address on this channel. */
  readonly ackProxy: boolean;
}

const UNUSED: FrameUse = { deliver: false, ackProxy: false };
const HEARD: FrameUse = { deliver: true, ackProxy: false };
const ANSWERED: FrameUse = { deliver: true, ackProxy: true };

const SERVING_TYPES = new Set(["AP", "AP_VLAN", "P2P_GO", "MESH_POINT", "ADHOC", "OCB"]);
const CLIENT_TYPES = new Set(["STATION", "P2P_CLIENT"]);
const PEER_SEARCHING_TYPES = new Set(["P2P_DEVICE"]);

export class Listeners {
  private constructor(
    /** Channels an interface serves: everything heard, everyone answered. */
    private readonly serving: ReadonlySet<number>,
    /** Channels a monitor sits on: everything heard. */
    private readonly sitting: ReadonlySet<number>,
    /** Channels of associated stations: what a client keeps is heard, APs and whoever addresses it answered. */
    private readonly clientChannels: ReadonlySet<number>,
    /** A station looks for networks on every channel (no channel yet, or scanning). */
    private readonly seekingNetworks: boolean,
    /** A P2P device, or a monitor without a channel: everything, everywhere. */
    private readonly hearsEverything: boolean,
    /** Whether that "everything" is answered (peer searching) or only heard (monitor). */
    private readonly answersEverything: boolean,
    /** The guest's own addresses: frames to them are always of use. */
    private readonly own: ReadonlySet<MacAddress>,
  ) {}

  static readonly NONE = new Listeners(new Set(), new Set(), new Set(), false, false, false, new Set());

  static fromInterfaces(
    interfaces: readonly GuestInterfaceState[],
    ownAddresses: ReadonlySet<MacAddress> = new Set(),
  ): Listeners {
    const serving = new Set<number>();
    const sitting = new Set<number>();
    const clientChannels = new Set<number>();
    let seekingNetworks = false;
    let hearsEverything = false;
    let answersEverything = false;
    for (const iface of interfaces) {
      // A scan event can beat the poll that would show the interface up.
      if (iface.scanning) seekingNetworks = true;
      if (!iface.up) continue;
      const freq = iface.freqMhz;
      if (iface.iftype === "MONITOR") {
        if (freq === null) hearsEverything = true;
        else sitting.add(freq);
      } else if (SERVING_TYPES.has(iface.iftype) && freq !== null) {
        serving.add(freq);
      } else if (CLIENT_TYPES.has(iface.iftype)) {
        if (freq === null) seekingNetworks = true;
        else clientChannels.add(freq);
      } else if (PEER_SEARCHING_TYPES.has(iface.iftype) && freq === null) {
        hearsEverything = true;
        answersEverything = true;
      }
    }
    return new Listeners(
      serving,
      sitting,
      clientChannels,
      seekingNetworks,
      hearsEverything,
      answersEverything,
      ownAddresses,
    );
  }

  /**
   * Channels a local radio operates on (an AP, mesh or IBSS serving one, a station associated on
   * one): remote frames will be injected there, so a radio can be made there before they come.
   */
  get operatingChannels(): number[] {
    return [...new Set([...this.serving, ...this.clientChannels])];
  }

  /** What the local radios can do with `frame`. */
  use(frame: HeardFrame): FrameUse {
    const { freqMhz } = frame;
    if (this.serving.has(freqMhz) || (this.hearsEverything && this.answersEverything)) return ANSWERED;
    const group = frame.receiver !== null && isGroupAddress(frame.receiver);
    const forUs = frame.receiver !== null && !group && this.own.has(frame.receiver);
    const worthAnswering = frame.announcesNetwork || forUs;
    if ((this.clientChannels.has(freqMhz) || this.seekingNetworks) && worthAnswering) return ANSWERED;
    if (this.sitting.has(freqMhz) || this.hearsEverything) return HEARD;
    if (this.clientChannels.has(freqMhz) && group && !frame.probesForNetworks) return HEARD;
    return UNUSED;
  }

  /** Some local radio can hear something on `freqMhz`. */
  hears(freqMhz: number): boolean {
    return (
      this.seekingNetworks ||
      this.hearsEverything ||
      this.serving.has(freqMhz) ||
      this.sitting.has(freqMhz) ||
      this.clientChannels.has(freqMhz)
    );
  }

  equals(other: Listeners): boolean {
    return this.toString() === other.toString();
  }

  toString(): string {
    const parts: string[] = [];
    const list = (channels: ReadonlySet<number>): string =>
      [...channels]
        .sort((a, b) => a - b)
        .map((freq) => `${freq} MHz`)
        .join(", ");
    if (this.serving.size > 0) parts.push(`everything on ${list(this.serving)} (serving)`);
    const sittingOnly = new Set([...this.sitting].filter((freq) => !this.serving.has(freq)));
    if (sittingOnly.size > 0) parts.push(`everything on ${list(sittingOnly)}`);
    if (this.clientChannels.size > 0) parts.push(`what a station keeps on ${list(this.clientChannels)}`);
    if (this.hearsEverything) parts.push("everything on any channel");
    if (this.seekingNetworks) parts.push("networks on any channel (a local station is scanning)");
    return parts.length === 0 ? "nothing (no local radio is up)" : parts.join("; ");
  }
}
