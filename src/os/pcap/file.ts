// Capture files standing in for the air, so the whole agent runs from a pcap file into a pcap file
// with no root, no hwsim and no kernel: the source replays what hwsim0 once showed, the radios
// write what they would have injected.

import { readFileSync, writeFileSync } from "node:fs";
import type { GuestInterface, InjectionRadio, RadioBackend } from "../../agent/radio-backend.js";
import { readCaptureFile } from "../../capture-file/capture-file.js";
import { describeLinkType, LINKTYPE_IEEE802_11_RADIOTAP } from "../../capture-file/link-type.js";
import { encodePcapHeader, encodePcapRecord } from "../../capture-file/pcap.js";
import type { MacAddress } from "../../ieee80211/mac.js";
import type { PacketSource } from "./live.js";

export class CaptureFileSource implements PacketSource {
  private readonly packets: { data: Buffer; timestampNs: bigint }[];
  private closed = false;
  /** Resolves once every packet has been handed over. */
  readonly done: Promise<void>;
  private finish!: () => void;

  constructor(path: string) {
    const file = readCaptureFile(readFileSync(path));
    if (!file.ok) throw new Error(`${path}: ${file.error.detail}`);
    const wrongLink = file.value.records.find((record) => record.linkType !== LINKTYPE_IEEE802_11_RADIOTAP);
    if (wrongLink)
      throw new Error(`${path}: holds ${describeLinkType(wrongLink.linkType)}, not radiotap frames`);
    this.packets = file.value.records.map((record) => ({
      data: record.data,
      timestampNs: record.timestampNs ?? 0n,
    }));
    this.done = new Promise((resolve) => {
      this.finish = resolve;
    });
  }

  start(onPacket: (packet: Buffer, timestampNs: bigint) => void): void {
    // Deliver on later turns of the event loop, as a live capture would.
    const replay = (index: number): void => {
      if (this.closed || index >= this.packets.length) {
        this.finish();
        return;
      }
      const { data, timestampNs } = this.packets[index];
      onPacket(Buffer.from(data), timestampNs);
      setImmediate(replay, index + 1);
    };
    setImmediate(replay, 0);
  }

  close(): void {
    this.closed = true;
  }
}

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
