import { describe, expect, it } from "vitest";
import { parseMac } from "../../../src/ieee80211/mac.js";
import { HwsimAttr, HwsimTxFlags } from "../../../src/os/netlink/hwsim/constants.js";
import {
  decodeMediumMessages,
  deliveryEncodingLength,
  deliveryParts,
  encodeRegister,
  encodeTxStatus,
  txStatusEncodingLength,
} from "../../../src/os/netlink/hwsim/medium-wire.js";
import { encodeGetFamily, NLMSG_ERROR } from "../../../src/os/netlink/messages.js";

const FAMILY = 0x1d;
const mac = (text: string): number => {
  const parsed = parseMac(text);
  if (!parsed.ok) throw new Error(text);
  return parsed.value;
};

function attr(type: number, payload: Buffer): Buffer {
  const out = Buffer.alloc((4 + payload.length + 3) & ~3);
  out.writeUInt16LE(4 + payload.length, 0);
  out.writeUInt16LE(type, 2);
  payload.copy(out, 4);
  return out;
}
const u32 = (value: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value >>> 0);
  return b;
};
function message(type: number, command: number, attrs: Buffer[], seq = 0): Buffer {
  const body = Buffer.concat([Buffer.from([command, 1, 0, 0]), ...attrs]);
  const header = Buffer.alloc(16);
  header.writeUInt32LE(16 + body.length, 0);
  header.writeUInt16LE(type, 4);
  header.writeUInt32LE(seq, 8);
  return Buffer.concat([header, body]);
}

/** A transmission as mac80211_hwsim_tx_frame_nl builds it (attribute order as in the kernel). */
function kernelTransmission(
  frame: Buffer,
  flags: number = HwsimTxFlags.REQ_TX_STATUS,
  rateFlags = 0,
): Buffer {
  const rateFlagSlots = Buffer.alloc(12);
  rateFlagSlots.writeInt8(1, 0);
  rateFlagSlots.writeUInt16LE(rateFlags, 1);
  return message(FAMILY, 2, [
    attr(HwsimAttr.ADDR_TRANSMITTER, Buffer.from("420000000100", "hex")),
    attr(HwsimAttr.FRAME, frame),
    attr(HwsimAttr.FLAGS, u32(flags)),
    attr(HwsimAttr.TX_INFO, Buffer.from([1, 3, 0, 2, 0xff, 0, 0xff, 0])),
    attr(HwsimAttr.TX_INFO_FLAGS, rateFlagSlots),
    attr(HwsimAttr.FREQ, u32(2437)),
    attr(HwsimAttr.COOKIE, Buffer.from("0102030405060708", "hex")),
  ]);
}

function attributesOf(buf: Buffer): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  let offset = 20;
  while (offset + 4 <= buf.length) {
    const length = buf.readUInt16LE(offset);
    out.set(buf.readUInt16LE(offset + 2), buf.subarray(offset + 4, offset + length));
    offset += (length + 3) & ~3;
  }
  return out;
}

describe("hwsim medium messages", () => {
  it("decodes a transmission as the kernel sends it, with views into the buffer", () => {
    const frame = Buffer.from("08020000020000000200020000770002020000000100", "hex");
    const [decoded] = decodeMediumMessages(kernelTransmission(frame), FAMILY);
    expect(decoded?.kind).toBe("transmission");
    if (decoded?.kind !== "transmission") return;
    const tx = decoded.transmission;
    expect(tx.radio).toBe(mac("42:00:00:00:01:00"));
    expect(tx.frame.equals(frame)).toBe(true);
    expect(tx.flags).toBe(HwsimTxFlags.REQ_TX_STATUS);
    expect([...tx.rates]).toEqual([1, 3, 0, 2, 0xff, 0, 0xff, 0]);
    expect(tx.freqMhz).toBe(2437);
    expect(tx.cookie.toString("hex")).toBe("0102030405060708");
    expect(tx.mcs).toBe(false);
  });

  it("says when the first rate is an MCS", () => {
    const [decoded] = decodeMediumMessages(kernelTransmission(Buffer.alloc(24), 0, 1 << 3), FAMILY);
    expect(decoded?.kind === "transmission" && decoded.transmission.mcs).toBe(true);
  });

  it.each([
    [
      "a FRAME without a cookie",
      message(FAMILY, 2, [
        attr(2, Buffer.alloc(6)),
        attr(3, Buffer.alloc(24)),
        attr(4, u32(0)),
        attr(7, Buffer.alloc(8)),
      ]),
      /cookie/,
    ],
    ["a FRAME without a transmitter", message(FAMILY, 2, [attr(3, Buffer.alloc(24))]), /transmitter/],
    [
      "an attribute running past the message",
      (() => {
        const m = message(FAMILY, 2, [attr(3, Buffer.alloc(24))]);
        m.writeUInt16LE(200, 20);
        return m;
      })(),
      /attribute of length 200/,
    ],
    [
      "a message longer than the datagram",
      (() => {
        const m = message(FAMILY, 2, []);
        m.writeUInt32LE(999, 0);
        return m;
      })(),
      /length 999/,
    ],
  ])("reports %s as malformed, never throws", (_what, buf, detail) => {
    const [decoded] = decodeMediumMessages(buf, FAMILY);
    expect(decoded?.kind).toBe("malformed");
    if (decoded?.kind === "malformed") expect(decoded.detail).toMatch(detail);
  });

  it("reads netlink errors and acknowledgements with their sequence numbers, and a family reply", () => {
    const error = Buffer.alloc(36);
    error.writeUInt32LE(36, 0);
    error.writeUInt16LE(NLMSG_ERROR, 4);
    error.writeUInt32LE(7, 8);
    error.writeInt32LE(-16, 16);
    const family = message(
      0x10,
      1,
      [attr(1, Buffer.from([FAMILY, 0])), attr(2, Buffer.from("MAC80211_HWSIM\0"))],
      3,
    );
    const decoded = decodeMediumMessages(Buffer.concat([family, error]), 0);
    expect(decoded).toEqual([
      { kind: "family", seq: 3, familyId: FAMILY },
      { kind: "status", seq: 7, errno: 16 },
    ]);
  });

  it("encodes a status with every attribute hwsim requires, in its declared length", () => {
    const status = encodeTxStatus(FAMILY, 9, {
      radio: mac("42:00:00:00:01:00"),
      cookie: Buffer.from("0102030405060708", "hex"),
      flags: HwsimTxFlags.REQ_TX_STATUS | HwsimTxFlags.STAT_ACK,
      rates: Buffer.from([1, 1, 0xff, 0, 0xff, 0, 0xff, 0]),
      ackSignalDbm: -30,
    });
    expect(status.length).toBe(txStatusEncodingLength());
    expect(status.readUInt32LE(0)).toBe(status.length);
    expect(status.readUInt16LE(4)).toBe(FAMILY);
    expect(status.readUInt16LE(6)).toBe(0x1); // a request, no ACK asked for
    expect(status[16]).toBe(3); // HWSIM_CMD_TX_INFO_FRAME
    const attrs = attributesOf(status);
    expect(attrs.get(HwsimAttr.ADDR_TRANSMITTER)?.toString("hex")).toBe("420000000100");
    expect(attrs.get(HwsimAttr.FLAGS)?.readUInt32LE(0)).toBe(5);
    expect(attrs.get(HwsimAttr.SIGNAL)?.readInt32LE(0)).toBe(-30);
    expect(attrs.get(HwsimAttr.COOKIE)?.toString("hex")).toBe("0102030405060708");
    expect(attrs.get(HwsimAttr.TX_INFO)?.length).toBe(8);
  });

  it("encodes a delivery to one radio in three pieces (receiver, frame, rate, signal, channel)", () => {
    const frame = Buffer.from("80000000ffffffffffff", "hex");
    const parts = deliveryParts(FAMILY, 1, {
      radio: mac("42:00:00:00:00:00"),
      frame,
      rateIndex: 4,
      signalDbm: -72,
      freqMhz: 5180,
    });
    expect(parts[1]).toBe(frame); // sent as it is, not copied
    const delivery = Buffer.concat(parts);
    expect(delivery.length).toBe(deliveryEncodingLength(frame.length));
    expect(delivery[16]).toBe(2); // HWSIM_CMD_FRAME
    const attrs = attributesOf(delivery);
    expect(attrs.get(HwsimAttr.ADDR_RECEIVER)?.toString("hex")).toBe("420000000000");
    expect(attrs.get(HwsimAttr.FRAME)?.equals(frame)).toBe(true);
    expect(attrs.get(HwsimAttr.RX_RATE)?.readUInt32LE(0)).toBe(4);
    expect(attrs.get(HwsimAttr.SIGNAL)?.readInt32LE(0)).toBe(-72);
    expect(attrs.get(HwsimAttr.FREQ)?.readUInt32LE(0)).toBe(5180);
  });

  it("encodes the family lookup and the registration as acknowledged requests", () => {
    const lookup = encodeGetFamily("MAC80211_HWSIM", 1);
    expect(lookup.readUInt16LE(4)).toBe(0x10);
    expect(lookup.readUInt16LE(6)).toBe(0x5);
    expect(lookup.subarray(24, 39).toString("latin1")).toBe("MAC80211_HWSIM\0");
    const register = encodeRegister(FAMILY, 2);
    expect([register.length, register.readUInt16LE(4), register.readUInt16LE(6), register[16]]).toEqual([
      20,
      FAMILY,
      0x5,
      1,
    ]);
  });
});
