// The medium's side of a threaded medium (protocol.ts): opens the medium on this thread, starts it
// when asked, hands it the agent's frames, and sends back what its radios transmit, its log lines
// and its state. Apart from any worker entry, so a test can serve a medium over a MessageChannel.

import type { MacAddress } from "../../ieee80211/mac.js";
import { LOG_LEVELS, type Logger, type LogLevel } from "../../log.js";
import { airBatch } from "../air-batch.js";
import type { LocalMedium } from "../medium.js";
import {
  type FromMedium,
  type MediumState,
  STATE_INTERVAL_MS,
  type ThreadPort,
  type ToMedium,
} from "./protocol.js";
import { TurnBatch } from "./turn-batch.js";

/** A medium that can run on a thread of its own: what the agent reads of it is a copyable state. */
export interface ServedMedium extends LocalMedium {
  guestMacs(): MacAddress[];
  /** Whether a delivered frame can reach any local radio now. */
  ready(): boolean;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A Logger whose lines go to the agent's thread, where the agent's own logger (level, rate limits,
 * journal priorities) writes them. Lines above `level` are not even sent.
 */
export function portLogger(post: (message: FromMedium) => void, level: LogLevel): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const send = (lineLevel: LogLevel, key: string | null, message: string): void => {
    if (LOG_LEVELS.indexOf(lineLevel) <= threshold) post({ kind: "log", level: lineLevel, key, message });
  };
  return {
    error: (message) => send("error", null, message),
    warn: (message) => send("warn", null, message),
    info: (message) => send("info", null, message),
    debug: (message) => send("debug", null, message),
    limited: (lineLevel, key, message) => send(lineLevel, key, message),
  };
}

function stateOf(medium: ServedMedium): MediumState {
  return {
    counters: medium.counters(),
    status: medium.status?.() ?? null,
    guestMacs: medium.guestMacs(),
    ready: medium.ready(),
  };
}

export function serveMedium(
  port: ThreadPort<FromMedium, ToMedium>,
  open: (log: Logger) => Promise<ServedMedium>,
  logLevel: LogLevel,
): void {
  const post = (message: FromMedium, transfer?: ArrayBuffer[]): void => port.postMessage(message, transfer);
  const log = portLogger(post, logLevel);
  const outbox = new TurnBatch((batch) => post({ kind: "transmitted", batch }, [batch]));
  let lastState = "";
  let stateTimer: NodeJS.Timeout | null = null;
  /** The medium's state, if it changed since the agent's thread last had it. */
  const sendState = (medium: ServedMedium): void => {
    const state = stateOf(medium);
    const text = JSON.stringify(state);
    if (text === lastState) return;
    lastState = text;
    post({ kind: "state", state });
  };

  const opened = open(log);
  opened.then(
    (medium) => {
      const state = stateOf(medium);
      lastState = JSON.stringify(state);
      post({ kind: "opened", name: medium.name, appliesSignal: medium.appliesSignal === true, state });
    },
    (error: unknown) => {
      post({ kind: "open-failed", message: messageOf(error) });
      port.close?.();
    },
  );
  port.on("message", (message: ToMedium) => {
    opened.then(
      async (medium) => {
        switch (message.kind) {
          case "start":
            try {
              await medium.start((air) => outbox.push(air));
              stateTimer = setInterval(() => sendState(medium), STATE_INTERVAL_MS);
              // Started, a medium knows its radios: the agent's copy says so before it delivers.
              sendState(medium);
              post({ kind: "started" });
            } catch (error) {
              post({ kind: "start-failed", message: messageOf(error) });
            }
            return;
          case "deliver": {
            const frames = airBatch.decode(Buffer.from(message.batch));
            if (typeof frames === "string") {
              // Both ends are one build: a damaged batch is a bug, reported, never thrown.
              log.limited(
                "error",
                "medium-batch",
                `a frame batch for ${medium.name} was damaged (a bug: please report it): ${frames}`,
              );
              return;
            }
            for (const air of frames) {
              try {
                medium.deliver(air);
              } catch (error) {
                // Thrown out of here it would end the thread, and with it every local radio's air.
                log.limited(
                  "error",
                  "medium-deliver",
                  `${medium.name}: delivering a frame failed (a bug: please report it): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
                );
              }
            }
            return;
          }
          case "link-losses":
            medium.useLinkLosses?.(new Map(message.losses));
            return;
          case "close": {
            if (stateTimer !== null) clearInterval(stateTimer);
            outbox.flush();
            await medium
              .close()
              .catch((error: unknown) => log.warn(`closing ${medium.name}: ${messageOf(error)}`));
            post({ kind: "closed", state: stateOf(medium) });
            port.close?.();
            return;
          }
        }
      },
      () => {},
    );
  });
}
