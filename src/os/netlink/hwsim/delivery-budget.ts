// How many frames from the tunnel go to hwsim in one turn of the event loop, and how many may wait.
//
// Why a budget: the netlink binding reads at most 32 messages per wakeup, so the local radios'
// transmissions (and the fates hwsim waits for: it holds 200 frames per radio and drops the oldest)
// are read at most 32 per turn, while libuv hands over 32 UDP datagrams per wakeup, with bundles up to
// 128 frames. In the 120 s soak with bundles (session 12) the AP's TCP ACKs outran those reads and
// hwsim dropped ~1000 of the AP's frames a minute whose fates came too late ("no longer held",
// errno 22), beacons among them (183 lost by the station). So a turn delivers no more than it reads.
//
// Why a bound: what waits beyond it is seconds of delay, not throughput (RTT 1-3 s measured with
// bundles, TCP never backing off because nothing was lost). The oldest data frames give way, so TCP
// sees the loss a real congested medium shows; management frames (beacons, authentication) stay.

/** Deliveries per turn: as many as the netlink binding reads messages per wakeup. */
export const DELIVERIES_PER_TURN = 32;
/** Deliveries waiting for a later turn: ~250 ms of full-size frames at what a TCG guest delivers. */
export const MAX_WAITING_DELIVERIES = 256;

export class DeliveryBudget<T> {
  private waiting: T[] = [];

  constructor(
    /** Whether an item may be shed when too many wait (a data frame); others only when nothing else can go. */
    private readonly sheddable: (item: T) => boolean,
    readonly perTurn = DELIVERIES_PER_TURN,
    readonly limit = MAX_WAITING_DELIVERIES,
  ) {}

  get size(): number {
    return this.waiting.length;
  }

  add(item: T): void {
    this.waiting.push(item);
  }

  /**
   * This turn's share, oldest first, after shedding what exceeds the limit: the oldest sheddable
   * items first, then (only if every waiting item is unsheddable) the oldest of the rest.
   */
  take(): { readonly turn: T[]; readonly shed: number } {
    const shed = this.shed();
    if (this.waiting.length <= this.perTurn) {
      const turn = this.waiting;
      this.waiting = [];
      return { turn, shed };
    }
    return { turn: this.waiting.splice(0, this.perTurn), shed };
  }

  clear(): void {
    this.waiting = [];
  }

  private shed(): number {
    let excess = this.waiting.length - this.limit;
    if (excess <= 0) return 0;
    const shed = excess;
    const kept: T[] = [];
    for (const item of this.waiting) {
      if (excess > 0 && this.sheddable(item)) excess -= 1;
      else kept.push(item);
    }
    // Only unsheddable items were left to shed: the oldest of them go.
    this.waiting = excess > 0 ? kept.slice(excess) : kept;
    return shed;
  }
}
