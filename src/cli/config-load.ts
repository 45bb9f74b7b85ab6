// --config FILE: reads the file, lays it under the command line (a flag given there wins over the
// file's key) and builds the AgentConfig the flags alone would have built. The same load runs again
// on SIGHUP (reload.ts). Every failure is one sentence naming the file (and the line, when one line
// is to blame); the CLI prints it and exits 2.

import { readFileSync } from "node:fs";
import { type Command, CommanderError } from "commander";
import { ok, type Result, reject } from "../result.js";
import type { AgentConfig, PeerConfig } from "./config.js";
import { type ConfigFile, keyOfFlag, parseConfigFile } from "./config-file.js";
import { agentKeysOf } from "./config-keys.js";

/** Where `--config NAME` (a bare name, like wg-quick's) looks: /etc/wifi-tunnel/NAME.conf. */
export const CONFIG_DIR = "/etc/wifi-tunnel";

export function configFilePath(value: string): string {
  return value.includes("/") || value.endsWith(".conf") ? value : `${CONFIG_DIR}/${value}.conf`;
}

export interface AgentConfigSource {
  readonly path: string;
  /** Reads the file (again) and builds the configuration; flags from the command line win. */
  load(): Result<AgentConfig, "bad-config">;
}

export function agentConfigSource<Flags extends object>(
  path: string,
  command: Command,
  cliFlags: Flags,
  build: (flags: Flags) => AgentConfig,
): AgentConfigSource {
  const keys = agentKeysOf(command);
  const fromCommandLine = (flag: string): boolean => {
    const option = command.options.find((candidate) => candidate.long === `--${flag}`);
    return option !== undefined && command.getOptionValueSource(option.attributeName()) === "cli";
  };
  return {
    path,
    load() {
      let text: string;
      try {
        text = readFileSync(path, "utf8");
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? String(error);
        return reject(
          "bad-config",
          `cannot read the config file ${path} (${code}): create it (README.md, "Config file") or give --config another file`,
        );
      }
      const parsed = parseConfigFile(text, path, keys);
      if (!parsed.ok) return parsed;
      const file = parsed.value;
      const merged: Record<string, unknown> = { ...(cliFlags as Record<string, unknown>) };
      for (const [flag, setting] of file.agent) {
        if (fromCommandLine(flag)) continue;
        const option = command.options.find((candidate) => candidate.long === `--${flag}`);
        if (option) merged[option.attributeName()] = setting.value;
      }
      let config: AgentConfig;
      try {
        config = build(merged as Flags);
      } catch (error) {
        if (error instanceof CommanderError)
          return reject("bad-config", blameLine(file, error.message, fromCommandLine));
        throw error;
      }
      return ok({ ...config, peers: withFilePeers(file, config.peers) });
    },
  };
}

/** The file's peers first (they may carry a Name), then command-line peers the file does not list. */
function withFilePeers(file: ConfigFile, cliPeers: readonly PeerConfig[]): PeerConfig[] {
  const peers: PeerConfig[] = file.peers.map(({ host, port, name, link }) => ({ host, port, name, link }));
  for (const peer of cliPeers)
    if (!peers.some((known) => known.host === peer.host && known.port === peer.port)) peers.push(peer);
  return peers;
}

/** A flag-named error ("--iface none leaves nothing ...") caused by a key of the file names its line. */
function blameLine(file: ConfigFile, message: string, fromCommandLine: (flag: string) => boolean): string {
  for (const match of message.matchAll(/--([a-z][a-z-]*)/g)) {
    const flag = match[1] ?? "";
    const setting = file.agent.get(flag);
    if (setting !== undefined && !fromCommandLine(flag))
      return `${file.path} line ${setting.line} (${keyOfFlag(flag)}): ${message}`;
  }
  return message;
}
