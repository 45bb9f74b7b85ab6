// `wifi-tunnel status`: asks a running agent over its control socket and prints what it says, as
// `wg show` does for WireGuard (or the agent's JSON unchanged with --json, docs/control.md).

import type { AgentStatus } from "../agent/status.js";
import { connectControl } from "../os/control/unix-socket.js";

/** As the agent's: 1 when it cannot be done (no agent, a refusal). Not imported: run.js loads the agent. */
const EXIT_FAILURE = 1;

/** An agent that does not answer a status request in this long is stuck (it answers in ms). */
const ANSWER_TIMEOUT_MS = 5000;

interface Writable {
  write(text: string): unknown;
}

/**
 * Sends one request line and resolves with the first line of the answer, parsed. Rejects with one
 * sentence when there is no agent, it refuses, or it does not answer in time.
 */
export async function controlRequest(path: string, line: string): Promise<Record<string, unknown>> {
  const client = await connectControl(path);
  try {
    const text = await new Promise<string>((resolve, reject) => {
      let received = "";
      const timer = setTimeout(
        () =>
          reject(
            new Error(`the agent on ${path} did not answer '${line}' within ${ANSWER_TIMEOUT_MS / 1000} s`),
          ),
        ANSWER_TIMEOUT_MS,
      );
      client.onData((chunk) => {
        received += chunk.toString("utf8");
        const newline = received.indexOf("\n");
        if (newline === -1) return;
        clearTimeout(timer);
        resolve(received.slice(0, newline));
      });
      client.closed.then(() => {
        clearTimeout(timer);
        reject(new Error(`the agent on ${path} closed the connection without answering '${line}'`));
      });
      client.request(line);
    });
    const reply = JSON.parse(text) as Record<string, unknown>;
    if (reply.ok !== true) throw new Error(`the agent refused '${line}': ${String(reply.error)}`);
    return reply;
  } finally {
    client.close();
  }
}

function bytes(count: number): string {
  if (count < 1024) return `${count} B`;
  if (count < 1024 * 1024) return `${(count / 1024).toFixed(1)} KiB`;
  return `${(count / 1024 / 1024).toFixed(1)} MiB`;
}

function nonZero(counters: Record<string, number>): string {
  const parts = Object.entries(counters)
    .filter(([, value]) => value !== 0)
    .map(([name, value]) => `${name}=${value}`);
  return parts.length === 0 ? "none" : parts.join(" ");
}

/** "signal -72 dBm (not applied on this medium: hwsim0), loss 5% (3 frames dropped)". */
function renderLink(link: AgentStatus["peers"][number]["link"]): string {
  const ignored =
    link.signalIgnoredBy.length === 0
      ? ""
      : ` (not applied on this medium: ${link.signalIgnoredBy.join(", ")})`;
  const signal = link.signalDbm === null ? "as the medium gives it" : `${link.signalDbm} dBm${ignored}`;
  const dropped = link.dropped === 0 ? "" : ` (${link.dropped} frames dropped)`;
  return `signal ${signal}, loss ${link.lossPercent}%${dropped}`;
}

/** The human form: one block per node, peer and medium, then remote transmitters and drops. */
export function renderStatus(status: AgentStatus): string {
  const out: string[] = [];
  const { node } = status;
  out.push(`node: ${node.name} (id ${node.id}), wifi-tunnel ${node.version}, ${node.mode}`);
  out.push(`  listening: UDP ${node.listen ?? "-"}`);
  out.push(`  key fingerprint: ${node.keyFingerprint ?? "none (unauthenticated)"}`);
  out.push(
    `  uptime: ${node.uptimeSeconds.toFixed(1)} s, ready after ${node.readySeconds === null ? "-" : `${node.readySeconds.toFixed(2)} s`}, pid ${node.pid}`,
  );
  for (const peer of status.peers) {
    out.push("");
    const who = peer.name === null ? "never heard" : `${peer.name}, node ${peer.nodeId}`;
    out.push(`peer: ${peer.endpoint} (${who})`);
    out.push(
      `  state: ${peer.state}${peer.lastHelloAgeSeconds === null ? ", no hello yet" : `, last hello ${peer.lastHelloAgeSeconds.toFixed(1)} s ago`}`,
    );
    out.push(
      `  datagrams: ${peer.datagramsSent} sent (${bytes(peer.bytesSent)}), ${peer.datagramsReceived} received (${bytes(peer.bytesReceived)}); ${peer.framesReceived} frames, ${peer.hellosReceived} hellos in`,
    );
    out.push(
      `  sequence: ${peer.lost} lost, ${peer.duplicates} duplicates, ${peer.reordered} reordered, ${peer.tooOld} too old`,
    );
    const drops = nonZero(peer.drops);
    if (drops !== "none") out.push(`  drops: ${drops}`);
    out.push(`  radios: ${peer.radios.length === 0 ? "none" : peer.radios.join(", ")}`);
    out.push(`  link: ${renderLink(peer.link)}`);
  }
  for (const medium of status.media) {
    out.push("");
    out.push(`medium: ${medium.name}`);
    for (const radio of medium.localRadios)
      out.push(
        `  local radio: ${radio.ifname} ${radio.address} ${radio.type.toLowerCase()} ${radio.up ? "up" : "down"}${radio.freqMhz === null ? "" : ` ${radio.freqMhz} MHz`}`,
      );
    if (medium.hears !== null) out.push(`  hears: ${medium.hears}`);
    for (const radio of medium.injectingRadios)
      out.push(
        `  injecting radio: ${radio.freqMhz} MHz${radio.ready ? "" : " (being created)"}, ACK proxies: ${radio.ackProxies.length === 0 ? "none" : radio.ackProxies.join(", ")}`,
      );
    out.push(`  counters: ${nonZero(medium.counters)}`);
  }
  out.push("");
  out.push(`remote transmitters: ${status.remoteTransmitters.length === 0 ? "none heard" : ""}`.trimEnd());
  for (const transmitter of status.remoteTransmitters)
    out.push(
      `  ${transmitter.address} on ${transmitter.freqMhz} MHz via ${transmitter.peer}: ${transmitter.frames} frames, last ${transmitter.lastHeardSecondsAgo.toFixed(1)} s ago`,
    );
  out.push("");
  out.push(`send: ${nonZero(status.send)}`);
  out.push(`receive: ${nonZero(status.receive)}`);
  out.push(`drops: send ${nonZero(status.drops.send)}; receive ${nonZero(status.drops.receive)}`);
  out.push(
    `process: cpu ${status.process.cpuMs} ms, rss ${bytes(status.process.rssBytes)}, loop delay p99 ${status.process.loopDelayP99Ms} ms, max ${status.process.loopDelayMaxMs} ms`,
  );
  return `${out.join("\n")}\n`;
}

export async function runStatus(
  options: { readonly json: boolean; readonly control: string },
  stdout: Writable,
  stderr: Writable,
): Promise<number> {
  try {
    const reply = await controlRequest(options.control, "status");
    const status = reply.status as AgentStatus;
    stdout.write(options.json ? `${JSON.stringify(status, null, 2)}\n` : renderStatus(status));
    return 0;
  } catch (error) {
    stderr.write(`wifi-tunnel: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_FAILURE;
  }
}
