// The hub's port table and relay policy without sockets: fakes that only carry queue sizes.
import { describe, expect, it } from "vitest";
import {
  holdersOf,
  PortTable,
  RELAY_HIGH_WATER,
  type RelayPort,
  releasable,
} from "../../src/airport/port-table.js";

function port(
  queued = 0,
  written = 0,
): RelayPort & { writer: { queuedMessages: number; writtenMessages: number } } {
  return {
    state: "assigned",
    writer: { queuedMessages: queued, writtenMessages: written },
    heldSenders: new Set(),
    stalledAtMessage: undefined,
  };
}

describe("PortTable", () => {
  it("hands out the lowest free slot, frees it only for its holder, relays to assigned ports but the sender", () => {
    const table = new PortTable<RelayPort>();
    const [a, b, c] = [port(), port(), { ...port(), state: "awaiting-request" as const }];
    table.take(table.freeSlot() as number, a);
    table.take(table.freeSlot() as number, b);
    table.take(table.freeSlot() as number, c);
    expect(table.assignedIds()).toEqual([0, 1]);
    expect(table.receivers(a)).toEqual([b]);
    expect(table.release(0, b)).toBe(false);
    expect(table.release(0, a)).toBe(true);
    expect(table.freeSlot()).toBe(0);
    for (let i = 0; i < 8; i++)
      if (table.freeSlot() !== undefined) table.take(table.freeSlot() as number, port());
    expect(table.freeSlot()).toBeUndefined();
  });

  it("holds a sender for a port at the high-water mark, not for a stalled one until it moves again", () => {
    const table = new PortTable<RelayPort>();
    const [sender, slow, stalled] = [port(), port(RELAY_HIGH_WATER, 5), port(RELAY_HIGH_WATER, 9)];
    stalled.stalledAtMessage = 9;
    for (const [slot, p] of [sender, slow, stalled].entries()) table.take(slot, p);
    expect(holdersOf(table, sender)).toEqual({ holders: [slow], resumed: [] });
    stalled.writer.writtenMessages = 10;
    expect(holdersOf(table, sender)).toEqual({ holders: [slow, stalled], resumed: [stalled] });
    expect(stalled.stalledAtMessage).toBeUndefined();
  });

  it("lets go of a sender only when no other port still holds it", () => {
    const table = new PortTable<RelayPort>();
    const [sender, one, two] = [port(), port(), port()];
    for (const [slot, p] of [sender, one, two].entries()) table.take(slot, p);
    one.heldSenders.add(sender);
    two.heldSenders.add(sender);
    expect(releasable(table, one)).toEqual([]);
    expect(one.heldSenders.size).toBe(0);
    expect(releasable(table, two)).toEqual([sender]);
  });
});
