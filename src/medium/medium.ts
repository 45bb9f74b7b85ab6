// A local medium is one way frames enter and leave this machine's air: the hwsim radios of this
// kernel (captured on hwsim0, injected through a radio of our own) or the ports of a virtio-mac80211
// airport hub. The agent sees every medium through this interface, the way wireguard-go sees tun/.

import type { MacAddress } from "../ieee80211/mac.js";

/**
 * The largest 802.11 frame (MAC header onwards, no FCS) any medium carries: above virtio-mac80211's
 * 2353-byte limit and a 2304-byte MSDU plus MAC header and security overhead. The tunnel's v1 limit,
 * and the MTU the injecting monitor interfaces get (they start at 1500: EMSGSIZE, measured).
 */
export const MAX_AIR_FRAME_BYTES = 2400;

/** One 802.11 frame on the air, with the radio metadata that travels beside it in the tunnel. */
export interface AirFrame {
  /** The 802.11 frame (MAC header onwards), without FCS. */
  readonly frame: Buffer;
  /** Centre frequency in MHz of the channel it was sent on. */
  readonly freqMhz: number;
  /** Legacy rate in units of 500 kbit/s (0 when unknown). */
  readonly rate500kbps: number;
  /** Signal in dBm as a receiver should report it. */
  readonly signalDbm: number;
  /** AirFrameFlags bits. */
  readonly flags: number;
}

export const AirFrameFlags = {
  /** The transmitter asked for no acknowledgement (radiotap TX flag NOACK). */
  noAck: 0x01,
  /** Short preamble was used (radiotap flag 0x02). */
  shortPreamble: 0x02,
  /**
   * The sending agent decided this unicast frame's fate and reported it to the transmitter (hwsim's
   * medium interface), applying its link's loss try by try where the link loses frames: a receiver
   * does not lose it again (the transmitter had its ACK and will not send it again).
   */
  lossApplied: 0x04,
} as const;

/**
 * Why a medium refused to deliver a frame; the agent counts these per reason. wrong-channel: no
 * local radio listens on its channel; unused: one does, but has no use for it (another station's
 * probe request while a local station scans); own-frame: its transmitter is a local radio, so it
 * left this air and came back (must stay 0: exactly once).
 */
export type DeliverDrop =
  | "wrong-channel"
  | "unused"
  | "own-frame"
  | "too-short"
  | "too-long"
  | "inject-error"
  | "not-ready";

export type DeliverOutcome =
  | { readonly delivered: true }
  | { readonly delivered: false; readonly drop: DeliverDrop };

/** What a medium shows in `wifi-tunnel status` beside its counters (each part only where it applies). */
export interface MediumStatus {
  /** The machine's own radio interfaces the medium serves (hwsim: the guest's, as last read). */
  readonly localRadios?: readonly {
    readonly ifname: string;
    readonly address: string;
    readonly type: string;
    readonly up: boolean;
    readonly freqMhz: number | null;
  }[];
  /** Which remote frames the local radios can use, in words ("everything on 2437 MHz", ...). */
  readonly hears?: string;
  /** The medium's own injecting radios, one per channel, and the addresses each acknowledges for. */
  readonly injectingRadios?: readonly {
    readonly freqMhz: number;
    readonly ready: boolean;
    readonly ackProxies: readonly string[];
  }[];
}

export interface LocalMedium {
  /** Short name for logs, e.g. "hwsim0" or "airport:20". */
  readonly name: string;
  /**
   * Whether a delivered frame's signalDbm is what the local receivers report. False (or absent)
   * where the medium cannot choose it: hwsim's monitor path (the injecting radio's TX power
   * decides), airport (no signal reaches the guest). The link model warns when a signal it sets
   * would be ignored (README, "Signal and loss").
   */
  readonly appliesSignal?: boolean;
  /**
   * False where frames reach the local receivers at one per event-loop turn (airport: a guest reads
   * one message per read, src/airport/stream.ts): a BUNDLE brings several frames in one turn, so
   * an agent with such a medium asks its peers for none. True or absent: bundles are welcome.
   */
  readonly takesBundles?: boolean;
  /** Begin reporting frames that local radios transmit. Resolves once frames can flow both ways. */
  start(onTransmit: (frame: AirFrame) => void): Promise<void>;
  /** Hand a frame from the remote air to the local radios. */
  deliver(frame: AirFrame): DeliverOutcome;
  /** Every counter of this medium for the report, zeros included. */
  counters(): Record<string, number>;
  /** Its radios and channels, for `wifi-tunnel status`. */
  status?(): MediumStatus;
  /**
   * A medium that decides local transmissions' fates (hwsim's medium interface) is told the loss
   * toward every remote radio whose peer's link loses frames: percent, by the address the peer
   * announced in its HELLO. Told again whenever that changes; an address not in it loses nothing.
   */
  useLinkLosses?(losses: ReadonlyMap<MacAddress, number>): void;
  /** Release every OS resource; after it resolves `iw dev`/sockets look as they did before start. */
  close(): Promise<void>;
}
