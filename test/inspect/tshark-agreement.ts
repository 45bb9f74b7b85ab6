// Runs inspect and tshark (and tcpdump, for the count) over one file and lists every disagreement:
// frame count, and per frame the type/subtype, TA, RA, BSSID, sequence number, protected bit and
// radiotap frequency. A frame inspect calls malformed must be one tshark calls malformed too.

import { readFileSync } from "node:fs";
import { readCaptureFile } from "../../src/capture-file/capture-file.js";
import { FrameTypeCode } from "../../src/ieee80211/constants.js";
import { type InspectedFrame, type InspectReport, inspectCapture } from "../../src/inspect/inspect.js";
import { tcpdumpPacketCount, tsharkFields } from "../capture-file/capture-tools.js";

export interface Agreement {
  readonly report: InspectReport;
  readonly inspectFrames: number;
  readonly tsharkFrames: number;
  readonly tcpdumpFrames: number;
  /** Frames whose fields were compared one by one (decoded by inspect). */
  readonly fieldsCompared: number;
  /** Frames both call malformed. */
  readonly malformedAgreed: number;
  /** One line per disagreement, naming the frame and the field. */
  readonly mismatches: readonly string[];
}

const TSHARK_COLUMNS = [
  "wlan.fc.type_subtype",
  "wlan.ta",
  "wlan.ra",
  "wlan.bssid",
  "wlan.seq",
  "wlan.fc.protected",
  "radiotap.channel.freq",
  "_ws.malformed",
] as const;

type TsharkRow = Record<(typeof TSHARK_COLUMNS)[number], string>;

export function tsharkAgreement(path: string): Agreement {
  const read = readCaptureFile(readFileSync(path));
  if (!read.ok) throw new Error(`${path}: ${read.error.reason}: ${read.error.detail}`);
  const report = inspectCapture(read.value);

  // occurrence=f: a control wrapper or an A-MSDU may repeat fields; the outer header's come first.
  const rows: TsharkRow[] = tsharkFields(path, TSHARK_COLUMNS, ["-E", "occurrence=f"]).map(
    (values) =>
      Object.fromEntries(TSHARK_COLUMNS.map((column, index) => [column, values[index] ?? ""])) as TsharkRow,
  );

  const mismatches: string[] = [];
  let fieldsCompared = 0;
  let malformedAgreed = 0;
  const tcpdumpFrames = tcpdumpPacketCount(path);
  if (rows.length !== report.frames.length) {
    mismatches.push(`frame count: inspect ${report.frames.length}, tshark ${rows.length}`);
  }
  if (tcpdumpFrames !== report.frames.length) {
    mismatches.push(`frame count: inspect ${report.frames.length}, tcpdump ${tcpdumpFrames}`);
  }

  report.frames.forEach((frame, index) => {
    const row = rows[index];
    if (row === undefined) return;
    if (frame.malformed !== null) {
      if (row["_ws.malformed"] === "") {
        mismatches.push(
          `frame ${frame.number}: inspect says malformed (${frame.malformed.reason}), tshark does not`,
        );
      } else {
        malformedAgreed += 1;
      }
      return;
    }
    fieldsCompared += 1;
    for (const [field, ours, theirs] of fieldPairs(frame, row)) {
      if (ours !== theirs)
        mismatches.push(`frame ${frame.number} ${field}: inspect "${ours}", tshark "${theirs}"`);
    }
  });

  return {
    report,
    inspectFrames: report.frames.length,
    tsharkFrames: rows.length,
    tcpdumpFrames,
    fieldsCompared,
    malformedAgreed,
    mismatches,
  };
}

function fieldPairs(frame: InspectedFrame, row: TsharkRow): [string, string, string][] {
  // tshark prints type and subtype as one hex number, (type << 4) | subtype.
  const typeSubtype =
    frame.type === null || frame.subtype === null
      ? ""
      : `0x${((FrameTypeCode[frame.type] << 4) | frame.subtype).toString(16).padStart(4, "0")}`;
  return [
    ["type/subtype", typeSubtype, row["wlan.fc.type_subtype"]],
    ["TA", frame.ta ?? "", row["wlan.ta"]],
    ["RA", frame.ra ?? "", row["wlan.ra"]],
    ["BSSID", frame.bssid ?? "", row["wlan.bssid"]],
    ["seq", frame.seq === null ? "" : String(frame.seq), row["wlan.seq"]],
    ["protected", frame.protected ? "1" : "0", row["wlan.fc.protected"]],
    ["MHz", frame.freqMhz === null ? "" : String(frame.freqMhz), row["radiotap.channel.freq"]],
  ];
}
