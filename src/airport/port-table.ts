// The hub's port table and relay policy, pure: no sockets, no timers. The socket shell
// (hub-server.ts) asks it who a frame goes to, which senders to stop reading, and when to let them go.
//
// Flow control is wifimedium.c's blocking send() made gentle: a sender is not read while any port
// it relays to has RELAY_HIGH_WATER messages queued, so the hub runs at its slowest reader's pace;
// a port that took no message for a while (a paused VM) stops holding anyone up and loses frames
// instead, until it takes one again.

import { AIRPORT_MAX_PORTS } from "./constants.js";

/**
 * A sender stops being read while any port it relays to has this many messages queued, so the hub
 * slows the fastest guest down to the slowest (wifimedium.c does it with blocking send()s).
 */
export const RELAY_HIGH_WATER = 32;

/**
 * Where one connection stands, one value instead of flags:
 *   awaiting-request  accepted into a slot (or beyond the table: no slot), no port request yet
 *   assigned          answered with its port id: relayed to and from
 *   refused           answered -1 (wrong hub, or no slot), closing once the answer is written
 */
export type ConnectionState = "awaiting-request" | "assigned" | "refused";

/** What the policy reads of a connection. */
export interface RelayPort {
  readonly state: ConnectionState;
  readonly writer: { readonly queuedMessages: number; readonly writtenMessages: number };
  /** Senders not read until this port's queue drains. */
  readonly heldSenders: Set<RelayPort>;
  /**
   * Set when the port stopped reading: its written-message count then. Until that count moves,
   * it holds nobody and frames to it are dropped once its queue is full.
   */
  stalledAtMessage: number | undefined;
}

/** Like wifimedium.c's port table: a connection takes the lowest free slot when accepted. */
export class PortTable<Port extends RelayPort> {
  private readonly slots: (Port | undefined)[] = new Array(AIRPORT_MAX_PORTS).fill(undefined);

  /** The lowest free slot, which is the port id the connection will be told, or undefined when full. */
  freeSlot(): number | undefined {
    const free = this.slots.indexOf(undefined);
    return free === -1 ? undefined : free;
  }

  take(slot: number, port: Port): void {
    this.slots[slot] = port;
  }

  /** Frees the slot if `port` still holds it. */
  release(slot: number, port: Port): boolean {
    if (this.slots[slot] !== port) return false;
    this.slots[slot] = undefined;
    return true;
  }

  /** Port ids of the connections that completed the handshake. */
  assignedIds(): number[] {
    return this.slots.flatMap((port, slot) => (port?.state === "assigned" ? [slot] : []));
  }

  /** Every port that completed the handshake, but `except`: where a frame is relayed. */
  receivers(except?: Port): Port[] {
    return this.slots.filter(
      (port): port is Port => port !== undefined && port !== except && port.state === "assigned",
    );
  }

  occupants(): Port[] {
    return this.slots.filter((port): port is Port => port !== undefined);
  }
}

/** What holding a sender back decided: the ports that now hold it, and ports that resumed reading. */
export interface HoldDecision<Port> {
  readonly holders: Port[];
  readonly resumed: Port[];
}

/**
 * The ports that should hold `sender` now: every other occupant with RELAY_HIGH_WATER or more
 * queued, unless it stalled and has not moved since. A stalled port that moved again is resumed.
 */
export function holdersOf<Port extends RelayPort>(table: PortTable<Port>, sender: Port): HoldDecision<Port> {
  const holders: Port[] = [];
  const resumed: Port[] = [];
  for (const port of table.occupants()) {
    if (port === sender || port.writer.queuedMessages < RELAY_HIGH_WATER) continue;
    if (port.stalledAtMessage !== undefined) {
      if (port.writer.writtenMessages === port.stalledAtMessage) continue;
      port.stalledAtMessage = undefined;
      resumed.push(port);
    }
    holders.push(port);
  }
  return { holders, resumed };
}

/** The senders `port` may let go of: those no other port still holds. Clears its held set. */
export function releasable<Port extends RelayPort>(table: PortTable<Port>, port: Port): Port[] {
  const free = [...port.heldSenders].filter(
    (sender) => !table.occupants().some((other) => other !== port && other.heldSenders.has(sender)),
  ) as Port[];
  port.heldSenders.clear();
  return free;
}
