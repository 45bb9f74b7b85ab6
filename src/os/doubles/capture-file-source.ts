// A capture file standing in for hwsim0, so the whole agent runs from a pcap file with no root, no
// hwsim and no kernel: it replays what hwsim0 once showed (test double of LiveCapture).

import { readFileSync } from "node:fs";
import { readCaptureFile } from "../../capture-file/capture-file.js";
import { describeLinkType, LINKTYPE_IEEE802_11_RADIOTAP } from "../../capture-file/link-type.js";
import type { PacketSource } from "../pcap/live.js";

export class CaptureFileSource implements PacketSource {
  private readonly packets: { data: Buffer; timestampNs: bigint }[];
  private closed = false;
  /** Resolves once every packet has been handed over. */
  readonly done: Promise<void>;
  private finish!: () => void;

  /**
   * `perTurn`: packets handed over per turn of the event loop (a busy live capture hands several);
   * `after`: the replay waits for it (a test lets the agents shake hands first).
   */
  constructor(
    path: string,
    private readonly options: { readonly perTurn?: number; readonly after?: Promise<void> } = {},
  ) {
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
    const perTurn = this.options.perTurn ?? 1;
    const replay = (index: number): void => {
      for (let next = index; next < index + perTurn; next++) {
        if (this.closed || next >= this.packets.length) {
          this.finish();
          return;
        }
        const { data, timestampNs } = this.packets[next];
        onPacket(Buffer.from(data), timestampNs);
      }
      setImmediate(replay, index + perTurn);
    };
    void (this.options.after ?? Promise.resolve()).then(() => setImmediate(replay, 0));
  }

  close(): void {
    this.closed = true;
  }
}
