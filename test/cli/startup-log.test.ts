// The start-up log holds every line until the agent is ready, so the ready line comes first.

import { describe, expect, it } from "vitest";
import { createStartupLog } from "../../src/cli/startup-log.js";

const text = (line: string): string => line.replace(/^\S+ /, "");

describe("start-up log", () => {
  it("writes the ready line first, then what was held back, then later lines as they come", () => {
    const lines: string[] = [];
    const startup = createStartupLog("info", (line) => lines.push(text(line)));
    startup.log.info("--unique-macs: wlan0 now uses 02:..");
    startup.log.warn("something odd");
    startup.log.debug("not at this level");
    expect(lines).toEqual([]);
    startup.ready("wifi-tunnel 1.2.3 ready in 1.00 s");
    startup.log.info("later");
    expect(lines).toEqual([
      "info: wifi-tunnel 1.2.3 ready in 1.00 s",
      "info: --unique-macs: wlan0 now uses 02:..",
      "warn: something odd",
      "info: later",
    ]);
  });

  it("a failed start releases what it held before the error line", () => {
    const lines: string[] = [];
    const startup = createStartupLog("info", (line) => lines.push(text(line)));
    startup.log.info("medium hwsim0 is up");
    startup.release();
    startup.log.error("there is no interface hwsim0");
    expect(lines).toEqual(["info: medium hwsim0 is up", "error: there is no interface hwsim0"]);
  });
});
