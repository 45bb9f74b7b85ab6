// The airport code logs through whatever the agent injects; its Logger (src/log.ts) fits. Anything a
// guest or a stranger on the socket can repeat at will (drops, refusals, connections, errors) goes
// through `limited`, keyed by a fixed name: a flood of bad messages wrote one line per message
// (967k lines in a 29 s flood, issue 12) before.

import type { Logger } from "../log.js";

export type AirportLog = Pick<Logger, "info" | "warn" | "limited">;

export const SILENT_LOG: AirportLog = { info: () => {}, warn: () => {}, limited: () => {} };
