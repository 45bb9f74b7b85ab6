// `wifi-tunnel set OBJECT NAME KEY VALUE...`: one `set` request to a running agent over its control
// socket (docs/control.md), e.g. `wifi-tunnel set peer ap1 signal -80 loss 5%`, and one line saying
// what the object is now. A refusal or no agent: one sentence on stderr, exit 1.

import { controlRequest } from "./status.js";

/** As status's: 1 when no agent answers or it refuses. */
const EXIT_FAILURE = 1;

interface Writable {
  write(text: string): unknown;
}

/** What `set peer` answers (src/agent/link-control.ts). */
interface PeerLinkAnswer {
  readonly peer: string;
  readonly signalDbm: number | null;
  readonly lossPercent: number;
  readonly signalIgnoredBy: readonly string[];
}

/** "peer ap1 (10.0.0.2:8211): signal -80 dBm (not applied on this medium: hwsim0), loss 5%". */
export function renderSet(object: string, answer: Record<string, unknown>): string {
  if (object !== "peer") return `${object}: ${JSON.stringify(answer)}`;
  const link = answer as unknown as PeerLinkAnswer;
  const ignored =
    link.signalIgnoredBy.length === 0
      ? ""
      : ` (not applied on this medium: ${link.signalIgnoredBy.join(", ")})`;
  const signal = link.signalDbm === null ? "as the medium gives it" : `${link.signalDbm} dBm${ignored}`;
  return `peer ${link.peer}: signal ${signal}, loss ${link.lossPercent}%`;
}

export async function runSet(
  words: readonly string[],
  control: string,
  stdout: Writable,
  stderr: Writable,
): Promise<number> {
  const [object = ""] = words;
  try {
    const reply = await controlRequest(control, `set ${words.join(" ")}`);
    stdout.write(`${renderSet(object, reply.set as Record<string, unknown>)}\n`);
    return 0;
  } catch (error) {
    stderr.write(`wifi-tunnel: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_FAILURE;
  }
}
