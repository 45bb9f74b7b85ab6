// Which hwsim data path the agent takes when --medium is not given: hwsim's registered medium,
// unless --inject-phy names a radio of the operator's (only the monitor path injects through one).

import { describe, expect, it } from "vitest";
import { agentConfig, buildProgram } from "../../src/cli/program.js";

function configOf(argv: string[]): ReturnType<typeof agentConfig> {
  const program = buildProgram();
  program.parseOptions(argv);
  return agentConfig(program.opts() as Parameters<typeof agentConfig>[0]);
}

describe("--medium", () => {
  it.each([
    [["--peer", "10.0.0.2"], "netlink"],
    [["--peer", "10.0.0.2", "--iface", "hwsim0"], "netlink"],
    [["--peer", "10.0.0.2", "--inject-phy", "phy1"], "monitor"],
    [["--peer", "10.0.0.2", "--medium", "monitor"], "monitor"],
    [["--peer", "10.0.0.2", "--medium", "netlink"], "netlink"],
  ])("%j takes the %s path", (argv, medium) => {
    expect(configOf(argv).medium).toBe(medium);
  });
});
