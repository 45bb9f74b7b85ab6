// Hand-built radiotap vectors. Each byte string is laid out by hand from the radiotap.org field
// definitions (alignment relative to the header start), not produced by the encoder under test.

import { describe, expect, it } from "vitest";
import {
  RadiotapChannelFlags,
  RadiotapFlags,
  RadiotapPresent,
  RadiotapTxFlags,
} from "../../src/radiotap/constants.js";
import {
  decodeHwsimRadiotap,
  decodeRadiotap,
  encodeInjectionHeader,
  encodeRadiotap,
  HWSIM_ACK_RADIOTAP_PRESENT,
  HWSIM_RADIOTAP_PRESENT,
  injectionHeaderLength,
  type RadiotapPacket,
  type RadiotapReject,
  radiotapEncodingLength,
} from "../../src/radiotap/radiotap.js";
import type { Result } from "../../src/result.js";

function hex(text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ""), "hex");
}

function decoded(result: Result<RadiotapPacket, RadiotapReject>): RadiotapPacket {
  if (!result.ok) throw new Error(`expected ok, got ${result.error.reason}: ${result.error.detail}`);
  return result.value;
}

// A 24-byte beacon-ish management header, just something recognisable after the radiotap header.
const MGMT_FRAME = hex("80000000 ffffffffffff 020000000100 020000000100 1000");

// mac80211_hwsim's struct hwsim_radiotap_hdr: it_len 22, present TSFT|FLAGS|RATE|CHANNEL,
// TSFT 0x0102030405060708, flags 0, rate 12 (6 Mbit/s), 2437 MHz, 2 GHz|OFDM.
const HWSIM_HEADER = hex("00 00 1600 0f000000 0807060504030201 00 0c 8509 c000");
// struct hwsim_radiotap_ack_hdr: it_len 14, present FLAGS|CHANNEL, a pad byte before the channel.
const HWSIM_ACK_HEADER = hex("00 00 0e00 0a000000 00 00 8509 8000");
const ACK_FRAME = hex("d400 0000 020000000100");

describe("decodeRadiotap on hwsim's headers", () => {
  it("the present words hwsim uses are the ones the notes describe", () => {
    expect(HWSIM_RADIOTAP_PRESENT).toBe(0x0000000f);
    expect(HWSIM_ACK_RADIOTAP_PRESENT).toBe(0x0000000a);
  });

  for (const [name, decode] of [
    ["decodeRadiotap", decodeRadiotap],
    ["decodeHwsimRadiotap", decodeHwsimRadiotap],
  ] as const) {
    it(`${name} reads the 22-byte hwsim0 header`, () => {
      const packet = Buffer.concat([HWSIM_HEADER, MGMT_FRAME]);
      const { header, frame } = decoded(decode(packet));
      expect(header).toEqual({
        version: 0,
        length: 22,
        presentWords: [0x0f],
        tsft: 0x0102030405060708n,
        flags: 0,
        rate500kbps: 12,
        channel: { freqMhz: 2437, flags: RadiotapChannelFlags.band2Ghz | RadiotapChannelFlags.ofdm },
      });
      expect(frame.equals(MGMT_FRAME)).toBe(true);
      // A view, not a copy: the agent decides what to copy out of pcap's reused buffer.
      expect(frame.buffer).toBe(packet.buffer);
      expect(frame.byteOffset).toBe(packet.byteOffset + 22);
    });

    it(`${name} reads hwsim's 14-byte ACK record header`, () => {
      const { header, frame } = decoded(decode(Buffer.concat([HWSIM_ACK_HEADER, ACK_FRAME])));
      expect(header).toEqual({
        version: 0,
        length: 14,
        presentWords: [0x0a],
        flags: 0,
        channel: { freqMhz: 2437, flags: RadiotapChannelFlags.band2Ghz },
      });
      expect(frame.equals(ACK_FRAME)).toBe(true);
    });

    it(`${name} strips the FCS when flags say it is at the end`, () => {
      const withFcs = Buffer.from(HWSIM_HEADER);
      withFcs[16] = RadiotapFlags.fcsAtEnd;
      const fcs = hex("deadbeef");
      const { header, frame } = decoded(decode(Buffer.concat([withFcs, MGMT_FRAME, fcs])));
      expect(header.flags).toBe(RadiotapFlags.fcsAtEnd);
      expect(frame.equals(MGMT_FRAME)).toBe(true);
    });

    it(`${name} rejects an FCS flag with fewer than 4 bytes behind the header`, () => {
      const withFcs = Buffer.from(HWSIM_HEADER);
      withFcs[16] = RadiotapFlags.fcsAtEnd;
      const result = decode(Buffer.concat([withFcs, hex("aabbcc")]));
      expect(result.ok ? "ok" : result.error.reason).toBe("truncated");
    });

    it(`${name} accepts a header with nothing behind it (empty frame)`, () => {
      const { frame } = decoded(decode(HWSIM_HEADER));
      expect(frame.length).toBe(0);
    });
  }

  it("decodeHwsimRadiotap falls back to the general decoder for a 22-byte header of another shape", () => {
    // it_len 22 like hwsim's, but present FLAGS|DBM_ANTSIGNAL (FCS at end, -40 dBm) and 12 unused
    // bytes: the fast path must not read a TSFT at offset 8.
    const other = hex("00 00 1600 22000000 10 d8 000000000000000000000000");
    const packet = Buffer.concat([other, MGMT_FRAME, hex("01020304")]);
    const fast = decoded(decodeHwsimRadiotap(packet));
    expect(fast).toEqual(decoded(decodeRadiotap(packet)));
    expect(fast.header.tsft).toBeUndefined();
    expect(fast.header.dbmSignal).toBe(-40);
    expect(fast.frame.equals(MGMT_FRAME)).toBe(true);
  });
});

describe("decodeRadiotap on other drivers' layouts", () => {
  it("walks chained present words with radiotap-namespace resets (per-antenna signals)", () => {
    // word0: TSFT FLAGS RATE CHANNEL DBM_ANTSIGNAL RX_FLAGS + NS reset + EXT
    // word1: DBM_ANTSIGNAL ANTENNA + NS reset + EXT    word2: DBM_ANTSIGNAL ANTENNA
    const packet = hex(
      "00 00 2600 2f4000a0 200800a0 20080000" +
        "1122334455667788" + //  16: TSFT (already 8-aligned)
        "10 02" + //             24: flags (FCS at end), 25: rate 1 Mbit/s
        "6c09 a000" + //         26: 2412 MHz, 2 GHz|CCK
        "d8" + //                30: -40 dBm
        "00" + //                31: pad to 2 for RX flags
        "0200" + //              32: RX flags: bad PLCP
        "d6 00" + //             34: chain 0: -42 dBm, antenna 0
        "d3 01" + //             36: chain 1: -45 dBm, antenna 1
        "c400 0000 ffffffffffff" + // ACK-sized frame
        "aabbccdd", //           FCS
    );
    const { header, frame } = decoded(decodeRadiotap(packet));
    expect(header).toEqual({
      version: 0,
      length: 38,
      presentWords: [0xa000402f, 0xa0000820, 0x00000820],
      tsft: 0x8877665544332211n,
      flags: RadiotapFlags.fcsAtEnd,
      rate500kbps: 2,
      channel: { freqMhz: 2412, flags: 0x00a0 },
      dbmSignal: -40,
      rxFlags: 0x0002,
      antenna: 0,
    });
    expect(frame.toString("hex")).toBe("c4000000ffffffffffff");
  });

  it("skips an unknown vendor namespace by its skip_length and resumes after the reset", () => {
    // word0: FLAGS CHANNEL + VENDOR_NS + EXT; word1 (vendor bits, meaningless to us) + NS reset + EXT;
    // word2 (radiotap again, numbering restarts at 0): TSFT, which must land 8-aligned after the
    // odd-length vendor data.
    const packet = hex(
      "00 00 3000 0a0000c0 070000a0 01000000" +
        "00" + //               16: flags
        "00" + //               17: pad to 2
        "7817 4001" + //        18: 6008 MHz, 5 GHz|OFDM
        "001122 01 0500" + //   22: vendor OUI 00:11:22, sub-namespace 1, skip_length 5
        "0102030405" + //       28: vendor data (would be TSFT etc. if misread as radiotap)
        "00000000000000" + //   33: pad to 8
        "efcdab8967452301", //  40: TSFT
    );
    const { header, frame } = decoded(decodeRadiotap(packet));
    expect(header).toEqual({
      version: 0,
      length: 48,
      presentWords: [0xc000000a, 0xa0000007, 0x00000001],
      flags: 0,
      channel: { freqMhz: 6008, flags: 0x0140 },
      tsft: 0x0123456789abcdefn,
    });
    expect(frame.length).toBe(0);
  });

  it("skips two vendor namespaces in a row (the second header follows the first's data)", () => {
    // word0: DBM_ANTSIGNAL + VENDOR_NS + EXT; word1: vendor A bits + VENDOR_NS + EXT;
    // word2: vendor B bits + NS reset + EXT; word3: ANTENNA.
    const packet = hex(
      "00 00 2400 200000c0 ff0000c0 0f0000a0 00080000" +
        "c4" + //              20: -60 dBm
        "00" + //              21: pad
        "0013370a 0300" + //   22: vendor A, skip 3
        "aaaaaa" + //          28
        "00" + //              31: pad to 2
        "0013370b 0000" + //   32: vendor B, skip 0 (not counted in A's skip_length)
        "05", //               38: antenna 5
    );
    // it_len above is 0x24 = 36, too short on purpose: the vendor B header lies past it.
    const tooShort = decodeRadiotap(Buffer.concat([packet, hex("00")]));
    expect(tooShort.ok ? "ok" : tooShort.error.reason).toBe("bad-field");

    packet.writeUInt16LE(39, 2);
    const { header } = decoded(decodeRadiotap(packet));
    expect(header.dbmSignal).toBe(-60);
    expect(header.antenna).toBe(5);
    expect(header.length).toBe(39);
  });

  it("reads MCS and VHT", () => {
    // present FLAGS CHANNEL MCS VHT = 0x0028000a
    const packet = hex(
      "00 00 1e00 0a002800" +
        "00" + //                     8: flags
        "00" + //                     9: pad
        "3c14 4001" + //             10: 5180 MHz, 5 GHz|OFDM
        "1f 05 07" + //              14: MCS known 0x1f, flags 0x05 (40 MHz, short GI), index 7
        "00" + //                    17: pad to 2
        "4400 04 04 92 00 00 00 01 2a 3412", // 18: VHT known, SGI, 80 MHz, MCS9/NSS2, LDPC, gid 42, paid 0x1234
    );
    const { header } = decoded(decodeRadiotap(packet));
    expect(header.mcs).toEqual({ known: 0x1f, flags: 0x05, index: 7 });
    expect(header.vht).toEqual({
      known: 0x0044,
      flags: 0x04,
      bandwidth: 4,
      mcsNss: [0x92, 0, 0, 0],
      coding: 1,
      groupId: 42,
      partialAid: 0x1234,
    });
    expect(header.length).toBe(30);
  });

  it.each([
    {
      name: "TSFT after FLAGS (second word after a namespace reset): 8-aligned",
      bytes: "00 00 1800 020000a0 01000000 02 000000 0100000000000080",
      expected: { flags: 0x02, tsft: 0x8000000000000001n },
    },
    {
      name: "timestamp (align 8) after RATE",
      bytes: "00 00 1c00 04004000 16 00000000000000 0807060504030201 e803 12 03",
      expected: {
        rate500kbps: 22,
        timestamp: { timestamp: 0x0102030405060708n, accuracy: 1000, unitPosition: 0x12, flags: 3 },
      },
    },
    {
      name: "A-MPDU status (align 4) after FLAGS",
      bytes: "00 00 1400 02001000 00 000000 78563412 0c00 5a 00",
      expected: { flags: 0, ampduStatus: { reference: 0x12345678, flags: 0x000c, delimiterCrc: 0x5a } },
    },
    {
      name: "TX flags (align 2) after RATE and DATA_RETRIES order",
      bytes: "00 00 0d00 04800200 02 00 0800 03",
      expected: { rate500kbps: 2, txFlags: RadiotapTxFlags.noAck, dataRetries: 3 },
    },
    {
      name: "signed dBm values",
      bytes: "00 00 0b00 60040000 81 7f 0a",
      expected: { dbmSignal: -127, dbmNoise: 127, dbmTxPower: 10 },
    },
  ])("$name", ({ bytes, expected }) => {
    const { header } = decoded(decodeRadiotap(hex(bytes)));
    expect(header).toMatchObject(expected);
    const keys = Object.keys(header).filter((k) => !["version", "length", "presentWords"].includes(k));
    expect(keys.sort()).toEqual(Object.keys(expected).sort());
  });

  it("stops at bits 32+ of the radiotap namespace but still returns the whole header", () => {
    // word0: FLAGS + EXT; word1 bit 0 = radiotap bit 32, which has no defined size.
    const packet = hex("00 00 1000 02000080 01000000 10 ffffff 0102030405060708 abcd");
    const { header, frame } = decoded(decodeRadiotap(packet));
    expect(header.flags).toBe(0x10);
    expect(header.unparsedFromBit).toBe(32);
    expect(header.length).toBe(16);
    // FCS flag still honoured: 10 bytes after the header, 4 of them FCS.
    expect(frame.toString("hex")).toBe("010203040506");
  });

  it("stops at a TLV list (bit 28) after reading the fields before it", () => {
    const packet = hex("00 00 1400 04000010 24 000000 0400 0400 01020304");
    const { header } = decoded(decodeRadiotap(packet));
    expect(header.rate500kbps).toBe(0x24);
    expect(header.unparsedFromBit).toBe(RadiotapPresent.tlv);
    expect(header.length).toBe(20);
  });

  it("a header with no present bits is just the 8 fixed bytes", () => {
    const { header, frame } = decoded(decodeRadiotap(hex("00 00 0800 00000000 d400")));
    expect(header).toEqual({ version: 0, length: 8, presentWords: [0] });
    expect(frame.toString("hex")).toBe("d400");
  });
});

describe("decodeRadiotap rejections", () => {
  it.each<[string, string, RadiotapReject]>([
    ["empty packet", "", "truncated"],
    ["7 bytes", "00 00 0800 000000", "truncated"],
    ["version 1", "01 00 0800 00000000", "bad-version"],
    ["it_len 7", "00 00 0700 00000000", "bad-length"],
    ["it_len past the packet", "00 00 1600 0f000000 00", "truncated"],
    ["EXT bit with no room for the next word", "00 00 0800 00000080", "bad-length"],
    ["EXT chain running past it_len", "00 00 0c00 00000080 00000080 00000000", "bad-length"],
    ["TSFT past it_len", "00 00 0c00 01000000 00000000", "bad-field"],
    ["channel past it_len after alignment", "00 00 0b00 0a000000 00 00 85", "bad-field"],
    ["vendor namespace header past it_len", "00 00 0c00 00000040 00112201", "bad-field"],
    ["vendor skip_length past it_len", "00 00 0e00 00000040 001122 01 0400", "bad-field"],
  ])("%s: %s", (_name, bytes, reason) => {
    const result = decodeRadiotap(hex(bytes));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.reason).toBe(reason);
      expect(result.error.detail.length).toBeGreaterThan(0);
    }
  });
});

describe("encoders", () => {
  it("builds the minimal injection header for rate + NOACK by hand-checked layout", () => {
    const spec = { rate500kbps: 2, noAck: true };
    // present RATE|TX_FLAGS = 0x8004; rate at 8, pad, TX flags at 10.
    expect(encodeInjectionHeader(spec).toString("hex")).toBe(
      hex("00 00 0c00 04800000 02 00 0800").toString("hex"),
    );
    expect(injectionHeaderLength(spec)).toBe(12);
  });

  it("puts every injection field where the kernel's iterator looks for it", () => {
    const spec = {
      flags: RadiotapFlags.shortPreamble,
      rate500kbps: 11,
      freqMhz: 2462,
      channelFlags: RadiotapChannelFlags.band2Ghz | RadiotapChannelFlags.cck,
      txFlags: RadiotapTxFlags.noSequenceNumber,
      noAck: true,
      dataRetries: 0,
      mcs: { known: 0x02, flags: 0, index: 3 },
      vht: {
        known: 0x40,
        flags: 0,
        bandwidth: 1,
        mcsNss: [0x11, 0, 0, 0] as const,
        coding: 0,
        groupId: 0,
        partialAid: 0,
      },
    };
    // FLAGS RATE CHANNEL TX_FLAGS DATA_RETRIES MCS VHT = 0x0028800e
    const expected = hex(
      "00 00 2000 0e802a00" +
        "02 0b" + //      8: flags, rate 5.5 Mbit/s
        "9e09 a000" + // 10: 2462 MHz, 2 GHz|CCK
        "1800" + //      14: NOSEQ|NOACK
        "00" + //        16: data retries
        "02 00 03" + //  17: MCS
        "4000 00 01 11000000 00 00 0000", // 20: VHT
    );
    expect(encodeInjectionHeader(spec).toString("hex")).toBe(expected.toString("hex"));
    expect(injectionHeaderLength(spec)).toBe(expected.length);

    const { header } = decoded(decodeRadiotap(Buffer.concat([expected, MGMT_FRAME])));
    expect(header).toMatchObject({
      flags: spec.flags,
      rate500kbps: spec.rate500kbps,
      channel: { freqMhz: spec.freqMhz, flags: spec.channelFlags },
      txFlags: RadiotapTxFlags.noSequenceNumber | RadiotapTxFlags.noAck,
      dataRetries: 0,
      mcs: spec.mcs,
      vht: spec.vht,
    });
  });

  it("an empty spec is the bare 8-byte header", () => {
    expect(encodeInjectionHeader({}).toString("hex")).toBe("0000080000000000");
  });

  it("writes into a caller's buffer at any offset, padding relative to the header start", () => {
    const spec = { rate500kbps: 2, noAck: true };
    const target = Buffer.alloc(3 + injectionHeaderLength(spec) + MGMT_FRAME.length, 0xee);
    const written = encodeInjectionHeader(spec, target, 3);
    MGMT_FRAME.copy(target, 3 + written.length);
    expect(written.buffer).toBe(target.buffer);
    expect(target[0]).toBe(0xee);
    const { header, frame } = decoded(decodeRadiotap(target.subarray(3)));
    expect(header.txFlags).toBe(RadiotapTxFlags.noAck);
    expect(frame.equals(MGMT_FRAME)).toBe(true);
  });

  it("refuses a target too small for the header", () => {
    expect(() => encodeInjectionHeader({ rate500kbps: 2 }, Buffer.alloc(8))).toThrow(RangeError);
  });

  it("re-encodes hwsim's header byte for byte", () => {
    const { header } = decoded(decodeRadiotap(HWSIM_HEADER));
    expect(encodeRadiotap(header).equals(HWSIM_HEADER)).toBe(true);
    expect(radiotapEncodingLength(header)).toBe(22);
  });

  it("re-encodes hwsim's ACK header byte for byte (the pad byte is alignment, not a field)", () => {
    const { header } = decoded(decodeRadiotap(HWSIM_ACK_HEADER));
    expect(encodeRadiotap(header).equals(HWSIM_ACK_HEADER)).toBe(true);
  });
});
