// The airport examples of docs/protocol.md, read from the document itself, against the codec.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  decodeMessage,
  encodeFrameMessage,
  encodePortAnswer,
  encodePortRequest,
} from "../../src/airport/message.js";
import { encodeThreeAddressHeader } from "../../src/ieee80211/header.js";
import { ACCESS_POINT, STATION_A } from "./frames.js";

const protocolDoc = readFileSync(new URL("../../docs/protocol.md", import.meta.url), "utf8");

/** The bytes of the fenced block "```text airport-example NAME", comments after # ignored. */
function example(name: string): Buffer {
  const opening = `\`\`\`text airport-example ${name}\n`;
  const start = protocolDoc.indexOf(opening);
  if (start < 0) throw new Error(`docs/protocol.md has no airport example "${name}"`);
  const body = protocolDoc.slice(start + opening.length, protocolDoc.indexOf("```", start + opening.length));
  const hex = body
    .split("\n")
    .map((line) => line.replace(/#.*/, ""))
    .join("")
    .replace(/\s+/g, "");
  return Buffer.from(hex, "hex");
}

describe("docs/protocol.md airport examples", () => {
  it("port request and answer", () => {
    expect(example("port-request")).toEqual(encodePortRequest(20));
    expect(example("port-answer")).toEqual(encodePortAnswer(20, 3));
  });

  it("refusal for termid 200", () => {
    expect(example("refusal")).toEqual(encodePortAnswer(-56, -1));
  });

  it("30-byte data frame from port 258", () => {
    const frame = encodeThreeAddressHeader(
      { frameControl: 0x0108, addr1: ACCESS_POINT, addr2: STATION_A, addr3: ACCESS_POINT },
      6,
    );
    const bytes = example("frame");
    expect(bytes).toEqual(encodeFrameMessage(20, 0x0102, frame));
    expect(decodeMessage(bytes)).toEqual({
      ok: true,
      value: { kind: "frame", hubId: 20, portId: 258, frame },
    });
  });
});
