// The doctor command's composition: the agent's configuration (flags or --config), its key, its
// peers resolved, the live system probe; runDoctor (doctor.ts) prints the lines.

import { liveSystem } from "../os/system/probe.js";
import type { UdpEndpoint } from "../os/udp/tunnel-socket.js";
import { keyFingerprint } from "../tunnel/psk.js";
import type { AgentConfig } from "./config.js";
import { runDoctor } from "./doctor.js";
import { readKey, resolvePeer } from "./run.js";

export async function doctorCommand(config: AgentConfig, write: (line: string) => void): Promise<number> {
  let psk: Buffer | null = null;
  let keyFailed = false;
  if (config.keyFile !== null) {
    try {
      psk = readKey(config.keyFile);
      write(`ok    key: ${config.keyFile} holds a wifi-tunnel key`);
    } catch (error) {
      keyFailed = true;
      write(`FAIL  key: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const peers: (UdpEndpoint | null)[] = [];
  for (const peer of config.peers) peers.push(await resolvePeer(peer).catch(() => null));
  const status = await runDoctor(config, {
    system: liveSystem,
    psk,
    peers,
    write,
    fingerprint: keyFingerprint,
  });
  return keyFailed ? 1 : status;
}
