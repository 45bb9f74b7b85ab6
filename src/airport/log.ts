// The airport code logs at two levels through whatever the agent injects; its Logger (src/log.ts)
// fits and does the rate limiting, so this stays minimal.

import type { Logger } from "../log.js";

export type AirportLog = Pick<Logger, "info" | "warn">;

export const SILENT_LOG: AirportLog = { info: () => {}, warn: () => {} };
