// Capture timestamps as inspect prints them: UTC, microseconds, like tcpdump's default column but
// never in the local time zone, so two people comparing output from two VMs see the same times.

const NS_PER_SECOND = 1_000_000_000n;
const NS_PER_MICROSECOND = 1_000n;
/** The range a JavaScript Date can represent: ±8.64e15 ms, i.e. ±8.64e12 s around 1970. */
const LARGEST_DATE_SECONDS = 8_640_000_000_000n;

export interface UtcTime {
  /** "2026-11-21" */
  readonly date: string;
  /** "09:41:02.123456" */
  readonly timeOfDay: string;
  /** "2026-11-21T09:41:02.123456Z" */
  readonly iso: string;
}

/**
 * Splits a nanosecond timestamp into UTC date and time of day, microseconds truncated as tcpdump
 * does. Returns null for timestamps no calendar date can show (a pcapng interface may count in
 * units that put them hundreds of millennia away).
 */
export function utcTime(timestampNs: bigint): UtcTime | null {
  let seconds = timestampNs / NS_PER_SECOND;
  let remainderNs = timestampNs % NS_PER_SECOND;
  // BigInt division rounds toward zero; times before 1970 need the floor.
  if (remainderNs < 0n) {
    seconds -= 1n;
    remainderNs += NS_PER_SECOND;
  }
  if (seconds > LARGEST_DATE_SECONDS || seconds < -LARGEST_DATE_SECONDS) return null;
  const wholeSeconds = new Date(Number(seconds) * 1000).toISOString(); // "2026-11-21T09:41:02.000Z"
  const microseconds = (remainderNs / NS_PER_MICROSECOND).toString().padStart(6, "0");
  const date = wholeSeconds.slice(0, wholeSeconds.indexOf("T"));
  const timeOfDay = `${wholeSeconds.slice(wholeSeconds.indexOf("T") + 1, wholeSeconds.indexOf("."))}.${microseconds}`;
  return { date, timeOfDay, iso: `${date}T${timeOfDay}Z` };
}
