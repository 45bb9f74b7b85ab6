// The pcapng writer (src/capture-file/pcapng-writer.ts) read back by the project's own reader and by
// tshark: packets, nanosecond timestamps, epb_flags direction and opt_comment survive.

import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { radiotapFor } from "../../src/agent/air-capture.js";
import { LINKTYPE_IEEE802_11_RADIOTAP } from "../../src/capture-file/link-type.js";
import { decodePcapng } from "../../src/capture-file/pcapng.js";
import {
  encodeEnhancedPacket,
  encodeInterfaceDescription,
  encodeSectionHeader,
  PacketDirection,
} from "../../src/capture-file/pcapng-writer.js";
import { airOf, markedFrame } from "../hostile/harness.js";

const packets = [
  { length: 24, direction: PacketDirection.outbound, comment: "hwsim0: sent" },
  { length: 25, direction: PacketDirection.inbound, comment: "b (10.0.0.2:8211): dropped-wrong-channel" },
  { length: 27, direction: undefined, comment: undefined },
  { length: 2353, direction: PacketDirection.inbound, comment: "é ünïcode" },
] as const;

function file(): Buffer {
  return Buffer.concat([
    encodeSectionHeader(),
    encodeInterfaceDescription(LINKTYPE_IEEE802_11_RADIOTAP, 4096, "wifi-tunnel"),
    ...packets.map((packet, index) =>
      encodeEnhancedPacket({
        interfaceId: 0,
        timestampNs: 1_764_633_600_123_456_789n + BigInt(index),
        data: Buffer.concat([
          radiotapFor(airOf(markedFrame(index, Math.max(packet.length, 32)))),
          markedFrame(index, Math.max(packet.length, 32)),
        ]),
        ...(packet.direction === undefined ? {} : { direction: packet.direction }),
        ...(packet.comment === undefined ? {} : { comment: packet.comment }),
      }),
    ),
  ]);
}

describe("pcapng writer", () => {
  it("every block is 32-bit aligned and the reader gets each packet and timestamp back", () => {
    const bytes = file();
    expect(bytes.length % 4).toBe(0);
    const decoded = decodePcapng(bytes);
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(decoded.value.interfaces).toEqual([
      { linkType: LINKTYPE_IEEE802_11_RADIOTAP, snaplen: 4096, section: 0 },
    ]);
    expect(decoded.value.records.map((record) => record.timestampNs)).toEqual(
      packets.map((_, index) => 1_764_633_600_123_456_789n + BigInt(index)),
    );
    expect(decoded.value.records.map((record) => record.data.length)).toEqual(
      decoded.value.records.map((r) => r.originalLength),
    );
  });

  it("tshark reads direction, comment, channel and transmitter of each packet", () => {
    const dir = mkdtempSync(join(tmpdir(), "wt-pcapng-"));
    try {
      const path = join(dir, "w.pcapng");
      writeFileSync(path, file());
      const run = spawnSync(
        "tshark",
        [
          "-r",
          path,
          "-T",
          "fields",
          "-e",
          "frame.packet_flags_direction",
          "-e",
          "frame.comment",
          "-e",
          "radiotap.channel.freq",
          "-e",
          "frame.time_epoch",
        ],
        { encoding: "utf8" },
      );
      expect(run.status).toBe(0);
      const rows = run.stdout
        .trim()
        .split("\n")
        .map((line) => line.split("\t"));
      expect(rows.map((row) => row[0])).toEqual(["0x00000002", "0x00000001", "", "0x00000001"]);
      expect(rows.map((row) => row[1])).toEqual(packets.map((packet) => packet.comment ?? ""));
      expect(rows.every((row) => row[2] === "2437")).toBe(true);
      expect(rows[0]?.[3]).toBe("1764633600.123456789");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
