// The bundle extension's sending side: FRAMEs that leave for the same peer in one turn of the event
// loop go out as one BUNDLE (bundle.ts) instead of one UDP datagram each. Nothing waits for a bundle
// to fill: the turn's queue leaves once the turn has handled what it read (setImmediate runs after
// the poll phase, where libuv and the netlink binding hand over up to 32 messages each), so a frame
// is never held past the turn that made it. HELLOs and frames for peers that did not advertise
// HelloCapability.bundles go straight through.

import { Counters } from "../medium/counters.js";
import { bundleEntryLength, encodeBundle } from "./bundle.js";
import { BUNDLE_HEADER_LENGTH, HeaderOffset, MAX_BUNDLE_LENGTH, MessageType } from "./constants.js";
import type { Transport } from "./pair-transport.js";

/**
 * Datagrams per bundle, whatever their size. A receiver reads up to 32 UDP datagrams per wakeup and
 * hands what they carry to its radios in that turn, and every frame delivered to a local AP's radio
 * may make it transmit (a TCP ACK) while the agent is still busy: hwsim holds at most 200 of those
 * unreported, then drops the oldest (beacons among them). 4 keeps a turn within 128 frames; four
 * full-size data frames also fill most of 8192 bytes. The receiver's budget does the rest
 * (src/os/netlink/hwsim/delivery-budget.ts: at most 32 deliveries per turn).
 */
export const MAX_BUNDLED_DATAGRAMS = 4;

export const BUNDLE_COUNTERS = ["bundles-sent", "datagrams-bundled"] as const;
export type BundleCounter = (typeof BUNDLE_COUNTERS)[number];

interface Queue<Endpoint> {
  readonly to: Endpoint;
  datagrams: Buffer[];
  bytes: number;
}

export class BundlingTransport<Endpoint> implements Transport<Endpoint> {
  readonly counters = new Counters<BundleCounter>(BUNDLE_COUNTERS);
  private readonly queues = new Map<string, Queue<Endpoint>>();
  private scheduled = false;
  private closed = false;

  /**
   * `limitBytes`: the longest bundle made (0: none at all); `accepts`: whether the peer at `to`
   * advertised bundles in its last HELLO.
   */
  constructor(
    private readonly inner: Transport<Endpoint>,
    private readonly accepts: (to: Endpoint) => boolean,
    private readonly keyOf: (to: Endpoint) => string,
    private readonly limitBytes: number,
    private readonly schedule: (flush: () => void) => void = setImmediate,
  ) {
    if (!Number.isInteger(limitBytes) || limitBytes < 0 || limitBytes > MAX_BUNDLE_LENGTH)
      throw new RangeError(`bundle limit ${limitBytes} is not 0..${MAX_BUNDLE_LENGTH}`);
  }

  send(datagram: Buffer, to: Endpoint): void {
    const entry = bundleEntryLength(datagram);
    if (
      this.closed ||
      datagram[HeaderOffset.type] !== MessageType.frame ||
      BUNDLE_HEADER_LENGTH + entry > this.limitBytes ||
      !this.accepts(to)
    ) {
      this.inner.send(datagram, to);
      return;
    }
    const key = this.keyOf(to);
    let queue = this.queues.get(key);
    if (queue === undefined) {
      queue = { to, datagrams: [], bytes: BUNDLE_HEADER_LENGTH };
      this.queues.set(key, queue);
    }
    if (queue.bytes + entry > this.limitBytes || queue.datagrams.length >= MAX_BUNDLED_DATAGRAMS)
      this.sendQueue(queue);
    queue.datagrams.push(datagram);
    queue.bytes += entry;
    if (!this.scheduled) {
      this.scheduled = true;
      this.schedule(() => {
        this.scheduled = false;
        this.flush();
      });
    }
  }

  /** Everything queued leaves now (the turn's end, and before close). */
  flush(): void {
    for (const queue of this.queues.values()) this.sendQueue(queue);
    this.queues.clear();
  }

  private sendQueue(queue: Queue<Endpoint>): void {
    const { datagrams, to } = queue;
    queue.datagrams = [];
    queue.bytes = BUNDLE_HEADER_LENGTH;
    if (datagrams.length === 0) return;
    if (datagrams.length === 1) {
      this.inner.send(datagrams[0], to);
      return;
    }
    this.inner.send(encodeBundle(datagrams), to);
    this.counters.add("bundles-sent");
    this.counters.add("datagrams-bundled", datagrams.length);
  }

  close(): Promise<void> {
    this.flush();
    this.closed = true;
    return this.inner.close();
  }
}
