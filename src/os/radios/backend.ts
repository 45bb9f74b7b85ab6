// What the hwsim medium needs from the kernel, as an interface: the guest's interfaces, and radios
// of our own parked on a channel that inject frames and proxy acknowledgements. kernel.ts
// implements it with hwsim generic netlink, nl80211 and libpcap; src/os/doubles/ with files.

import type { MacAddress } from "../../ieee80211/mac.js";

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

export interface GuestInterface extends GuestInterfaceState {
  readonly ifindex: number;
  readonly mac: MacAddress;
}

/** A radio of the agent's own, tuned to one channel for its whole life. */
export interface InjectionRadio {
  readonly freqMhz: number;
  /** Transmit a radiotap packet; throws when the kernel refuses it. */
  inject(packet: Buffer): void;
  /** Make this radio acknowledge unicast frames sent to `mac` (an active monitor interface). */
  addAckAddress(mac: MacAddress): Promise<void>;
  removeAckAddress(mac: MacAddress): Promise<void>;
}

/** What the kernel says as it happens; polling guestInterfaces() stays the source of truth. */
export type GuestEvent =
  | { readonly kind: "scan-started" | "scan-ended"; readonly ifindex: number }
  | { readonly kind: "changed" };

export interface RadioBackend {
  /** The wireless interfaces of this kernel that are not the agent's own. */
  guestInterfaces(): Promise<GuestInterface[]>;
  /** Report scans and interface changes as they happen, until the returned function is called. */
  watchGuest?(onEvent: (event: GuestEvent) => void): Promise<() => void>;
  /** Create a radio with an injecting monitor interface, tuned to `freqMhz`. */
  createRadio(freqMhz: number): Promise<InjectionRadio>;
  /** Remove every radio and interface the backend created. */
  close(): Promise<void>;
}
