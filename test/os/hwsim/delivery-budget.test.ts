import { describe, expect, it } from "vitest";
import {
  DELIVERIES_PER_TURN,
  DeliveryBudget,
  MAX_WAITING_DELIVERIES,
} from "../../../src/os/netlink/hwsim/delivery-budget.js";

/** Items are "d<n>" (data, sheddable) or "m<n>" (management, kept). */
function budget(perTurn = 3, limit = 5): DeliveryBudget<string> {
  return new DeliveryBudget<string>((item) => item.startsWith("d"), perTurn, limit);
}

function fill(subject: DeliveryBudget<string>, items: string): void {
  for (const item of items.split(" ")) subject.add(item);
}

describe("DeliveryBudget", () => {
  it("delivers as many per turn as the netlink binding reads per wakeup, and keeps a bound", () => {
    expect(DELIVERIES_PER_TURN).toBe(32);
    expect(MAX_WAITING_DELIVERIES).toBeGreaterThan(DELIVERIES_PER_TURN);
    const subject = new DeliveryBudget<number>(() => true);
    for (let i = 0; i < 40; i++) subject.add(i);
    const first = subject.take();
    expect(first.turn).toEqual([...Array(32).keys()]);
    expect(first.shed).toBe(0);
    expect(subject.take().turn).toEqual([32, 33, 34, 35, 36, 37, 38, 39]);
    expect(subject.size).toBe(0);
  });

  // Each row: what waits, then the turns taken until empty, and how many each take shed.
  const rows: { name: string; waiting: string; turns: string[]; shed: number }[] = [
    { name: "fewer than a turn's share", waiting: "d1 m2", turns: ["d1 m2"], shed: 0 },
    { name: "exactly the limit", waiting: "d1 d2 d3 d4 d5", turns: ["d1 d2 d3", "d4 d5"], shed: 0 },
    {
      name: "over the limit: the oldest data frames go first",
      waiting: "d1 m2 d3 d4 m5 d6 d7",
      turns: ["m2 d4 m5", "d6 d7"],
      shed: 2,
    },
    {
      name: "management frames stay while data frames can go",
      waiting: "m1 m2 m3 m4 d5 d6",
      turns: ["m1 m2 m3", "m4 d6"],
      shed: 1,
    },
    {
      name: "only management frames: the oldest of them go",
      waiting: "m1 m2 m3 m4 m5 m6 m7",
      turns: ["m3 m4 m5", "m6 m7"],
      shed: 2,
    },
    {
      name: "not enough data frames: all of them, then the oldest management frames",
      waiting: "m1 d2 m3 m4 m5 m6 m7",
      turns: ["m3 m4 m5", "m6 m7"],
      shed: 2,
    },
  ];
  for (const row of rows)
    it(row.name, () => {
      const subject = budget();
      fill(subject, row.waiting);
      const turns: string[] = [];
      let shed = 0;
      while (subject.size > 0) {
        const taken = subject.take();
        shed += taken.shed;
        turns.push(taken.turn.join(" "));
      }
      expect(turns).toEqual(row.turns);
      expect(shed).toBe(row.shed);
    });

  it("sheds against what waits at the turn, so a burst between two turns is bounded once", () => {
    const subject = budget(2, 4);
    fill(subject, "d1 d2 d3");
    expect(subject.take()).toEqual({ turn: ["d1", "d2"], shed: 0 });
    fill(subject, "d4 d5 d6 d7 d8");
    expect(subject.take()).toEqual({ turn: ["d5", "d6"], shed: 2 });
    expect(subject.take()).toEqual({ turn: ["d7", "d8"], shed: 0 });
  });

  it("forgets everything on clear", () => {
    const subject = budget();
    fill(subject, "d1 m2");
    subject.clear();
    expect(subject.size).toBe(0);
    expect(subject.take()).toEqual({ turn: [], shed: 0 });
  });
});
