// RadioBackend on a real kernel: injecting radios from the MAC80211_HWSIM family (no default
// interface, destroyed with our netlink socket), monitor interfaces through nl80211, frames out
// through libpcap. Interface names: wt<freq> injects, wt<freq>a<n> proxies acknowledgements.

import { randomBytes } from "node:crypto";
import { MAC_LENGTH, type MacAddress, makeLocalUnicast, writeMac } from "../../ieee80211/mac.js";
import { INJECTION_MTU, linkIsUpInSysfs, WirelessEvents } from "../netlink/nl80211.js";
import { NetlinkWorkerError, ThreadWirelessOps } from "../netlink/thread.js";
import { InThreadWirelessOps, type WirelessOps, type WirelessOpsOptions } from "../netlink/wireless-ops.js";
import { LiveInjector } from "../pcap/live.js";
import type { GuestEvent, GuestInterface, InjectionRadio, RadioBackend } from "./backend.js";

function macBuffer(mac: MacAddress): Buffer {
  const out = Buffer.alloc(MAC_LENGTH);
  writeMac(out, 0, mac);
  return out;
}

class KernelRadio implements InjectionRadio {
  private readonly ackInterfaces = new Map<MacAddress, number>();
  private nextAckIndex = 0;

  constructor(
    readonly freqMhz: number,
    private readonly wiphy: number,
    private readonly control: WirelessOps,
    private readonly injector: LiveInjector,
    private readonly onInterfaceAdded: (ifindex: number) => void,
  ) {}

  inject(packet: Buffer): void {
    this.injector.inject(packet);
  }

  async addAckAddress(mac: MacAddress): Promise<void> {
    if (this.ackInterfaces.has(mac)) return;
    const ifname = `wt${this.freqMhz}a${this.nextAckIndex++}`;
    const ifindex = await this.control.addMonitor({
      wiphy: this.wiphy,
      ifname,
      active: true,
      mac: macBuffer(mac),
    });
    this.ackInterfaces.set(mac, ifindex);
    this.onInterfaceAdded(ifindex);
    await this.control.setLinkUp(ifindex);
  }

  async removeAckAddress(mac: MacAddress): Promise<void> {
    const ifindex = this.ackInterfaces.get(mac);
    if (ifindex === undefined) return;
    this.ackInterfaces.delete(mac);
    await this.control.deleteInterface(ifindex);
  }

  close(): void {
    this.injector.close();
  }
}

/** A worker if one starts; the agent's thread otherwise (a worker's failure is not the kernel's). */
async function openWorker(
  options: WirelessOpsOptions,
  onFallback: (reason: string) => void,
): Promise<WirelessOps> {
  try {
    return await ThreadWirelessOps.open(options);
  } catch (error) {
    if (!(error instanceof NetlinkWorkerError)) throw error;
    onFallback(error.message);
    return InThreadWirelessOps.open(options);
  }
}

/** Where netlink requests run: the agent's own thread (the default) or a worker thread. */
export type NetlinkThread = "worker" | "agent";

export class KernelRadios implements RadioBackend {
  private readonly radios = new Map<number, KernelRadio>();
  private readonly ownWiphys = new Set<number>();

  /** Interfaces we added to a radio we did not create (--inject-phy): deleted by hand at close. */
  private readonly borrowedInterfaces: number[] = [];

  private constructor(
    private readonly control: WirelessOps,
    private readonly injectPhy: string | null,
  ) {}

  /**
   * With `injectPhy`, inject through that existing radio (one channel) instead of creating radios.
   * Netlink runs on the agent's thread, or with `thread` "worker" on a worker thread (the agent's
   * thread again, with `onFallback` told why, when no worker can be started).
   */
  static async open(
    injectPhy: string | null = null,
    thread: NetlinkThread = "agent",
    onFallback: (reason: string) => void = () => {},
  ): Promise<KernelRadios> {
    const options = { hwsim: injectPhy === null };
    const control =
      thread === "worker" ? await openWorker(options, onFallback) : await InThreadWirelessOps.open(options);
    if (injectPhy !== null && (await control.wiphyByName(injectPhy)) === null) {
      await control.close();
      throw new Error(`--inject-phy ${injectPhy}: no such radio (see 'iw phy')`);
    }
    return new KernelRadios(control, injectPhy);
  }

  private get createsRadios(): boolean {
    return this.injectPhy === null;
  }

  async guestInterfaces(): Promise<GuestInterface[]> {
    const found = await this.control.interfaces();
    const guest: GuestInterface[] = [];
    for (const iface of found) {
      if (this.ownWiphys.has(iface.wiphy)) continue;
      guest.push({
        ifindex: iface.ifindex,
        ifname: iface.ifname,
        iftype: iface.iftype,
        mac: iface.mac.readUIntBE(0, 6),
        freqMhz: iface.freqMhz,
        up: linkIsUpInSysfs(iface.ifname) ?? (await this.control.linkIsUp(iface.ifindex, iface.ifname)),
      });
    }
    return guest;
  }

  async watchGuest(onEvent: (event: GuestEvent) => void): Promise<() => void> {
    const events = await WirelessEvents.open((event) => {
      if (event.kind !== "changed") {
        onEvent({ kind: event.kind, ifindex: event.ifindex });
        return;
      }
      // Our own radios' interfaces come and go by the dozen (a monitor per channel, an ACK proxy per
      // remote transmitter): none of that is the guest's business, and each would cost a re-read.
      if (event.wiphy !== null && this.ownWiphys.has(event.wiphy)) return;
      onEvent({ kind: "changed" });
    });
    return () => events.close();
  }

  private async radioFor(freqMhz: number): Promise<string> {
    if (!this.createsRadios) {
      if (this.radios.size > 0) {
        throw new Error(
          `--inject-phy ${this.injectPhy} already serves ${[...this.radios.keys()].join(", ")} MHz; without --inject-phy the agent creates a radio per channel`,
        );
      }
      return this.injectPhy as string;
    }
    const name = `wtphy${freqMhz}`;
    // Locally administered, random: the radio's own address never appears on the air.
    const permAddr = makeLocalUnicast(randomBytes(6));
    await this.control.newRadio(name, permAddr);
    return name;
  }

  async createRadio(freqMhz: number): Promise<InjectionRadio> {
    const name = await this.radioFor(freqMhz);
    const wiphy = await this.control.wiphyByName(name);
    if (wiphy === null) throw new Error(`hwsim created radio ${name} but nl80211 does not list it`);
    this.ownWiphys.add(wiphy);
    const ifname = `wt${freqMhz}`;
    const ifindex = await this.control.addMonitor({ wiphy, ifname, active: false });
    if (!this.createsRadios) this.borrowedInterfaces.push(ifindex);
    // Monitor interfaces start at MTU 1500; a full-size data frame needs more (EMSGSIZE otherwise).
    await this.control.setLinkUp(ifindex, { mtu: INJECTION_MTU });
    await this.control.setFrequency(ifindex, freqMhz);
    const radio = new KernelRadio(freqMhz, wiphy, this.control, new LiveInjector(ifname), (index) => {
      if (!this.createsRadios) this.borrowedInterfaces.push(index);
    });
    this.radios.set(freqMhz, radio);
    return radio;
  }

  async close(): Promise<void> {
    for (const radio of this.radios.values()) radio.close();
    this.radios.clear();
    for (const ifindex of this.borrowedInterfaces)
      await this.control.deleteInterface(ifindex).catch(() => {});
    // Our own radios and all their interfaces vanish with the hwsim socket (DESTROY_RADIO_ON_CLOSE).
    await this.control.close();
  }
}
