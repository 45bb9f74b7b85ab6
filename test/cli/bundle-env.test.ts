// WIFI_TUNNEL_BUNDLE_BYTES: absent is the agent's default, a byte count is taken, anything else is
// one sentence saying what is allowed.
import { describe, expect, it } from "vitest";
import { PrerequisiteError } from "../../src/cli/prerequisite.js";
import { bundleBytesFromEnv } from "../../src/cli/run.js";

describe("WIFI_TUNNEL_BUNDLE_BYTES", () => {
  it("is the default when unset or empty, and a byte count from 0 to 65507 otherwise", () => {
    expect(bundleBytesFromEnv(undefined)).toBeUndefined();
    expect(bundleBytesFromEnv("")).toBeUndefined();
    expect(bundleBytesFromEnv("0")).toBe(0);
    expect(bundleBytesFromEnv("4000")).toBe(4000);
    expect(bundleBytesFromEnv("65507")).toBe(65507);
  });

  it.each(["-1", "65508", "1.5", "lots"])("refuses %s in one sentence", (value) => {
    expect(() => bundleBytesFromEnv(value)).toThrow(PrerequisiteError);
    expect(() => bundleBytesFromEnv(value)).toThrow(/is not a byte count from 0 \(no bundles\) to 65507/);
  });
});
