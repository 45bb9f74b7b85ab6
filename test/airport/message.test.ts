import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  airFrameFromAirport,
  airportFrameFromAirFrame,
  DEFAULT_AIRPORT_RADIO,
} from "../../src/airport/air-frame.js";
import { airportSocketPath, hubIdFromTermid, isHubId } from "../../src/airport/constants.js";
import {
  decodeMessage,
  encodeFrameMessage,
  encodePortAnswer,
  encodePortRequest,
  encodingLength,
} from "../../src/airport/message.js";
import { STATION_A, testFrame } from "./frames.js";

describe("airport header", () => {
  it("is int8 mode, int8 hub, int16 port in little-endian order", () => {
    const frame = testFrame({ transmitter: STATION_A, sequence: 1, length: 30 });
    const message = encodeFrameMessage(20, 0x0102, frame);
    expect([...message.subarray(0, 4)]).toEqual([1, 20, 0x02, 0x01]);
    expect(message.subarray(4)).toEqual(frame);
    expect(encodingLength({ kind: "frame", hubId: 20, portId: 0x0102, frame })).toBe(message.length);
  });

  it("writes negative ids in two's complement: hub -56 is 0xc8, port -1 is ff ff", () => {
    expect([...encodePortAnswer(-56, -1)]).toEqual([0, 0xc8, 0xff, 0xff]);
  });

  it("encodes QEMU's port request as {0, hub, 0}", () => {
    expect([...encodePortRequest(20)]).toEqual([0, 20, 0, 0]);
  });
});

describe("decodeMessage", () => {
  it("decodes a port request and an answer", () => {
    expect(decodeMessage(Buffer.from([0, 20, 0, 0]))).toEqual({
      ok: true,
      value: { kind: "port", hubId: 20, portId: 0 },
    });
    expect(decodeMessage(Buffer.from([0, 20, 0xff, 0xff]))).toEqual({
      ok: true,
      value: { kind: "port", hubId: 20, portId: -1 },
    });
  });

  it("decodes a frame at both length limits", () => {
    for (const length of [30, 2353]) {
      const frame = testFrame({ transmitter: STATION_A, sequence: length, length });
      const decoded = decodeMessage(encodeFrameMessage(20, 3, frame));
      expect(decoded).toEqual({ ok: true, value: { kind: "frame", hubId: 20, portId: 3, frame } });
    }
  });

  const rejections: ReadonlyArray<readonly [string, Buffer, string]> = [
    ["nothing", Buffer.alloc(0), "truncated-header"],
    ["3 bytes", Buffer.from([1, 20, 0]), "truncated-header"],
    ["mode 2", Buffer.from([2, 20, 0, 0, ...new Array(30).fill(0)]), "unknown-mode"],
    ["mode -1", Buffer.from([0xff, 20, 0, 0]), "unknown-mode"],
    ["a port request with bytes after it", Buffer.from([0, 20, 0, 0, 9]), "port-message-with-payload"],
    ["a header-only frame message", Buffer.from([1, 20, 0, 0]), "frame-too-short"],
    ["a 29-byte frame", Buffer.concat([Buffer.from([1, 20, 0, 0]), Buffer.alloc(29)]), "frame-too-short"],
    ["a 2354-byte frame", Buffer.concat([Buffer.from([1, 20, 0, 0]), Buffer.alloc(2354)]), "frame-too-long"],
    ["4097 frame bytes", Buffer.concat([Buffer.from([1, 20, 0, 0]), Buffer.alloc(4097)]), "oversize"],
  ];
  for (const [what, bytes, reason] of rejections) {
    it(`rejects ${what} as ${reason}`, () => {
      const decoded = decodeMessage(bytes);
      expect(decoded.ok).toBe(false);
      if (!decoded.ok) {
        expect(decoded.error.reason).toBe(reason);
        expect(decoded.error.detail.length).toBeGreaterThan(0);
      }
    });
  }

  it("never throws on random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), (bytes) => {
        const decoded = decodeMessage(Buffer.from(bytes));
        expect(typeof decoded.ok).toBe("boolean");
      }),
    );
  });

  it("round-trips every frame message a guest can receive", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -128, max: 127 }),
        fc.integer({ min: -32768, max: 32767 }),
        fc.uint8Array({ minLength: 30, maxLength: 2353 }),
        (hubId, portId, bytes) => {
          const frame = Buffer.from(bytes);
          expect(decodeMessage(encodeFrameMessage(hubId, portId, frame))).toEqual({
            ok: true,
            value: { kind: "frame", hubId, portId, frame },
          });
        },
      ),
    );
  });
});

describe("hub ids and socket paths", () => {
  it("prints the hub id as QEMU's sprintf(%u) does", () => {
    expect(airportSocketPath(20)).toBe("/tmp/wifimedium_data.20.sock");
    expect(airportSocketPath(0)).toBe("/tmp/wifimedium_data.0.sock");
    expect(airportSocketPath(127)).toBe("/tmp/wifimedium_data.127.sock");
    expect(airportSocketPath(-56)).toBe("/tmp/wifimedium_data.4294967240.sock");
    expect(airportSocketPath(-1)).toBe("/tmp/wifimedium_data.4294967295.sock");
  });

  it("truncates QEMU's int32 termid to the int8 hub id", () => {
    expect(hubIdFromTermid(20)).toBe(20);
    expect(hubIdFromTermid(123)).toBe(123);
    expect(hubIdFromTermid(200)).toBe(-56);
    expect(hubIdFromTermid(256)).toBe(0);
    expect(hubIdFromTermid(-1)).toBe(-1);
  });

  it("accepts only int8 hub ids", () => {
    expect([-128, 0, 127].every(isHubId)).toBe(true);
    expect([-129, 128, 1.5].some(isHubId)).toBe(false);
  });
});

describe("airport frame ↔ AirFrame", () => {
  const frame = testFrame({ transmitter: STATION_A, sequence: 7, length: 100 });

  it("dresses a guest's frame with the hub's radio profile and copies it", () => {
    const air = airFrameFromAirport(frame, DEFAULT_AIRPORT_RADIO);
    expect(air).toEqual({ frame, freqMhz: 2437, rate500kbps: 2, signalDbm: -30, flags: 0 });
    expect(air.frame.buffer).not.toBe(frame.buffer);
  });

  it("hands a tunnel frame on the hub's channel to the guests unchanged", () => {
    const air = airFrameFromAirport(frame, DEFAULT_AIRPORT_RADIO);
    expect(airportFrameFromAirFrame(air, DEFAULT_AIRPORT_RADIO)).toEqual({ ok: true, value: air.frame });
  });

  const drops: ReadonlyArray<readonly [string, number, number, string]> = [
    ["on channel 1", 2412, 100, "wrong-channel"],
    ["29 bytes long", 2437, 29, "too-short"],
    ["2354 bytes long", 2437, 2354, "too-long"],
  ];
  for (const [what, freqMhz, length, reason] of drops) {
    it(`drops a frame ${what} (${reason})`, () => {
      const air = { frame: Buffer.alloc(length), freqMhz, rate500kbps: 2, signalDbm: -40, flags: 0 };
      const outcome = airportFrameFromAirFrame(air, DEFAULT_AIRPORT_RADIO);
      expect(outcome.ok ? "delivered" : outcome.error.reason).toBe(reason);
    });
  }
});
