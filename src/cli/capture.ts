// `wifi-tunnel capture [-w FILE|-]`: attaches to a running agent over its control socket and writes
// the pcapng stream it sends (docs/control.md, "capture") to a file or standard output, until the
// agent stops or SIGINT/SIGTERM/a closed pipe ends it. A consumer slower than the air makes the agent
// drop packets for this client (counted there), never wait for it.

import { createWriteStream } from "node:fs";
import { connectControl } from "../os/control/unix-socket.js";

/** As status's: 1 when no agent answers or it refuses. */
const EXIT_FAILURE = 1;

interface Writable {
  write(text: string): unknown;
}

export async function runCapture(
  options: { readonly output: string; readonly control: string },
  stderr: Writable,
): Promise<number> {
  let client: Awaited<ReturnType<typeof connectControl>>;
  try {
    client = await connectControl(options.control);
  } catch (error) {
    stderr.write(`wifi-tunnel: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_FAILURE;
  }
  const out = options.output === "-" ? process.stdout : createWriteStream(options.output, { mode: 0o600 });
  let failed: string | null = null;
  let header = "";
  let streaming = false;
  const stop = (): void => client.close();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  // wireshark closing its end of the pipe: stop quietly.
  out.on("error", stop);
  client.onData((chunk) => {
    let data = chunk;
    if (!streaming) {
      header += chunk.toString("latin1");
      const newline = header.indexOf("\n");
      if (newline === -1) return;
      const reply = JSON.parse(Buffer.from(header.slice(0, newline), "latin1").toString("utf8")) as {
        ok: boolean;
        error?: string;
      };
      if (!reply.ok) {
        failed = `the agent refused 'capture': ${reply.error}`;
        client.close();
        return;
      }
      streaming = true;
      data = Buffer.from(header.slice(newline + 1), "latin1");
    }
    if (data.length > 0 && !out.write(data)) {
      client.pause();
      out.once("drain", () => client.resume());
    }
  });
  client.request("capture");
  await client.closed;
  process.removeListener("SIGINT", stop);
  process.removeListener("SIGTERM", stop);
  if (out !== process.stdout) await new Promise<void>((resolve) => out.end(() => resolve()));
  if (failed !== null) {
    stderr.write(`wifi-tunnel: ${failed}\n`);
    return EXIT_FAILURE;
  }
  if (!streaming) {
    stderr.write(
      `wifi-tunnel: the agent on ${options.control} closed the connection without answering 'capture'\n`,
    );
    return EXIT_FAILURE;
  }
  return 0;
}
