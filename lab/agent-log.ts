// What the VM tests and benches read from an agent's log and memory record (lab/guest/prelude.sh).

/** The counters line `name: a=1 b=2` the agent logs at exit, as numbers (zero counters are left out). */
export function exitCounters(log: string, component: string): Record<string, number> {
  const lines = log.split("\n").filter((line) => line.includes(`  ${component}: `));
  const last = lines.at(-1);
  if (last === undefined) throw new Error(`no "${component}:" counters in the agent log`);
  const counters: Record<string, number> = {};
  for (const match of last.matchAll(/([a-z0-9-]+)=(\d+)/g)) counters[match[1]] = Number(match[2]);
  return counters;
}

/** The sum of the counters whose names `pick` accepts. */
export function sumOf(counters: Record<string, number>, pick: (name: string) => boolean): number {
  return Object.entries(counters)
    .filter(([name]) => pick(name))
    .reduce((total, [, value]) => total + value, 0);
}

export interface RssRecord {
  /** [uptime seconds, resident KiB] every few seconds while the agent ran. */
  readonly samples: readonly (readonly [number, number])[];
  /** Named moments (e.g. iperf-start), uptime seconds, first of each name. */
  readonly marks: Readonly<Record<string, number>>;
}

/** agent-rss.txt: "UPTIME KB" samples and "UPTIME NAME" marks. */
export function parseRss(text: string): RssRecord {
  const samples: [number, number][] = [];
  const marks: Record<string, number> = {};
  for (const line of text.split("\n")) {
    const [time, value] = line.trim().split(/\s+/);
    if (time === undefined || value === undefined || !Number.isFinite(Number(time))) continue;
    if (/^\d+$/.test(value)) samples.push([Number(time), Number(value)]);
    else if (!(value in marks)) marks[value] = Number(time);
  }
  return { samples, marks };
}
