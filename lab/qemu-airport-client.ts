// The guest side of an airport hub, as QEMU 3.1's net/airport.c (virtio-mac80211 repo) does it:
//   connect; send() {0, hub, 0}; recv(4) into that same struct and take its port id as it is, even -1,
//   even when the recv() returned nothing; then send() {1, hub, port} + frame once per frame, and for
//   every recv() of up to 4100 bytes with a nonzero mode byte hand bytes 4.. to the guest.
// Node delivers reads of up to 64 KiB; they are cut at 4100 bytes to match QEMU's recv() size, which
// is exact whenever the kernel queue held no more than one message at a read (QEMU keeping up).
// It lives in lab/ because the airport unit tests and the VM scenario (lab/airport-ap.ts) share it.

import { createConnection, type Socket } from "node:net";

const HEADER_BYTES = 4;
const QEMU_RECV_BYTES = 4 + 4096;

export class QemuAirportClient {
  /** What qemu_send_packet() would hand the guest, one entry per recv(). */
  readonly frames: Buffer[] = [];
  /** recv() results under 4 bytes: QEMU would compute a negative frame length from them. */
  shortReads = 0;
  /** Called with each frame as it is added to `frames`. */
  onFrame: ((frame: Buffer) => void) | undefined;
  /** Whether the server answered the port request at all. */
  answered = false;
  /** The port id QEMU ends up with: the answer's, or 0 from its own request if no answer came. */
  portId = 0;

  private readonly sendQueue: Buffer[] = [];
  private sending = false;
  private frameWaiters: (() => void)[] = [];
  private readonly closed: Promise<void>;

  private constructor(
    private readonly socket: Socket,
    readonly hubId: number,
  ) {
    this.closed = new Promise((resolve) => socket.once("close", () => resolve()));
    // QEMU ignores send errors (EPIPE after the hub closed); so does this client.
    socket.on("error", () => {});
  }

  static async connect(socketPath: string, hubId: number): Promise<QemuAirportClient> {
    const socket = createConnection(socketPath);
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    const client = new QemuAirportClient(socket, hubId);
    const request = Buffer.alloc(HEADER_BYTES);
    request.writeInt8(0, 0);
    request.writeInt8(hubId, 1);
    request.writeInt16LE(0, 2);
    socket.write(request);
    await client.receivePortAnswer(request);
    return client;
  }

  /** One send() of header + frame, in order, never two messages in one syscall. */
  sendFrame(frame: Buffer): void {
    const message = Buffer.alloc(HEADER_BYTES + frame.length);
    message.writeInt8(1, 0);
    message.writeInt8(this.hubId, 1);
    message.writeInt16LE(this.portId, 2);
    frame.copy(message, HEADER_BYTES);
    this.sendRaw(message);
  }

  /** Bytes exactly as given, in one send(): for malformed messages. */
  sendRaw(bytes: Buffer): void {
    this.sendQueue.push(bytes);
    this.pumpSends();
  }

  async waitForFrames(count: number, timeoutMs = 5000): Promise<Buffer[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length < count) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `port ${this.portId}: ${this.frames.length} of ${count} frames after ${timeoutMs} ms`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.frameWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.frames.slice(0, count);
  }

  /** Resolves when the server has closed the connection (or close() was called). */
  waitForClose(): Promise<void> {
    return this.closed;
  }

  /** Stop reading the socket, like a guest whose VM is paused. */
  stopReading(): void {
    this.socket.pause();
  }

  resumeReading(): void {
    this.socket.resume();
  }

  async close(): Promise<void> {
    this.socket.destroy();
    await this.closed;
  }

  private pumpSends(): void {
    if (this.sending || this.socket.destroyed) return;
    const next = this.sendQueue.shift();
    if (next === undefined) return;
    this.sending = true;
    this.socket.write(next, () => {
      this.sending = false;
      this.pumpSends();
    });
  }

  /** recv(sock, &ciov, 4, 0): whatever arrives overwrites the request struct; no check of the result. */
  private receivePortAnswer(request: Buffer): Promise<void> {
    return new Promise((resolve) => {
      const onData = (chunk: Buffer): void => {
        this.socket.off("data", onData);
        this.socket.off("close", onClose);
        const answer = Buffer.from(request);
        const answerBytes = Math.min(HEADER_BYTES, chunk.length);
        chunk.copy(answer, 0, 0, answerBytes);
        this.answered = true;
        this.portId = answer.readInt16LE(2);
        this.socket.on("data", (more: Buffer) => this.receive(more));
        if (chunk.length > answerBytes) this.receive(chunk.subarray(answerBytes));
        resolve();
      };
      const onClose = (): void => {
        this.socket.off("data", onData);
        this.portId = request.readInt16LE(2);
        resolve();
      };
      this.socket.on("data", onData);
      this.socket.once("close", onClose);
    });
  }

  /** __recv_from_wifimedium() for every recv() this read stands for. */
  private receive(chunk: Buffer): void {
    for (let at = 0; at < chunk.length; at += QEMU_RECV_BYTES) {
      const received = chunk.subarray(at, at + QEMU_RECV_BYTES);
      if (received.length < HEADER_BYTES) {
        this.shortReads++;
        continue;
      }
      if (received[0] === 0) continue;
      const frame = Buffer.from(received.subarray(HEADER_BYTES));
      this.frames.push(frame);
      this.onFrame?.(frame);
    }
    const waiters = this.frameWaiters;
    this.frameWaiters = [];
    for (const wake of waiters) wake();
  }
}
