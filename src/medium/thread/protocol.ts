// The messages between the agent's thread and a medium running on a thread of its own (proxy.ts on
// the agent's side, serve.ts on the medium's). Frames cross in batches (air-batch.ts), one
// transferred ArrayBuffer per batch and direction per event-loop turn. What the agent reads from the
// medium synchronously (counters, status, its radios' addresses, whether it is ready) comes as a
// state message whenever it has changed, at most every STATE_INTERVAL_MS, and once more at close.

import type { MacAddress } from "../../ieee80211/mac.js";
import type { LogLevel } from "../../log.js";
import type { MediumStatus } from "../medium.js";

/** How stale the agent's copy of the medium's counters and status may be. */
export const STATE_INTERVAL_MS = 250;

export interface MediumState {
  readonly counters: Record<string, number>;
  readonly status: MediumStatus | null;
  readonly guestMacs: readonly MacAddress[];
  /** The medium can deliver (hwsim: it knows at least one local radio). */
  readonly ready: boolean;
}

/** Agent's thread → medium's thread. */
export type ToMedium =
  | { readonly kind: "start" }
  | { readonly kind: "deliver"; readonly batch: ArrayBuffer }
  | { readonly kind: "link-losses"; readonly losses: readonly (readonly [MacAddress, number])[] }
  | { readonly kind: "close" };

/** Medium's thread → agent's thread. */
export type FromMedium =
  | {
      readonly kind: "opened";
      readonly name: string;
      readonly appliesSignal: boolean;
      readonly state: MediumState;
    }
  | { readonly kind: "open-failed"; readonly message: string }
  | { readonly kind: "started" }
  | { readonly kind: "start-failed"; readonly message: string }
  | { readonly kind: "transmitted"; readonly batch: ArrayBuffer }
  | { readonly kind: "state"; readonly state: MediumState }
  | { readonly kind: "log"; readonly level: LogLevel; readonly key: string | null; readonly message: string }
  | { readonly kind: "closed"; readonly state: MediumState };

/** What either side talks through: a worker's port, or one end of a MessageChannel in tests. */
export interface ThreadPort<Out, In> {
  postMessage(message: Out, transfer?: ArrayBuffer[]): void;
  on(event: "message", listener: (message: In) => void): void;
  close?(): void;
}
