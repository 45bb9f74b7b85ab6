// Counters for everything the agent does to a frame, so "where did my frame go" always has an
// answer. Every component keeps its counters in one of these, named by a const list beside it.

export class Counters<Name extends string> {
  private readonly values = new Map<Name, number>();

  constructor(names: readonly Name[]) {
    for (const name of names) this.values.set(name, 0);
  }

  add(name: Name, amount = 1): void {
    this.values.set(name, (this.values.get(name) ?? 0) + amount);
  }

  get(name: Name): number {
    return this.values.get(name) ?? 0;
  }

  snapshot(): Record<Name, number> {
    return Object.fromEntries(this.values) as Record<Name, number>;
  }
}

/** Render counters as `name=value` pairs, skipping zeros unless asked, for one log line. */
export function formatCounters(values: Record<string, number>, keepZeros = false): string {
  return Object.entries(values)
    .filter(([, value]) => keepZeros || value !== 0)
    .map(([name, value]) => `${name}=${value}`)
    .join(" ");
}
