// The reference readers: tcpdump (libpcap), tshark and editcap (Wireshark's wiretap). Tests run
// them on the same files as our reader and compare; they skip, saying why, where a tool is missing.

import { execFileSync, spawnSync } from "node:child_process";

export function toolAvailable(tool: "tcpdump" | "tshark" | "editcap" | "mergecap"): boolean {
  const probe = spawnSync(tool, [tool === "tcpdump" ? "--version" : "-v"], { stdio: "ignore" });
  return probe.error === undefined && probe.status === 0;
}

/**
 * How many packets tcpdump prints from a file, including those before a truncation it complains
 * about (it exits 1 then). `-#` numbers each packet's first line, so multi-line output cannot inflate
 * the count.
 */
export function tcpdumpPacketCount(path: string): number {
  const run = spawnSync("tcpdump", ["-r", path, "-n", "-#"], { encoding: "utf8", maxBuffer: 64 << 20 });
  if (run.error !== undefined) throw run.error;
  return run.stdout.split("\n").filter((line) => /^\s*\d+ {2}/.test(line)).length;
}

/** `tshark -T fields` output: one array of field values per packet, in file order. */
export function tsharkFields(
  path: string,
  fields: readonly string[],
  options: readonly string[] = [],
): string[][] {
  // tshark exits 2 on a cut-off file but still prints the packets before the cut.
  const fieldArgs = fields.flatMap((field) => ["-e", field]);
  const run = spawnSync("tshark", ["-r", path, "-T", "fields", ...fieldArgs, ...options], {
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  if (run.error !== undefined) throw run.error;
  return run.stdout
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => line.split("\t"));
}

export function editcap(args: readonly string[]): void {
  execFileSync("editcap", args, { stdio: "ignore" });
}

export function mergecap(args: readonly string[]): void {
  execFileSync("mergecap", args, { stdio: "ignore" });
}

/** tshark's frame.time_epoch ("1700000000.123456789") as nanoseconds. */
export function epochTextToNs(text: string): bigint {
  const [seconds, fraction = ""] = text.split(".");
  return BigInt(seconds) * 1_000_000_000n + BigInt(fraction.padEnd(9, "0").slice(0, 9));
}
