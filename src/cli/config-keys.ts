// The [Agent] keys of the config file, taken from the agent command's own flags so every flag is a
// key (KeyFile = for --key-file) without a second list to keep in step. A flag whose value has a
// parser here is checked as the file is read, so its error names the line; any other flag's value
// is checked where the command line's is (program.ts), and its error names the file.

import type { Command } from "commander";
import { ok, type Result, reject } from "../result.js";
import { IFACE_NAME, INTEGER_RANGES, parseHubId, parseIntegerIn, parseListen } from "./config.js";
import type { AgentKey } from "./config-file.js";

/** Flags that are no [Agent] key: peers are [Peer] sections, the file cannot name another file. */
const NOT_KEYS = new Set(["peer", "config", "version", "help"]);

const CHECKS: Readonly<Partial<Record<string, (value: string, what: string) => Result<unknown>>>> = {
  listen: (value, what) => parseListen(value, what),
  iface: (value, what) =>
    value === "none" || IFACE_NAME.test(value)
      ? ok(value)
      : reject("bad-config", `${what}: '${value}' is not an interface name (or none)`),
  "airport-listen": (value, what) => parseHubId(value, what),
  "airport-connect": (value, what) => parseHubId(value, what),
  ...Object.fromEntries(
    Object.entries(INTEGER_RANGES).map(([flag, [min, max]]) => [
      flag,
      (value: string, what: string) => parseIntegerIn(value, min, max, what),
    ]),
  ),
};

export function agentKeysOf(command: Command): AgentKey[] {
  const keys: AgentKey[] = [];
  for (const option of command.options) {
    const flag = option.long?.replace(/^--/, "");
    if (flag === undefined || NOT_KEYS.has(flag) || option.negate) continue;
    const check = CHECKS[flag];
    keys.push({
      flag,
      takesValue: option.required || option.optional,
      ...(option.argChoices ? { choices: option.argChoices } : {}),
      ...(check ? { check } : {}),
    });
  }
  return keys;
}
