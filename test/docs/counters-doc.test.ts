// The README's counter list is checked against the code: every counter an agent can print is named
// in README.md's "Counters" section (a "dropped-X" counter may be listed as X under "drops by
// reason"), so a new counter without documentation fails here.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CHANNEL_RADIO_COUNTERS } from "../../src/agent/channel-radios.js";
import { HWSIM_COUNTERS } from "../../src/agent/hwsim-medium.js";
import { HWSIM_NETLINK_COUNTERS } from "../../src/agent/hwsim-netlink-medium.js";
import { LOOP_DELAY_COUNTERS } from "../../src/agent/loop-delay.js";
import { RECEIVE_COUNTERS } from "../../src/agent/receive.js";
import { SEND_COUNTERS } from "../../src/agent/send.js";
import { BUNDLE_COUNTERS } from "../../src/tunnel/bundling-transport.js";

const readme = readFileSync(join(import.meta.dirname, "..", "..", "README.md"), "utf8");
const section = readme.slice(
  readme.indexOf("## Counters"),
  readme.indexOf("\n## ", readme.indexOf("## Counters") + 1),
);

describe("README counters", () => {
  it.each([
    ["send", [...SEND_COUNTERS, ...BUNDLE_COUNTERS]],
    ["receive", RECEIVE_COUNTERS],
    ["medium hwsim0", [...HWSIM_COUNTERS, ...CHANNEL_RADIO_COUNTERS]],
    ["medium hwsim (--medium netlink)", [...HWSIM_NETLINK_COUNTERS, "known-receivers"]],
    ["agent", [...LOOP_DELAY_COUNTERS, "cpu-ms"]],
  ] as const)("every %s counter is documented", (_, names) => {
    expect(section.length).toBeGreaterThan(100);
    const words = new Set(section.match(/[a-z0-9]+(?:-[a-z0-9]+)*/g) ?? []);
    const missing = names.filter((name) => !words.has(name) && !words.has(name.replace(/^dropped-/, "")));
    expect(missing).toEqual([]);
  });
});
