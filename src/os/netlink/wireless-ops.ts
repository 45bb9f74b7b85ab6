// The netlink operations the kernel radio backend makes, as one interface with two homes: on the
// agent's own thread (InThreadWirelessOps, the reference and the fallback) or on a worker thread
// (thread.ts). Why a second home: a netlink request to the kernel runs its handler inside the
// sender's sendmsg(), so the agent's event loop stood still while the kernel registered a wiphy or
// a monitor interface (an idle TCG guest: 80-160 ms per radio, 17-61 ms per ACK proxy, 56-86 ms
// per interface dump), and every frame in flight waited with it.

import { HwsimRadios } from "./hwsim/radios.js";
import { type MonitorRequest, WirelessControl, type WirelessInterface } from "./nl80211.js";

export interface WirelessOps {
  /** Create a hwsim radio that lives as long as these ops (DESTROY_RADIO_ON_CLOSE). */
  newRadio(name: string, permAddr: Buffer): Promise<number>;
  wiphyByName(name: string): Promise<number | null>;
  addMonitor(request: MonitorRequest): Promise<number>;
  deleteInterface(ifindex: number): Promise<void>;
  setFrequency(ifindex: number, freqMhz: number): Promise<void>;
  setLinkUp(ifindex: number, options?: { mtu?: number }): Promise<void>;
  interfaces(): Promise<WirelessInterface[]>;
  linkIsUp(ifindex: number, ifname?: string): Promise<boolean>;
  /** Close the sockets: the kernel destroys the radios created through them. */
  close(): Promise<void>;
}

/** Opened with `hwsim: false` (--inject-phy), newRadio is refused: the radio is borrowed. */
export interface WirelessOpsOptions {
  readonly hwsim: boolean;
}

export class InThreadWirelessOps implements WirelessOps {
  private constructor(
    private readonly hwsim: HwsimRadios | null,
    private readonly control: WirelessControl,
  ) {}

  static async open(options: WirelessOpsOptions): Promise<InThreadWirelessOps> {
    const hwsim = options.hwsim ? await HwsimRadios.open() : null;
    try {
      return new InThreadWirelessOps(hwsim, await WirelessControl.open());
    } catch (error) {
      hwsim?.close();
      throw error;
    }
  }

  async newRadio(name: string, permAddr: Buffer): Promise<number> {
    if (this.hwsim === null) throw new Error("these wireless ops were opened without hwsim");
    return this.hwsim.newRadio({ name, permAddr });
  }

  wiphyByName(name: string): Promise<number | null> {
    return this.control.wiphyByName(name);
  }

  addMonitor(request: MonitorRequest): Promise<number> {
    return this.control.addMonitor(request);
  }

  deleteInterface(ifindex: number): Promise<void> {
    return this.control.deleteInterface(ifindex);
  }

  setFrequency(ifindex: number, freqMhz: number): Promise<void> {
    return this.control.setFrequency(ifindex, freqMhz);
  }

  setLinkUp(ifindex: number, options: { mtu?: number } = {}): Promise<void> {
    return this.control.setLinkUp(ifindex, options);
  }

  interfaces(): Promise<WirelessInterface[]> {
    return this.control.interfaces();
  }

  linkIsUp(ifindex: number, ifname?: string): Promise<boolean> {
    return this.control.linkIsUp(ifindex, ifname);
  }

  async close(): Promise<void> {
    this.hwsim?.close();
    this.control.close();
  }
}
