// Radios that write what they would have injected, so the agent runs into a pcap file (test double
// of KernelRadios); the guest's interfaces are whatever the test says.

import { writeFileSync } from "node:fs";
import { LINKTYPE_IEEE802_11_RADIOTAP } from "../../capture-file/link-type.js";
import { encodePcapHeader, encodePcapRecord } from "../../capture-file/pcap.js";
import type { MacAddress } from "../../ieee80211/mac.js";
import type { GuestInterface, InjectionRadio, RadioBackend } from "../radios/backend.js";

interface InjectedPacket {
  readonly freqMhz: number;
  readonly packet: Buffer;
}

class RecordingRadio implements InjectionRadio {
  readonly ackAddresses = new Set<MacAddress>();

  constructor(
    readonly freqMhz: number,
    private readonly log: InjectedPacket[],
  ) {}

  inject(packet: Buffer): void {
    this.log.push({ freqMhz: this.freqMhz, packet: Buffer.from(packet) });
  }

  async addAckAddress(mac: MacAddress): Promise<void> {
    this.ackAddresses.add(mac);
  }

  async removeAckAddress(mac: MacAddress): Promise<void> {
    this.ackAddresses.delete(mac);
  }
}

/** Radios that record what they inject; the guest's interfaces are whatever the test says. */
export class RecordingRadios implements RadioBackend {
  readonly injected: InjectedPacket[] = [];
  readonly radios = new Map<number, RecordingRadio>();
  closed = false;

  constructor(private guest: GuestInterface[]) {}

  setGuest(guest: GuestInterface[]): void {
    this.guest = guest;
  }

  async guestInterfaces(): Promise<GuestInterface[]> {
    return this.guest;
  }

  async createRadio(freqMhz: number): Promise<InjectionRadio> {
    const radio = new RecordingRadio(freqMhz, this.injected);
    this.radios.set(freqMhz, radio);
    return radio;
  }

  /** Write every injected radiotap packet, in order, as a pcap file (DLT 127). */
  writeCapture(path: string): void {
    const base = 1_700_000_000_000_000_000n;
    writeFileSync(
      path,
      Buffer.concat([
        encodePcapHeader(LINKTYPE_IEEE802_11_RADIOTAP),
        ...this.injected.map(({ packet }, index) => encodePcapRecord(base + BigInt(index) * 1000n, packet)),
      ]),
    );
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
