// The agent as hwsim's registered medium: one generic netlink socket that registers with
// MAC80211_HWSIM, receives every frame the namespace's radios transmit, and sends their fates and the
// frames for local radios (medium-wire.ts has the messages). The kernel forgets the
// registration when this socket closes, however the agent ends (even SIGKILL): hwsim then goes back
// to its own in-kernel medium ("wmediumd released netlink socket").

// The raw socket only: the package's index loads every protocol it knows (~380 KB of JavaScript
// the medium's thread would parse at start-up for nothing).
import { writevSync } from "node:fs";
import { RawNetlinkSocket } from "netlink/dist/raw.js";
import { FrameTypeCode } from "../../../ieee80211/constants.js";
import { frameTypeCode } from "../../../ieee80211/frame.js";
import { encodeGetFamily } from "../messages.js";
import { findNetlinkSocketFd } from "../socket-fd.js";
import { HWSIM_FAMILY } from "./constants.js";
import { DeliveryBudget } from "./delivery-budget.js";
import {
  decodeMediumMessages,
  deliveryParts,
  encodeRegister,
  encodeTxStatus,
  type HwsimDelivery,
  type HwsimMediumMessage,
  type HwsimTransmission,
  type HwsimTxStatus,
} from "./medium-wire.js";

const NETLINK_GENERIC = 16;
const REQUEST_TIMEOUT_MS = 5000;
/**
 * Receive buffer: hwsim drops a transmission (reported unacknowledged) when the medium's socket is
 * full, so it must hold a burst while the agent's loop is busy. The kernel caps SO_RCVBUF at
 * net.core.rmem_max (212992 on Debian) and doubles it: ~140 full-size frames.
 */
const RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;
/** Largest message hwsim sends: a 2400-byte frame plus its attributes. */
const MESSAGE_BUFFER_BYTES = 8192;

/** Pieces (iovecs) per sendmsg before a batch goes out early: ~40 full-size deliveries, ~64 KB. */
const MAX_QUEUED_PIECES = 120;

export const EBUSY = 16;
export const EOPNOTSUPP = 95;

/** What the medium sees of the kernel (a test double stands in: src/os/doubles/fake-hwsim-kernel.ts). */
export interface HwsimMediumPort {
  /** Every frame a local radio transmits, and the errors hwsim reports for messages of ours. */
  start(events: {
    readonly transmission: (transmission: HwsimTransmission) => void;
    /** hwsim refused a message of ours: a status (its frame is gone) or a delivery (nobody took it). */
    readonly refused: (what: "status" | "delivery", errno: number) => void;
    readonly malformed: (detail: string) => void;
    /** Deliveries dropped because more waited than delivery-budget.ts allows (data frames first). */
    readonly shed: (count: number) => void;
    /** Handling a message threw (a bug): reported, never thrown into the netlink binding. */
    readonly failed: (error: unknown) => void;
  }): void;
  /** Fates and deliveries, sent together in one system call. */
  send(statuses: readonly HwsimTxStatus[], deliveries: readonly HwsimDelivery[]): void;
  close(): void;
}

export class HwsimMediumUnavailableError extends Error {
  constructor(
    message: string,
    readonly errno: number | null,
  ) {
    super(message);
  }
}

/** The kernel side of HwsimMediumPort. */
export class HwsimMediumSocket implements HwsimMediumPort {
  /** Requests at start, then odd numbers for statuses and even ones for deliveries (refusals say which). */
  private seq = 1;
  private pending: { seq: number; settle: (message: HwsimMediumMessage) => void } | null = null;
  private events: Parameters<HwsimMediumPort["start"]>[0] | null = null;
  /** Encoded fates waiting for this turn's flush: fates never wait for a later turn. */
  private queued: Buffer[] = [];
  /** Deliveries, encoded only when their turn comes (a shed one costs nothing). */
  private readonly deliveries = new DeliveryBudget<HwsimDelivery>(isDataFrame);
  private flushScheduled = false;
  private closed = false;
  /** The socket's descriptor, for writes in one system call (socket-fd.ts); null if not found: the binding's send. */
  private fd: number | null = null;

  private constructor(
    private readonly socket: RawNetlinkSocket,
    private familyId: number,
  ) {
    socket.on("message", (buf) => this.received(buf));
    socket.on("error", (error) => this.events?.refused("delivery", error.errno ?? 0));
  }

  /** Opens the socket, finds the family and registers; refuses with one sentence if it cannot. */
  static async open(): Promise<HwsimMediumSocket> {
    const raw = new RawNetlinkSocket(NETLINK_GENERIC, {
      messagePeeking: false,
      msgBufferSize: MESSAGE_BUFFER_BYTES,
      recvBufferSize: RECEIVE_BUFFER_BYTES,
      sendBufferSize: RECEIVE_BUFFER_BYTES,
    });
    const medium = new HwsimMediumSocket(raw, 0);
    try {
      const family = await medium.request((seq) => encodeGetFamily(HWSIM_FAMILY, seq));
      if (family.kind !== "family") {
        throw new HwsimMediumUnavailableError(
          `the ${HWSIM_FAMILY} generic netlink family is not available: load the driver with 'modprobe mac80211_hwsim radios=1'`,
          family.kind === "status" ? family.errno : null,
        );
      }
      medium.familyId = family.familyId;
      medium.fd = findNetlinkSocketFd(NETLINK_GENERIC, raw.address().port);
      const registered = await medium.request((seq) => encodeRegister(family.familyId, seq));
      if (registered.kind === "status" && registered.errno !== 0) {
        throw new HwsimMediumUnavailableError(registrationProblem(registered.errno), registered.errno);
      }
      return medium;
    } catch (error) {
      raw.close();
      throw error;
    }
  }

  private request(encode: (seq: number) => Buffer): Promise<HwsimMediumMessage> {
    const seq = this.seq++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = null;
        reject(
          new HwsimMediumUnavailableError(
            `${HWSIM_FAMILY} did not answer within ${REQUEST_TIMEOUT_MS} ms`,
            null,
          ),
        );
      }, REQUEST_TIMEOUT_MS);
      this.pending = {
        seq,
        settle: (message) => {
          clearTimeout(timer);
          this.pending = null;
          resolve(message);
        },
      };
      this.socket.send(encode(seq), {}, (error) => {
        if (error === undefined) return;
        clearTimeout(timer);
        this.pending = null;
        reject(new HwsimMediumUnavailableError(`${HWSIM_FAMILY}: ${error.message}`, error.errno ?? null));
      });
    });
  }

  start(events: Parameters<HwsimMediumPort["start"]>[0]): void {
    this.events = events;
  }

  /**
   * The binding calls this from C++ (node-addon-api): an exception thrown here would abort the whole
   * process ("terminate called after throwing an instance of 'Napi::Error'", seen once in a loaded
   * four-VM lab, exit 134). So nothing escapes: what fails is reported and the next message comes.
   */
  private received(buf: Buffer): void {
    try {
      this.handle(buf);
    } catch (error) {
      this.events?.failed(error);
    }
  }

  private handle(buf: Buffer): void {
    for (const message of decodeMediumMessages(buf, this.familyId)) {
      const pending = this.pending;
      if (
        pending !== null &&
        (message.kind === "status" || message.kind === "family") &&
        message.seq === pending.seq
      ) {
        // A family reply is followed by its ACK: the first settles, the second is ignored.
        pending.settle(message);
        continue;
      }
      switch (message.kind) {
        case "transmission":
          this.events?.transmission(message.transmission);
          break;
        case "status":
          if (message.errno !== 0)
            this.events?.refused(message.seq % 2 === 1 ? "status" : "delivery", message.errno);
          break;
        case "malformed":
          this.events?.malformed(message.detail);
          break;
        default:
          break;
      }
    }
  }

  /**
   * Queues fates and deliveries; they leave together, in one system call, once this turn of the
   * event loop has handled what it read (setImmediate runs after the poll phase). libuv hands over
   * up to 32 datagrams per wakeup and the netlink binding 32 messages. A system call per fate, as
   * soon as its frame's message was handled (for a TCP sender, whose small-queue limit waits for
   * hwsim to free a frame's skb, which it does on the fate), cost more than it gained: 6.99
   * against 8.68 Mbit/s, 1041 against 850 µs of CPU per TCP segment (medians of 3 rounds,
   * docs/benchmarks.md, session 14). Every fate leaves this turn; deliveries leave at most
   * DELIVERIES_PER_TURN a turn, the rest in later turns (delivery-budget.ts says why).
   */
  send(statuses: readonly HwsimTxStatus[], deliveries: readonly HwsimDelivery[]): void {
    if (statuses.length + deliveries.length === 0) return;
    for (const status of statuses) this.queued.push(encodeTxStatus(this.familyId, this.nextSeq(1), status));
    for (const delivery of deliveries) this.deliveries.add(delivery);
    // A datagram carries at most IOV_MAX (1024) pieces and what the socket's buffer holds.
    if (this.queued.length > MAX_QUEUED_PIECES) this.flush("fates");
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.queued.length + this.deliveries.size === 0) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush("fates and deliveries");
      // What the budget held back goes next turn, after that turn's reads.
      this.scheduleFlush();
    });
  }

  /** Early (too many pieces) only the fates go: the turn's deliveries leave once, at its end. */
  private flush(what: "fates" | "fates and deliveries"): void {
    if (this.closed) return;
    if (what === "fates and deliveries") {
      const { turn, shed } = this.deliveries.take();
      if (shed > 0) this.report(() => this.events?.shed(shed));
      for (const delivery of turn)
        this.queued.push(...deliveryParts(this.familyId, this.nextSeq(0), delivery));
    }
    if (this.queued.length === 0) return;
    const parts = this.queued;
    this.queued = [];
    // One system call (one iovec each) for all of them: netlink runs each message of a datagram in
    // turn. writev on the socket's descriptor rather than the binding's send, which queues a request
    // object, arms a libuv timer and calls back into JavaScript for each send: 7.40 against 7.21
    // Mbit/s, 998 against 1048 µs of CPU per TCP segment (bench/tunnel.ts --build, medians of 3
    // rounds; a scratch A/B before it: 8.68 against 7.81, 850 against 942).
    if (this.fd !== null) {
      try {
        writevSync(this.fd, parts);
      } catch (error) {
        const errno = Math.abs((error as NodeJS.ErrnoException).errno ?? 0);
        this.report(() => this.events?.refused("delivery", errno));
      }
      return;
    }
    this.socket.send(parts, {}, (error) => {
      if (error !== undefined) this.report(() => this.events?.refused("delivery", error.errno ?? 0));
    });
  }

  /** An event handler that throws is a bug, reported; never thrown into the binding (see received). */
  private report(event: () => void): void {
    try {
      event();
    } catch (failure) {
      this.events?.failed(failure);
    }
  }

  private nextSeq(parity: 0 | 1): number {
    this.seq = (this.seq + 1) >>> 0;
    if (this.seq % 2 !== parity) this.seq = (this.seq + 1) >>> 0;
    return this.seq;
  }

  close(): void {
    this.closed = true;
    this.deliveries.clear();
    this.socket.close();
  }
}

/** A data frame (type 2): what may be shed when too many deliveries wait. */
function isDataFrame(delivery: HwsimDelivery): boolean {
  return frameTypeCode(delivery.frame[0] ?? 0) === FrameTypeCode.data;
}

/** One sentence for a refused HWSIM_CMD_REGISTER. */
export function registrationProblem(errno: number): string {
  if (errno === EBUSY)
    return "another process is already hwsim's medium in this network namespace (wmediumd, vwifi-client or a second agent): stop it, or run with --medium monitor";
  if (errno === EOPNOTSUPP)
    return "hwsim refuses a medium process when a radio has more than one channel context: load it without channels=N (modprobe mac80211_hwsim radios=1), or run with --medium monitor";
  if (errno === 1) return "registering as hwsim's medium needs CAP_NET_ADMIN: run the agent as root";
  return `hwsim refused to register this agent as its medium (errno ${errno}); run with --medium monitor`;
}
