// The kernel side of the registered medium for unit tests (test double of HwsimMediumSocket): a test
// makes local radios transmit and reads back what the medium answered and delivered.

import type { HwsimMediumPort } from "../netlink/hwsim/medium-socket.js";
import type { HwsimDelivery, HwsimTransmission, HwsimTxStatus } from "../netlink/hwsim/medium-wire.js";

export class FakeHwsimKernel implements HwsimMediumPort {
  readonly statuses: HwsimTxStatus[] = [];
  readonly deliveries: HwsimDelivery[] = [];
  /** System calls the medium made (one per send). */
  sends = 0;
  closed = false;
  private events: Parameters<HwsimMediumPort["start"]>[0] | null = null;

  start(events: Parameters<HwsimMediumPort["start"]>[0]): void {
    this.events = events;
  }

  /** A local radio transmits (an exception in the medium reaches the test, which should fail). */
  transmit(transmission: HwsimTransmission): void {
    if (this.events === null) throw new Error("the medium has not started");
    this.events.transmission(transmission);
  }

  /** hwsim refuses a message of the medium's (e.g. EINVAL for a status whose frame is gone). */
  refuse(what: "status" | "delivery", errno: number): void {
    this.events?.refused(what, errno);
  }

  send(statuses: readonly HwsimTxStatus[], deliveries: readonly HwsimDelivery[]): void {
    if (statuses.length + deliveries.length === 0) return;
    this.sends += 1;
    this.statuses.push(...statuses);
    this.deliveries.push(...deliveries);
  }

  close(): void {
    this.closed = true;
  }
}
