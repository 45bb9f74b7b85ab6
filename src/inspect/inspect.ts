// `wifi-tunnel inspect`: one line per captured frame (time, channel, frame kind, addresses, sequence
// number, length, protection), then counts per kind. Every record of the file becomes exactly one
// line, undecodable ones included, so the frame count always matches what tcpdump and tshark count.
//
// Times are UTC with microseconds ("09:41:02.123456"); the text output prints the date in a
// separator line before the first frame and wherever it changes.
//
// JSON shape (formatInspectJson):
//   {
//     "format": "pcap" | "pcapng",
//     "frames": [{
//       "number": 1,                             // 1-based, as tcpdump -# and tshark number frames
//       "time": "2026-11-21T09:41:02.123456Z",   // null for pcapng Simple Packet Blocks (no timestamp)
//       "timestampNs": "1763718062123456789",    // exact capture time as a decimal string, or null
//       "interfaceId": 0, "linkType": 127,
//       "freqMhz": 2412,                          // radiotap channel; null without one (link type 105)
//       "type": "management", "subtype": 8, "name": "beacon",
//       "ta": "02:00:00:00:00:00", "ra": "ff:ff:ff:ff:ff:ff", "bssid": "02:00:00:00:00:00",
//       "seq": 17,                                // null for control and extension frames
//       "length": 112,                            // 802.11 bytes captured (MAC header on, no radiotap, no FCS)
//       "capturedLength": 134,                    // the record's bytes in the file
//       "protected": false,
//       "malformed": null                         // or {"layer", "reason", "detail"}; the 802.11 fields are then null
//     }],
//     "summary": {"frames": 60, "byName": {"beacon": 40, ...}, "malformed": 1, "malformedByReason": {"802.11 too-short": 1}},
//     "stoppedEarly": null                        // or {"reason": "truncated" | "bad-block", "detail"}
//   }

import type { CaptureFile, CaptureRecord } from "../capture-file/capture-file.js";
import {
  describeLinkType,
  LINKTYPE_IEEE802_11,
  LINKTYPE_IEEE802_11_RADIOTAP,
} from "../capture-file/link-type.js";
import type { FrameType } from "../ieee80211/constants.js";
import { type FrameView, parseFrame } from "../ieee80211/frame.js";
import { formatMac, type MacAddress } from "../ieee80211/mac.js";
import { decodeRadiotap } from "../radiotap/radiotap.js";
import type { Rejection } from "../result.js";
import { utcTime } from "./time.js";

/** The link types inspect decodes; a file with none of them is refused as a whole. */
export const INSPECTABLE_LINK_TYPES: ReadonlySet<number> = new Set([
  LINKTYPE_IEEE802_11_RADIOTAP,
  LINKTYPE_IEEE802_11,
]);

/** Why a record did not decode, and at which layer. */
export interface MalformedFrame {
  readonly layer: "link-type" | "radiotap" | "802.11";
  readonly reason: string;
  readonly detail: string;
}

export interface InspectedFrame {
  readonly number: number;
  readonly time: string | null;
  readonly timestampNs: bigint | null;
  readonly interfaceId: number;
  readonly linkType: number;
  readonly freqMhz: number | null;
  readonly type: FrameType | null;
  readonly subtype: number | null;
  /** The subtype name ("beacon", "qos-data", "ack"); reserved subtypes read "management-reserved-7". */
  readonly name: string | null;
  readonly ta: string | null;
  readonly ra: string | null;
  readonly bssid: string | null;
  readonly seq: number | null;
  readonly length: number | null;
  readonly capturedLength: number;
  readonly protected: boolean | null;
  readonly malformed: MalformedFrame | null;
}

export interface InspectSummary {
  readonly frames: number;
  /** Decoded frames per name, most frequent first. */
  readonly byName: Readonly<Record<string, number>>;
  readonly malformed: number;
  /** Malformed frames per "<layer> <reason>", most frequent first. */
  readonly malformedByReason: Readonly<Record<string, number>>;
}

export interface InspectReport {
  readonly format: CaptureFile["format"];
  readonly frames: readonly InspectedFrame[];
  readonly summary: InspectSummary;
  /** Copied from the capture file: the file broke off, the frames are those before the break. */
  readonly stoppedEarly: Rejection<"truncated" | "bad-block"> | null;
}

export function inspectCapture(file: CaptureFile): InspectReport {
  const frames = file.records.map((record, index) => inspectRecord(record, index + 1));
  return { format: file.format, frames, summary: summarize(frames), stoppedEarly: file.stoppedEarly };
}

function inspectRecord(record: CaptureRecord, number: number): InspectedFrame {
  const undecoded: InspectedFrame = {
    number,
    time: record.timestampNs === null ? null : (utcTime(record.timestampNs)?.iso ?? null),
    timestampNs: record.timestampNs,
    interfaceId: record.interfaceId,
    linkType: record.linkType,
    freqMhz: null,
    type: null,
    subtype: null,
    name: null,
    ta: null,
    ra: null,
    bssid: null,
    seq: null,
    length: null,
    capturedLength: record.data.length,
    protected: null,
    malformed: null,
  };

  let frame: Buffer;
  let freqMhz: number | null = null;
  if (record.linkType === LINKTYPE_IEEE802_11_RADIOTAP) {
    const radiotap = decodeRadiotap(record.data);
    if (!radiotap.ok) return { ...undecoded, malformed: { layer: "radiotap", ...radiotap.error } };
    frame = radiotap.value.frame;
    freqMhz = radiotap.value.header.channel?.freqMhz ?? null;
  } else if (record.linkType === LINKTYPE_IEEE802_11) {
    frame = record.data;
  } else {
    const detail = `link type ${describeLinkType(record.linkType)} is not 802.11`;
    return { ...undecoded, malformed: { layer: "link-type", reason: "not-802.11", detail } };
  }

  const parsed = parseFrame(frame);
  if (!parsed.ok) {
    return { ...undecoded, freqMhz, length: frame.length, malformed: { layer: "802.11", ...parsed.error } };
  }
  const view = parsed.value;
  return {
    ...undecoded,
    freqMhz,
    type: view.type,
    subtype: view.subtype,
    name: frameName(view),
    ta: macOrNull(view.ta),
    ra: macOrNull(view.ra),
    bssid: macOrNull(view.bssid),
    seq: view.sequenceNumber,
    length: frame.length,
    protected: view.protected,
  };
}

/** Subtype names are unique except "reserved", which exists in every type. */
function frameName(view: FrameView): string {
  return view.subtypeName === "reserved" ? `${view.type}-reserved-${view.subtype}` : view.subtypeName;
}

function macOrNull(mac: MacAddress | null): string | null {
  return mac === null ? null : formatMac(mac);
}

function summarize(frames: readonly InspectedFrame[]): InspectSummary {
  const byName = new Map<string, number>();
  const malformedByReason = new Map<string, number>();
  for (const frame of frames) {
    if (frame.malformed !== null) {
      const key = `${frame.malformed.layer} ${frame.malformed.reason}`;
      malformedByReason.set(key, (malformedByReason.get(key) ?? 0) + 1);
    } else if (frame.name !== null) {
      byName.set(frame.name, (byName.get(frame.name) ?? 0) + 1);
    }
  }
  const malformed = [...malformedByReason.values()].reduce((sum, count) => sum + count, 0);
  return {
    frames: frames.length,
    byName: mostFrequentFirst(byName),
    malformed,
    malformedByReason: mostFrequentFirst(malformedByReason),
  };
}

function mostFrequentFirst(counts: ReadonlyMap<string, number>): Record<string, number> {
  const sorted = [...counts].sort(
    ([nameA, countA], [nameB, countB]) => countB - countA || nameA.localeCompare(nameB),
  );
  return Object.fromEntries(sorted);
}

// ---- output ----

/** The report as JSON (shape at the top of this file); bigints become decimal strings. */
export function formatInspectJson(report: InspectReport): string {
  return `${JSON.stringify(report, (_key, value) => (typeof value === "bigint" ? value.toString() : value), 2)}\n`;
}

const NO_VALUE = "-";

interface Column {
  readonly heading: string;
  readonly align: "left" | "right";
  readonly cell: (frame: InspectedFrame) => string;
}

const COLUMNS: readonly Column[] = [
  { heading: "#", align: "right", cell: (frame) => String(frame.number) },
  { heading: "time (UTC)", align: "left", cell: (frame) => timeOfDay(frame) },
  { heading: "MHz", align: "right", cell: (frame) => orDash(frame.freqMhz) },
  { heading: "frame", align: "left", cell: (frame) => frame.name ?? NO_VALUE },
  { heading: "TA", align: "left", cell: (frame) => frame.ta ?? NO_VALUE },
  { heading: "RA", align: "left", cell: (frame) => frame.ra ?? NO_VALUE },
  { heading: "BSSID", align: "left", cell: (frame) => frame.bssid ?? NO_VALUE },
  { heading: "seq", align: "right", cell: (frame) => orDash(frame.seq) },
  { heading: "len", align: "right", cell: (frame) => orDash(frame.length) },
  { heading: "protected", align: "left", cell: (frame) => (frame.protected ? "yes" : NO_VALUE) },
];
/** Malformed frames show the columns up to the frequency, then the reason across the rest. */
const COLUMNS_BEFORE_MALFORMED_TEXT = 3;
const COLUMN_GAP = "  ";

function orDash(value: number | null): string {
  return value === null ? NO_VALUE : String(value);
}

function timeOfDay(frame: InspectedFrame): string {
  if (frame.timestampNs === null) return NO_VALUE;
  return utcTime(frame.timestampNs)?.timeOfDay ?? `${frame.timestampNs}ns`;
}

function dateOf(frame: InspectedFrame): string | null {
  return frame.timestampNs === null ? null : (utcTime(frame.timestampNs)?.date ?? null);
}

function pad(text: string, width: number, align: Column["align"]): string {
  return align === "left" ? text.padEnd(width) : text.padStart(width);
}

/** Aligned columns, a date line before the first frame and whenever the date changes, then the summary. */
export function formatInspectText(report: InspectReport): string {
  const cells = report.frames.map((frame) => COLUMNS.map((column) => column.cell(frame)));
  const widths = COLUMNS.map((column, index) =>
    Math.max(column.heading.length, ...cells.map((row) => row[index].length)),
  );
  const joinRow = (row: readonly string[]) =>
    row
      .map((text, index) => pad(text, widths[index], COLUMNS[index].align))
      .join(COLUMN_GAP)
      .trimEnd();

  const lines: string[] = [joinRow(COLUMNS.map((column) => column.heading))];
  let currentDate: string | null = null;
  report.frames.forEach((frame, index) => {
    const date = dateOf(frame);
    if (date !== null && date !== currentDate) {
      lines.push(`-- ${date} --`);
      currentDate = date;
    }
    if (frame.malformed === null) {
      lines.push(joinRow(cells[index]));
    } else {
      const { layer, reason, detail } = frame.malformed;
      lines.push(
        `${joinRow(cells[index].slice(0, COLUMNS_BEFORE_MALFORMED_TEXT))}${COLUMN_GAP}malformed ${layer} ${reason}: ${detail}`,
      );
    }
  });

  lines.push("", ...formatSummary(report));
  return `${lines.join("\n")}\n`;
}

function formatSummary(report: InspectReport): string[] {
  const { summary } = report;
  const lines = [`${summary.frames} frames, ${summary.malformed} malformed`];
  const rows = [
    ...Object.entries(summary.byName),
    ...Object.entries(summary.malformedByReason).map(([reason, count]): [string, number] => [
      `malformed ${reason}`,
      count,
    ]),
  ];
  const nameWidth = Math.max(0, ...rows.map(([name]) => name.length));
  const countWidth = Math.max(0, ...rows.map(([, count]) => String(count).length));
  for (const [name, count] of rows)
    lines.push(`  ${name.padEnd(nameWidth)}  ${String(count).padStart(countWidth)}`);
  if (report.stoppedEarly !== null) {
    lines.push(`stopped early (${report.stoppedEarly.reason}): ${report.stoppedEarly.detail}`);
  }
  return lines;
}
