// nl80211 and rtnetlink, reduced to what the agent does with the kernel's Wi-Fi stack: list radios
// and interfaces, add monitor interfaces to its own radios, tune them, and bring links up.

import { readFileSync } from "node:fs";
import {
  createGenericNetlink,
  createRtNetlink,
  FlagsGet,
  type GenericNetlinkMessage,
  type GenericNetlinkSocket,
  Nl80211Socket,
  nl80211,
  type RtNetlinkSocket,
} from "netlink";
import { MAX_AIR_FRAME_BYTES } from "../../medium/medium.js";
import { NLA_HEADER, NLA_TYPE_MASK, nlaAlign, readAttributes } from "./attributes.js";
import { type GenlFamily, lookupFamily } from "./family.js";

/** One wireless interface as nl80211 reports it. */
export interface WirelessInterface {
  readonly ifindex: number;
  readonly ifname: string;
  /** wiphy index of the radio the interface belongs to. */
  readonly wiphy: number;
  readonly iftype: string;
  readonly mac: Buffer;
  /** Operating centre frequency, when the interface has a channel (AP up, station associated, monitor tuned). */
  readonly freqMhz: number | null;
}

export interface MonitorRequest {
  readonly wiphy: number;
  readonly ifname: string;
  /** An active monitor uses its MAC address and acknowledges unicast frames sent to it. */
  readonly active: boolean;
  readonly mac?: Buffer;
}

/** MTU for injecting monitor interfaces: the largest frame any medium carries. */
export const INJECTION_MTU = MAX_AIR_FRAME_BYTES;

/**
 * nl80211's generic netlink family (id, version, multicast groups), asked for by name and read by
 * family.ts. The netlink library's createNl80211 dumps every family and parses all their operations
 * in JavaScript instead, and the agent's start did that twice (measured on this host: 16-30 ms a
 * dump against 0.6-5 ms by name; a TCG guest is 10-20 times slower).
 */
async function nl80211Family(socket: GenericNetlinkSocket): Promise<GenlFamily> {
  const family = await lookupFamily(socket, NL80211_FAMILY);
  if (family === null) throw new Error("the kernel has no nl80211 family (cfg80211 not loaded?)");
  return family;
}

export class WirelessControl {
  /**
   * The netlink library matches replies to requests on one socket but mixes up a dump that overlaps
   * another request ("Multipart message not terminated properly", then EBUSY, measured when the
   * guest poll met radio creation), so every operation waits for the previous one.
   */
  private queue: Promise<unknown> = Promise.resolve();

  private serial<T>(operation: () => Promise<T>): Promise<T> {
    const next = this.queue.then(operation, operation);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private constructor(
    private readonly nl: Nl80211Socket,
    private readonly rt: RtNetlinkSocket,
  ) {}

  static async open(): Promise<WirelessControl> {
    const socket = createGenericNetlink();
    try {
      const family = await nl80211Family(socket);
      return new WirelessControl(
        new Nl80211Socket(socket, { familyId: family.familyId, version: family.version }),
        createRtNetlink(),
      );
    } catch (error) {
      socket.socket.close();
      throw error;
    }
  }

  /**
   * Every wireless interface. The dump's replies are decoded here for the six attributes the agent
   * reads rather than by the library, which parses every attribute of every interface into objects:
   * that parse held a TCG guest's event loop for up to 2 s under load (measured, --cpu-prof).
   */
  interfaces(): Promise<WirelessInterface[]> {
    return this.serial(async () => {
      // The family id and version the library resolved at open (typed private, public at run time).
      const family = this.nl as unknown as { readonly familyId: number; readonly version: number };
      const [replies] = await this.nl.socket.request(
        family.familyId,
        nl80211.Commands.GET_INTERFACE,
        family.version,
        [],
        { flags: FlagsGet.DUMP },
      );
      const result: WirelessInterface[] = [];
      for (const reply of replies) {
        const decoded = decodeInterface(reply.data);
        if (decoded !== null) result.push(decoded);
      }
      return result;
    });
  }

  /**
   * wiphy index by wiphy name ("phy0", or the name hwsim gave a radio we created): from sysfs, which
   * costs microseconds, else from a wiphy dump (every band and channel of every radio, parsed in
   * JavaScript: the costliest netlink call the agent makes).
   */
  wiphyByName(name: string): Promise<number | null> {
    const index = readSysfsNumber(`/sys/class/ieee80211/${name}/index`);
    if (index !== null) return Promise.resolve(index);
    return this.serial(async () => {
      const phys = await this.nl.getPhys();
      for (const [index, phy] of phys) if (phy.wiphyName === name) return index;
      return null;
    });
  }

  addMonitor(request: MonitorRequest): Promise<number> {
    return this.serial(async () => {
      const reply = await this.nl.newInterface(request.wiphy, request.ifname, nl80211.InterfaceType.MONITOR, {
        mntrFlags: request.active ? { active: true } : {},
        ...(request.mac ? { mac: request.mac } : {}),
      });
      return Number(reply.ifindex);
    });
  }

  deleteInterface(ifindex: number): Promise<void> {
    return this.serial(async () => {
      await this.nl.delInterface(ifindex);
    });
  }

  setFrequency(ifindex: number, freqMhz: number): Promise<void> {
    return this.serial(async () => {
      await this.nl.request(nl80211.Commands.SET_WIPHY, {
        ifindex: ifindex,
        wiphyFreq: freqMhz,
        wiphyChannelType: "NO_HT",
      });
    });
  }

  setLinkUp(ifindex: number, options: { mtu?: number } = {}): Promise<void> {
    return this.serial(async () => {
      await this.rt.setLink(
        { index: ifindex, flags: { up: true }, change: { up: true } },
        options.mtu ? { mtu: options.mtu } : {},
      );
    });
  }

  setLinkDown(ifindex: number): Promise<void> {
    return this.serial(async () => {
      await this.rt.setLink({ index: ifindex, flags: {}, change: { up: true } });
    });
  }

  setLinkAddress(ifindex: number, mac: Buffer): Promise<void> {
    return this.serial(async () => {
      await this.rt.setLink({ index: ifindex }, { address: mac });
    });
  }

  /** Ends the interface's scan now (NL80211_CMD_ABORT_SCAN); refused when none runs. */
  abortScan(ifindex: number): Promise<void> {
    return this.serial(async () => {
      await this.nl.request(nl80211.Commands.ABORT_SCAN, { ifindex });
    });
  }

  /** Interface index by name, from rtnetlink (hwsim0 is not a wireless interface to nl80211). */
  linkIndex(ifname: string): Promise<number | null> {
    return this.serial(async () => {
      const links = await this.rt.getLinks();
      return links.find((link) => link.attrs.ifname === ifname)?.data.index ?? null;
    });
  }

  /** Whether a link is up: from sysfs by name when it is there (cheap), else from rtnetlink. */
  linkIsUp(ifindex: number, ifname?: string): Promise<boolean> {
    const flags = ifname === undefined ? null : readSysfsNumber(`/sys/class/net/${ifname}/flags`);
    if (flags !== null) return Promise.resolve((flags & IFF_UP) !== 0);
    return this.serial(async () => {
      const [link] = await this.rt.getLink({ index: ifindex });
      return Boolean(link?.data.flags?.up);
    });
  }

  close(): void {
    this.nl.socket.socket.close();
    this.rt.socket.close();
  }
}

const IFF_UP = 0x1;

/** Whether a link is up, from sysfs by name; null when sysfs does not have it. */
export function linkIsUpInSysfs(ifname: string): boolean | null {
  const flags = readSysfsNumber(`/sys/class/net/${ifname}/flags`);
  return flags === null ? null : (flags & IFF_UP) !== 0;
}

/** A number sysfs prints (decimal, or hex with 0x); null when the file is not there. */
function readSysfsNumber(path: string): number | null {
  try {
    const value = Number(readFileSync(path, "utf8").trim());
    return Number.isFinite(value) ? value : null;
  } catch {
    return null;
  }
}

/** nl80211 attribute types the agent reads of an interface (include/uapi/linux/nl80211.h). */
const InterfaceAttribute = { wiphy: 1, ifindex: 3, ifname: 4, iftype: 5, mac: 6, wiphyFreq: 38 } as const;

/** One GET_INTERFACE reply (attributes after the genl header) as a WirelessInterface. */
export function decodeInterface(data: Buffer): WirelessInterface | null {
  let ifindex: number | null = null;
  let ifname: string | null = null;
  let wiphy: number | null = null;
  let iftype = 0;
  let mac: Buffer = Buffer.alloc(6);
  let freqMhz: number | null = null;
  for (let offset = 0; offset + NLA_HEADER <= data.length; ) {
    const length = data.readUInt16LE(offset);
    if (length < NLA_HEADER || offset + length > data.length) break;
    const type = data.readUInt16LE(offset + 2) & NLA_TYPE_MASK;
    const start = offset + NLA_HEADER;
    const u32 = (): number | null => (length >= NLA_HEADER + 4 ? data.readUInt32LE(start) : null);
    switch (type) {
      case InterfaceAttribute.wiphy:
        wiphy = u32();
        break;
      case InterfaceAttribute.ifindex:
        ifindex = u32();
        break;
      case InterfaceAttribute.ifname:
        ifname = data.toString("utf8", start, offset + length).replace(/\0.*$/s, "");
        break;
      case InterfaceAttribute.iftype:
        iftype = u32() ?? 0;
        break;
      case InterfaceAttribute.mac:
        if (length >= NLA_HEADER + 6) mac = Buffer.from(data.subarray(start, start + 6));
        break;
      case InterfaceAttribute.wiphyFreq:
        freqMhz = u32();
        break;
    }
    offset += nlaAlign(length);
  }
  if (ifindex === null || ifname === null || wiphy === null) return null;
  const typeName = (nl80211.InterfaceType as unknown as Record<number, string | undefined>)[iftype];
  return { ifindex, ifname, wiphy, iftype: typeName ?? "UNSPECIFIED", mac, freqMhz };
}

/** What the kernel announces about the guest's wireless interfaces, as it happens. */
export type WirelessEvent =
  /** The channels it visits (NL80211_ATTR_SCAN_FREQUENCIES), in the request's order. */
  | { readonly kind: "scan-started"; readonly ifindex: number; readonly freqsMhz: readonly number[] }
  /** Results are in, or the scan was aborted. */
  | { readonly kind: "scan-ended"; readonly ifindex: number }
  /** An interface appeared, vanished, changed type or channel, connected or disconnected. */
  | { readonly kind: "changed"; readonly ifindex: number | null; readonly wiphy: number | null };

/** nl80211 multicast groups that carry scans, interface changes and (dis)connections. */
const EVENT_GROUPS: readonly string[] = ["scan", "config", "mlme"];
const NL80211_FAMILY = "nl80211";

const SCAN_ENDED_COMMANDS: ReadonlySet<number> = new Set([
  nl80211.Commands.NEW_SCAN_RESULTS,
  nl80211.Commands.SCAN_ABORTED,
]);

/** Commands whose notifications change what an interface can hear. */
const CHANGE_COMMANDS: ReadonlySet<number> = new Set([
  nl80211.Commands.NEW_INTERFACE,
  nl80211.Commands.DEL_INTERFACE,
  nl80211.Commands.SET_INTERFACE,
  nl80211.Commands.CONNECT,
  nl80211.Commands.DISCONNECT,
  nl80211.Commands.ASSOCIATE,
  nl80211.Commands.DEAUTHENTICATE,
  nl80211.Commands.DISASSOCIATE,
  nl80211.Commands.CH_SWITCH_NOTIFY,
  nl80211.Commands.JOIN_IBSS,
  nl80211.Commands.JOIN_MESH,
  nl80211.Commands.START_AP,
  nl80211.Commands.STOP_AP,
]);

/**
 * nl80211 notifications on a socket of their own (replies and events must not share the request
 * socket, see WirelessControl). Polling alone notices a scan up to a poll interval late, by which
 * time the station may have left the channel a remote AP is on.
 */
export class WirelessEvents {
  private constructor(private readonly socket: ReturnType<typeof createGenericNetlink>) {}

  static async open(onEvent: (event: WirelessEvent) => void): Promise<WirelessEvents> {
    const socket = createGenericNetlink();
    try {
      const family = await nl80211Family(socket);
      for (const name of EVENT_GROUPS) {
        const id = family.mcastGroups.get(name);
        if (id !== undefined) socket.socket.addMembership(id);
      }
      const familyId = family.familyId;
      socket.on("message", (messages: GenericNetlinkMessage[]) => {
        for (const message of messages) {
          if (message.family !== familyId) continue;
          const event = toEvent(message);
          if (event) onEvent(event);
        }
      });
      return new WirelessEvents(socket);
    } catch (error) {
      socket.socket.close();
      throw error;
    }
  }

  close(): void {
    this.socket.socket.close();
  }
}

function toEvent(message: GenericNetlinkMessage): WirelessEvent | null {
  const isScanStart = message.cmd === nl80211.Commands.TRIGGER_SCAN;
  const isScanEnd = SCAN_ENDED_COMMANDS.has(message.cmd);
  if (!isScanStart && !isScanEnd && !CHANGE_COMMANDS.has(message.cmd)) return null;
  // A notification we cannot read still means something changed.
  const { ifindex, wiphy, freqsMhz } = decodeNotification(message.data);
  if (ifindex !== null && isScanStart) return { kind: "scan-started", ifindex, freqsMhz };
  if (ifindex !== null && isScanEnd) return { kind: "scan-ended", ifindex };
  return { kind: "changed", ifindex, wiphy };
}

/** nl80211 attribute types a notification is read for (include/uapi/linux/nl80211.h). */
const NotificationAttribute = { wiphy: 1, ifindex: 3, scanFrequencies: 44 } as const;

/**
 * The three attributes the agent reads of a notification, by readAttributes' walk rather than the
 * library's parse of every attribute into objects: a scan's notification lists every channel with
 * its SSIDs and IEs, and the first parse ran in a TCG guest while the scan it announced went on.
 */
export function decodeNotification(data: Buffer): {
  ifindex: number | null;
  wiphy: number | null;
  freqsMhz: number[];
} {
  const { values } = readAttributes(data, 0, data.length);
  const u32 = (type: number): number | null => {
    const payload = values.get(type);
    return payload !== undefined && payload.length >= 4 ? payload.readUInt32LE(0) : null;
  };
  const frequencies = values.get(NotificationAttribute.scanFrequencies);
  return {
    ifindex: u32(NotificationAttribute.ifindex),
    wiphy: u32(NotificationAttribute.wiphy),
    freqsMhz: frequencies === undefined ? [] : decodeScanFrequencies(frequencies),
  };
}

/**
 * NL80211_ATTR_SCAN_FREQUENCIES: a nested attribute per channel (its type is its index, each once:
 * nl80211 writes channel i as type i), each a u32 in MHz. Stops at a truncated attribute.
 */
export function decodeScanFrequencies(nested: Buffer): number[] {
  const freqs: number[] = [];
  for (const payload of readAttributes(nested, 0, nested.length).values.values())
    if (payload.length >= 4) freqs.push(payload.readUInt32LE(0));
  return freqs;
}
