// The I/O shell around inspectCapture: read the file, refuse what inspect cannot read in one
// sentence naming the file, print the report. Exit codes follow tcpdump's spirit:
//   0  every record was read
//   1  the file breaks off or goes bad part-way: the frames before that point are printed
//   2  nothing to inspect: missing or unreadable file, not a capture, no 802.11 link type

import { readFile } from "node:fs/promises";
import type { Writable } from "node:stream";
import { type CaptureFile, readCaptureFile } from "../capture-file/capture-file.js";
import {
  describeLinkType,
  LINKTYPE_IEEE802_11,
  LINKTYPE_IEEE802_11_RADIOTAP,
} from "../capture-file/link-type.js";
import { formatInspectJson, formatInspectText, INSPECTABLE_LINK_TYPES, inspectCapture } from "./inspect.js";

export interface InspectOptions {
  /** Print the JSON report instead of the text table. */
  readonly json: boolean;
}

export const InspectExit = { ok: 0, stoppedEarly: 1, cannotInspect: 2 } as const;

export async function runInspect(
  path: string,
  options: InspectOptions,
  out: Writable,
  err: Writable,
): Promise<number> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    await write(err, `inspect: ${path} ${unreadableBecause(error)}\n`);
    return InspectExit.cannotInspect;
  }

  const read = readCaptureFile(bytes);
  if (!read.ok) {
    const { reason, detail } = read.error;
    const problem =
      reason === "not-a-capture"
        ? `is not a pcap or pcapng capture file (${detail})`
        : `has an unreadable file header (${detail})`;
    await write(err, `inspect: ${path} ${problem}\n`);
    return InspectExit.cannotInspect;
  }

  const foreign = foreignLinkTypes(read.value);
  if (foreign !== null) {
    await write(
      err,
      `inspect: ${path} has ${foreign}; inspect reads 802.11 captures: ` +
        `radiotap (${LINKTYPE_IEEE802_11_RADIOTAP}) or plain 802.11 (${LINKTYPE_IEEE802_11})\n`,
    );
    return InspectExit.cannotInspect;
  }

  const report = inspectCapture(read.value);
  await write(out, options.json ? formatInspectJson(report) : formatInspectText(report));
  if (report.stoppedEarly !== null) {
    await write(
      err,
      `inspect: ${path} stops being readable after ${report.frames.length} frames: ${report.stoppedEarly.detail}\n`,
    );
    return InspectExit.stoppedEarly;
  }
  return InspectExit.ok;
}

/**
 * "link type 1 (EN10MB, Ethernet)" when no interface of the file carries 802.11, null otherwise.
 * A pcapng file that mixes 802.11 and other interfaces is inspected; its other records show as malformed.
 */
function foreignLinkTypes(file: CaptureFile): string | null {
  const linkTypes = [...new Set(file.interfaces.map((captureInterface) => captureInterface.linkType))];
  if (linkTypes.length === 0 || linkTypes.some((linkType) => INSPECTABLE_LINK_TYPES.has(linkType)))
    return null;
  const described = linkTypes.map(describeLinkType);
  return described.length === 1 ? `link type ${described[0]}` : `link types ${described.join(", ")}`;
}

function unreadableBecause(error: unknown): string {
  const code = error instanceof Error && "code" in error ? error.code : undefined;
  if (code === "ENOENT") return "does not exist";
  if (code === "EISDIR") return "is a directory, not a capture file";
  if (code === "EACCES") return "cannot be read (permission denied)";
  return `cannot be read (${error instanceof Error ? error.message : String(error)})`;
}

/** Resolves once the stream has taken the text; a closed pipe (inspect | head) is not an error here. */
function write(stream: Writable, text: string): Promise<void> {
  return new Promise((resolve) => {
    stream.write(text, () => resolve());
  });
}
