#!/usr/bin/env node
// Entry point of the wifi-tunnel command (see src/cli/program.ts for the commands and flags).

import { CommanderError } from "commander";
import { buildProgram, EXIT_USAGE } from "./cli/program.js";
import { stderrIsJournal } from "./os/systemd/journal.js";

/** A config or flag error under systemd is an error in the journal too (src/log.ts). */
const errorPrefix = (): string => (stderrIsJournal() ? "<3>" : "");

async function main(): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === "wifi-tunnel.usage")
        process.stderr.write(`${errorPrefix()}wifi-tunnel: ${error.message}\n`);
      process.exitCode = error.exitCode === 0 ? 0 : EXIT_USAGE;
      return;
    }
    process.stderr.write(
      `${errorPrefix()}wifi-tunnel: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 1;
  }
}

// Not a top-level await: the bundle is CommonJS (scripts/bundle.mjs), where there is none.
void main();
