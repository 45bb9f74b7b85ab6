// nl80211 and rtnetlink, reduced to what the agent does with the kernel's Wi-Fi stack: list radios
// and interfaces, add monitor interfaces to its own radios, tune them, and bring links up.

import { createNl80211, createRtNetlink, type Nl80211Socket, nl80211, type RtNetlinkSocket } from "netlink";

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

/** MTU for injecting monitor interfaces: the largest 802.11 MSDU (2304) plus headers fits. */
export const INJECTION_MTU = 2400;

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
    const nl = await createNl80211();
    return new WirelessControl(nl, createRtNetlink());
  }

  interfaces(): Promise<WirelessInterface[]> {
    return this.serial(async () => {
      const found = await this.nl.getInterfaces();
      const result: WirelessInterface[] = [];
      for (const message of found.values()) {
        if (message.ifindex === undefined || message.ifname === undefined || message.wiphy === undefined)
          continue;
        result.push({
          ifindex: Number(message.ifindex),
          ifname: message.ifname,
          wiphy: message.wiphy,
          iftype: String(message.iftype ?? "UNSPECIFIED"),
          mac: message.mac ?? Buffer.alloc(6),
          freqMhz: message.wiphyFreq ?? null,
        });
      }
      return result;
    });
  }

  /** wiphy index by wiphy name ("phy0", or the name hwsim gave a radio we created). */
  wiphyByName(name: string): Promise<number | null> {
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

  /** Interface index by name, from rtnetlink (hwsim0 is not a wireless interface to nl80211). */
  linkIndex(ifname: string): Promise<number | null> {
    return this.serial(async () => {
      const links = await this.rt.getLinks();
      return links.find((link) => link.attrs.ifname === ifname)?.data.index ?? null;
    });
  }

  linkIsUp(ifindex: number): Promise<boolean> {
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
