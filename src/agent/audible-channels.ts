// A guest radio only hears frames on the channel it is tuned to, and only radios parked on that
// same channel can deliver them. Rather than retune one injecting radio per incoming frame (which
// thrashes while a station scans), the agent parks one injecting radio per channel and asks this
// module which channels are worth delivering to at all, from what nl80211 says about the guest's
// own interfaces.

export interface GuestInterfaceState {
  readonly ifname: string;
  /** nl80211 interface type name, e.g. "STATION", "AP", "MONITOR". */
  readonly iftype: string;
  readonly up: boolean;
  /** Operating frequency, when nl80211 reports one. */
  readonly freqMhz: number | null;
  /** A scan is under way (nl80211 said so): it visits every channel, whatever the rest says. */
  readonly scanning?: boolean;
}

/** Interface types that wander across channels while they have none (scanning, searching). */
const SEARCHING_TYPES = new Set(["STATION", "P2P_CLIENT", "P2P_DEVICE", "ADHOC", "MESH_POINT"]);

export class AudibleChannels {
  private constructor(
    /** Every channel is audible: some up interface is scanning or not yet on a channel. */
    readonly anyChannel: boolean,
    readonly channels: ReadonlySet<number>,
  ) {}

  static readonly NONE = new AudibleChannels(false, new Set());
  static readonly ALL = new AudibleChannels(true, new Set());

  static fromInterfaces(interfaces: readonly GuestInterfaceState[]): AudibleChannels {
    let anyChannel = false;
    const channels = new Set<number>();
    for (const iface of interfaces) {
      // A scan event can beat the poll that would show the interface up.
      if (iface.scanning) anyChannel = true;
      if (!iface.up) continue;
      if (iface.freqMhz !== null) channels.add(iface.freqMhz);
      else if (SEARCHING_TYPES.has(iface.iftype)) anyChannel = true;
    }
    return new AudibleChannels(anyChannel, channels);
  }

  hears(freqMhz: number): boolean {
    return this.anyChannel || this.channels.has(freqMhz);
  }

  equals(other: AudibleChannels): boolean {
    if (this.anyChannel !== other.anyChannel || this.channels.size !== other.channels.size) return false;
    for (const freq of this.channels) if (!other.channels.has(freq)) return false;
    return true;
  }

  toString(): string {
    if (this.anyChannel) return "any channel (a local station is scanning)";
    if (this.channels.size === 0) return "no channel (no local radio is up)";
    return [...this.channels]
      .sort((a, b) => a - b)
      .map((freq) => `${freq} MHz`)
      .join(", ");
  }
}
