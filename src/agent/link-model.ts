// The link model (issue 14): per peer, the signal a local receiver should see of the peer's frames
// and the share of them lost on the way. Set by a config file's [Peer] (Signal, Loss), by `set peer`
// on the control socket and by a reload. Pure: it holds the values and answers the data path's two
// questions, signalFor (what signalDbm a frame from the peer gets) and lose (is this frame lost).

import { ok, type Result, reject } from "../result.js";

export interface Link {
  /** dBm receivers should report for the peer's frames; null: whatever the medium gives them. */
  readonly signalDbm: number | null;
  /** Percent of the peer's frames lost, 0-100, fractions allowed. */
  readonly lossPercent: number;
}

export const DEFAULT_LINK: Link = { signalDbm: null, lossPercent: 0 };

/** dBm a signal may be: radiotap's antenna signal is a signed byte; -127..0 as --airport-signal. */
export const SIGNAL_DBM_RANGE = [-127, 0] as const;

/** A uniform number in [0, 1): Math.random in the agent, a fixed sequence in tests. */
export type RandomSource = () => number;

/** `-72`, or `default` (back to the medium's own signal). */
export function parseSignal(text: string, what: string): Result<number | null, "bad-link"> {
  if (text.toLowerCase() === "default") return ok(null);
  const [min, max] = SIGNAL_DBM_RANGE;
  const value = Number(text);
  if (!/^[-+]?\d+$/.test(text) || value < min || value > max)
    return reject(
      "bad-link",
      `${what}: '${text}' is not a signal in dBm (a whole number from ${min} to ${max}, e.g. -72, or default)`,
    );
  return ok(value);
}

/** `5%`, `0.5%`, `100%`: the percent sign is required, so 0.05 is never read as 5% (or 0.05%). */
export function parseLoss(text: string, what: string): Result<number, "bad-link"> {
  const match = /^(\d+(?:\.\d+)?)%$/.exec(text);
  const value = match ? Number(match[1]) : Number.NaN;
  if (!(value >= 0 && value <= 100))
    return reject(
      "bad-link",
      `${what}: '${text}' is not a loss (a percentage from 0% to 100%, e.g. 5% or 0.5%)`,
    );
  return ok(value);
}

/** "signal -72 dBm, loss 5%"; "signal as the medium gives it" when none is set. */
export function describeLink(link: Link): string {
  const signal = link.signalDbm === null ? "as the medium gives it" : `${link.signalDbm} dBm`;
  return `signal ${signal}, loss ${link.lossPercent}%`;
}

export function isDefaultLink(link: Link): boolean {
  return link.signalDbm === DEFAULT_LINK.signalDbm && link.lossPercent === DEFAULT_LINK.lossPercent;
}

export class LinkModel<Peer extends object> {
  /** Only peers whose link differs from the default: the data path's lookup stays a miss otherwise. */
  private readonly links = new Map<Peer, Link>();

  constructor(private readonly random: RandomSource = Math.random) {}

  get(peer: Peer): Link {
    return this.links.get(peer) ?? DEFAULT_LINK;
  }

  /** Changes what is given, keeps the rest; returns the peer's link now. */
  set(peer: Peer, change: Partial<Link>): Link {
    const link = { ...this.get(peer), ...change };
    if (isDefaultLink(link)) this.links.delete(peer);
    else this.links.set(peer, link);
    return link;
  }

  /** A peer that is gone (a reload removed it). */
  forget(peer: Peer): void {
    this.links.delete(peer);
  }

  /** The signal a frame from `peer` should arrive with: its link's, else the medium's default. */
  signalFor(peer: Peer, defaultDbm: number): number {
    return this.links.get(peer)?.signalDbm ?? defaultDbm;
  }

  /**
   * Whether this frame from `peer` is lost: true with probability lossPercent/100 exactly (for a
   * uniform source on [0, 1)); 0% and 100% draw nothing, so they never depend on the source.
   */
  lose(peer: Peer): boolean {
    const loss = this.links.get(peer)?.lossPercent ?? 0;
    if (loss <= 0) return false;
    if (loss >= 100) return true;
    return this.random() < loss / 100;
  }
}
