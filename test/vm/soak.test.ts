// A two-minute soak (issue 12): two VMs, WPA2, started together, then iperf3 TCP from the station
// to the AP for 120 s. Memory must level off once the first minute is over, the station must stay
// associated, and each agent's counters must close: every frame it took in is accounted for as
// sent or dropped for a reason, every frame from the tunnel as delivered or dropped for a reason.
// The ten-minute form is a bench: `node dist/bench/soak.js 600`.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { exitCounters, parseRss, type RssRecord, sumOf } from "../../lab/agent-log.js";
import { consoleTail, runTunnelPair, type TunnelPair } from "../../lab/scenarios.js";
import { labUnavailableReason, type VmResult } from "../../lab/vm.js";
import { RECEIVE_DELIVERY_DROPS } from "../../src/agent/receive.js";

const unavailable = labUnavailableReason();
if (unavailable !== undefined) console.warn(`skipping the soak test: ${unavailable}`);

const SOAK_SECONDS = 120;

const read = (vm: VmResult, file: string): string => readFileSync(join(vm.shareDir, file), "utf8");

/** Resident memory a minute into the iperf3 run and at its end, in KiB. */
function rssAfterFirstMinute(record: RssRecord): { atMinute: number; atEnd: number; peak: number } {
  const start = record.marks["iperf-start"];
  const end = record.marks["iperf-end"];
  if (start === undefined || end === undefined)
    throw new Error("the memory record has no iperf-start/iperf-end marks");
  const inSecondMinute = record.samples.filter(([time]) => time >= start + 60 && time <= end);
  if (inSecondMinute.length < 2)
    throw new Error(`only ${inSecondMinute.length} memory samples after the first minute`);
  return {
    atMinute: inSecondMinute[0][1],
    atEnd: inSecondMinute[inSecondMinute.length - 1][1],
    peak: Math.max(...inSecondMinute.map(([, kib]) => kib)),
  };
}

describe.skipIf(unavailable !== undefined)(`a ${SOAK_SECONDS} s iperf3 soak between two VMs`, () => {
  let pair: TunnelPair;
  const agents = () => [
    { name: "AP", vm: pair.ap.vm },
    { name: "station", vm: pair.station.vm },
  ];

  beforeAll(async () => {
    pair = await runTunnelPair({
      env: { IPERF3_SECONDS: `${SOAK_SECONDS}`, RSS_SAMPLES: "1" },
      timeoutMs: 900_000,
    });
    const r = pair.station.results;
    console.log(
      `soak: associated in ${r?.assoc_seconds ?? "-"} s, iperf3 ${r?.bits_per_second ? (r.bits_per_second / 1e6).toFixed(2) : "-"} Mbit/s ` +
        `over ${SOAK_SECONDS} s, beacon loss ${r?.beacon_loss_iperf ?? "-"} during iperf3 (${r?.beacon_loss ?? "-"} in all)`,
    );
    for (const { name, vm } of agents()) {
      try {
        const rss = rssAfterFirstMinute(parseRss(read(vm, "agent-rss.txt")));
        console.log(
          `soak: ${name} agent RSS ${(rss.atMinute / 1024).toFixed(1)} MiB after the first minute, ${(rss.atEnd / 1024).toFixed(1)} MiB at the end (peak ${(rss.peak / 1024).toFixed(1)})`,
        );
      } catch (error) {
        console.log(`soak: ${name} agent RSS not measured: ${String(error)}`);
      }
    }
  }, 960_000);

  it("the station associates, runs iperf3 for the whole soak and stays associated", () => {
    const r = pair.station.results;
    expect(r, consoleTail(pair.station.vm)).toBeDefined();
    expect(r?.associated).toBe(true);
    expect(r?.bits_per_second ?? 0).toBeGreaterThan(0);
    expect(r?.still_associated).toBe(true);
  });

  it("each agent's memory grows less than 10% after the first minute", () => {
    for (const { vm } of agents()) {
      const rss = rssAfterFirstMinute(parseRss(read(vm, "agent-rss.txt")));
      expect(rss.atEnd).toBeLessThan(rss.atMinute * 1.1);
    }
  });

  it("every frame an agent took in is sent or dropped for a reason (send: frames-in = sent + drops)", () => {
    for (const { vm } of agents()) {
      const send = exitCounters(read(vm, "agent.log"), "send");
      expect(send["frames-in"]).toBeGreaterThan(1000);
      expect(send["frames-in"]).toBe(send.sent + sumOf(send, (name) => name.startsWith("dropped-")));
    }
  });

  it("every frame from the tunnel is delivered or dropped for a reason (receive: frames-in = delivered + drops)", () => {
    for (const { vm } of agents()) {
      const receive = exitCounters(read(vm, "agent.log"), "receive");
      expect(receive["frames-in"]).toBeGreaterThan(1000);
      expect(receive["frames-in"]).toBe(
        (receive.delivered ?? 0) + sumOf(receive, (name) => RECEIVE_DELIVERY_DROPS.has(name as never)),
      );
      expect(receive["dropped-own-frame"] ?? 0).toBe(0);
    }
  });

  it("what one agent sent, the other took in, less what the sequence numbers say was lost", () => {
    const pairs = [
      { from: pair.station.vm, to: pair.ap.vm },
      { from: pair.ap.vm, to: pair.station.vm },
    ];
    for (const { from, to } of pairs) {
      const sent = exitCounters(read(from, "agent.log"), "send").sent;
      const received = exitCounters(read(to, "agent.log"), "receive")["frames-in"];
      expect(received).toBeLessThanOrEqual(sent);
      // UDP between two VMs on one host loses little; a receiver that fell behind drops in its
      // socket buffer, which the next check names. A quarter lost would be a defect, not load.
      expect(received).toBeGreaterThan(sent * 0.75);
    }
  });

  it("the agents exit 0 and leave the radios as they found them", () => {
    for (const { vm } of agents()) {
      expect(read(vm, "radios-after.txt")).toBe(read(vm, "radios-before.txt"));
    }
    expect(pair.ap.results?.agent_exit_code).toBe(0);
    expect(pair.station.results?.agent_exit_code).toBe(0);
  });
});
