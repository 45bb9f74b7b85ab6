// The front door for capture files: one record shape whether the bytes are classic pcap or pcapng,
// so inspect and the tests never care which writer (tcpdump, tshark, editcap, us) made the file.

import { type Rejection, type Result, reject } from "../result.js";
import { decodePcap, PCAP_MAGICS } from "./pcap.js";
import { decodePcapng, PCAPNG_SECTION_HEADER_TYPE } from "./pcapng.js";

/** One captured packet. */
export interface CaptureRecord {
  /** Capture time in nanoseconds since the Unix epoch; null for pcapng Simple Packet Blocks, which carry none. */
  readonly timestampNs: bigint | null;
  /** What `data` starts with (see link-type.ts); pcapng files may mix link types per interface. */
  readonly linkType: number;
  /** Index into CaptureFile.interfaces (counted across all pcapng sections; always 0 for pcap). */
  readonly interfaceId: number;
  /** The captured bytes: a view into the file's buffer, not a copy. */
  readonly data: Buffer;
  /** Length of the packet on the wire; more than data.length when the snaplen cut it. */
  readonly originalLength: number;
}

/** A capture interface: the whole file for pcap, each Interface Description Block for pcapng. */
export interface CaptureInterface {
  readonly linkType: number;
  /** Most bytes captured per packet; 0 means no limit (pcapng allows it). */
  readonly snaplen: number;
  /** Which pcapng section declared it (0 for pcap). */
  readonly section: number;
}

/** Why reading stopped; "bad-block" covers any structure that contradicts itself (lengths, versions, ids). */
export type CaptureFileReject = "not-a-capture" | "truncated" | "bad-block";

export interface CaptureFile {
  readonly format: "pcap" | "pcapng";
  readonly interfaces: readonly CaptureInterface[];
  /** Every record read, in file order. */
  readonly records: readonly CaptureRecord[];
  /**
   * Set when the file breaks off or goes bad after its header. `records` still holds everything before
   * that point, as tcpdump prints the packets before "truncated dump file"; the detail says how many.
   */
  readonly stoppedEarly: Rejection<"truncated" | "bad-block"> | null;
}

/**
 * Read a whole pcap or pcapng file. Rejects only when not even the file header can be read; damage
 * further on comes back as a CaptureFile with `stoppedEarly` set.
 */
export function readCaptureFile(bytes: Buffer): Result<CaptureFile, CaptureFileReject> {
  if (bytes.length < 4) {
    return reject("not-a-capture", `${bytes.length} bytes is too short to hold a capture file magic number`);
  }
  // The pcapng block type 0x0A0D0D0A reads the same in both byte orders; pcap magics are listed per order.
  const leadingWord = bytes.readUInt32LE(0);
  if (leadingWord === PCAPNG_SECTION_HEADER_TYPE) return decodePcapng(bytes);
  if (PCAP_MAGICS.has(leadingWord)) return decodePcap(bytes);
  return reject(
    "not-a-capture",
    `starts with 0x${bytes.subarray(0, 4).toString("hex")}, which is neither a pcap nor a pcapng magic number`,
  );
}
