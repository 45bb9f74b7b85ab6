import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import {
  LINKTYPE_ETHERNET,
  LINKTYPE_IEEE802_11,
  LINKTYPE_IEEE802_11_RADIOTAP,
} from "../../src/capture-file/link-type.js";
import { encodePcapFile } from "../../src/capture-file/pcap.js";
import { InspectExit, runInspect } from "../../src/inspect/command.js";
import { associationExchange, hwsimRadiotap } from "./air-frames.js";

const workDir = mkdtempSync(join(tmpdir(), "inspect-command-"));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

class Collect extends Writable {
  text = "";
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

async function inspect(path: string, json = false): Promise<{ code: number; out: string; err: string }> {
  const out = new Collect();
  const err = new Collect();
  const code = await runInspect(path, { json }, out, err);
  return { code, out: out.text, err: err.text };
}

const exchange = associationExchange();
const radiotapPcap = encodePcapFile(
  LINKTYPE_IEEE802_11_RADIOTAP,
  exchange.map((frame, index) => ({
    timestampNs: 1_763_718_062_000_000_000n + BigInt(index),
    data: Buffer.concat([hwsimRadiotap(2412), frame.bytes]),
  })),
);

function file(name: string, bytes: Buffer): string {
  const path = join(workDir, name);
  writeFileSync(path, bytes);
  return path;
}

describe("runInspect", () => {
  it("prints the text report and exits 0", async () => {
    const result = await inspect(file("good.pcap", radiotapPcap));
    expect(result.code).toBe(InspectExit.ok);
    expect(result.err).toBe("");
    expect(result.out.split("\n").filter((line) => /^ *\d+ {2}\d\d:/.test(line))).toHaveLength(
      exchange.length,
    );
    expect(result.out).toContain(`${exchange.length} frames, 0 malformed`);
  });

  it("prints JSON with --json", async () => {
    const result = await inspect(file("good-json.pcap", radiotapPcap), true);
    expect(result.code).toBe(InspectExit.ok);
    const parsed = JSON.parse(result.out);
    expect(parsed.frames.map((frame: { name: string }) => frame.name)).toEqual(
      exchange.map((frame) => frame.name),
    );
  });

  it("prints the frames before a cut, then one sentence on stderr, and exits 1", async () => {
    const path = file("cut.pcap", radiotapPcap.subarray(0, radiotapPcap.length - 7));
    const result = await inspect(path);
    expect(result.code).toBe(InspectExit.stoppedEarly);
    expect(result.out).toContain(`${exchange.length - 1} frames, 0 malformed`);
    expect(result.out).toContain("stopped early (truncated)");
    expect(result.err).toMatch(
      new RegExp(`^inspect: ${path} stops being readable after ${exchange.length - 1} frames: .+\\n$`),
    );
  });

  it("refuses an Ethernet capture with one sentence naming the file and link type, exit 2", async () => {
    const path = file(
      "ethernet.pcap",
      encodePcapFile(LINKTYPE_ETHERNET, [{ timestampNs: 0n, data: Buffer.alloc(60) }]),
    );
    const result = await inspect(path);
    expect(result).toEqual({
      code: InspectExit.cannotInspect,
      out: "",
      err: `inspect: ${path} has link type 1 (EN10MB, Ethernet); inspect reads 802.11 captures: radiotap (127) or plain 802.11 (105)\n`,
    });
  });

  it("accepts plain 802.11 captures", async () => {
    const path = file(
      "plain.pcap",
      encodePcapFile(
        LINKTYPE_IEEE802_11,
        exchange.map((frame) => ({ timestampNs: 0n, data: frame.bytes })),
      ),
    );
    const result = await inspect(path);
    expect(result.code).toBe(InspectExit.ok);
    expect(result.out).toContain("1970-01-01");
  });

  it("refuses a missing file, a directory, and a file that is no capture, exit 2", async () => {
    const missing = join(workDir, "nope.pcap");
    expect(await inspect(missing)).toEqual({
      code: InspectExit.cannotInspect,
      out: "",
      err: `inspect: ${missing} does not exist\n`,
    });

    const directory = join(workDir, "a-directory");
    mkdirSync(directory);
    const onDirectory = await inspect(directory);
    expect(onDirectory.code).toBe(InspectExit.cannotInspect);
    expect(onDirectory.err).toBe(`inspect: ${directory} is a directory, not a capture file\n`);

    const text = file("notes.txt", Buffer.from("these are not packets\n"));
    const onText = await inspect(text);
    expect(onText.code).toBe(InspectExit.cannotInspect);
    expect(onText.out).toBe("");
    expect(onText.err).toMatch(
      new RegExp(`^inspect: ${text} is not a pcap or pcapng capture file \\(.*0x74686573.*\\)\\n$`),
    );
  });

  it("refuses a capture whose file header is cut off, exit 2", async () => {
    const path = file("header-only.pcap", radiotapPcap.subarray(0, 10));
    const result = await inspect(path);
    expect(result.code).toBe(InspectExit.cannotInspect);
    expect(result.err).toMatch(/^inspect: .* has an unreadable file header \(.*24 bytes.*\)\n$/);
  });
});
