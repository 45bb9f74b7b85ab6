// decodeFamily reads a generic netlink family's id, version and multicast groups from the
// controller's reply; lookupFamily asks the real kernel (the controller, "nlctrl", is always there).

import { createGenericNetlink } from "netlink";
import { afterAll, describe, expect, it } from "vitest";
import {
  CTRL_ATTR_MCAST_GROUPS,
  CTRL_ATTR_MCAST_GRP_ID,
  CTRL_ATTR_MCAST_GRP_NAME,
  CTRL_ATTR_VERSION,
  decodeFamily,
  familyNameAttribute,
  lookupFamily,
} from "../../src/os/netlink/family.js";
import { CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME, GENL_ID_CTRL } from "../../src/os/netlink/messages.js";

function attribute(type: number, ...payload: Buffer[]): Buffer {
  const body = Buffer.concat(payload);
  const out = Buffer.alloc((4 + body.length + 3) & ~3);
  out.writeUInt16LE(4 + body.length, 0);
  out.writeUInt16LE(type, 2);
  body.copy(out, 4);
  return out;
}
const u16 = (value: number) => Buffer.from([value & 0xff, value >> 8]);
const u32 = (value: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value);
  return b;
};
const NESTED = 0x8000;
const group = (index: number, name: string, id: number) =>
  attribute(
    index | NESTED,
    attribute(CTRL_ATTR_MCAST_GRP_ID, u32(id)),
    attribute(CTRL_ATTR_MCAST_GRP_NAME, Buffer.from(`${name}\0`)),
  );
/** An operation entry (CTRL_ATTR_OPS, type 6): what the decoder must step over. */
const ops = attribute(6 | NESTED, attribute(1 | NESTED, attribute(1, u32(1)), attribute(2, u32(0x0e))));

describe("decodeFamily", () => {
  const rows: { name: string; data: Buffer; want: ReturnType<typeof decodeFamily> }[] = [
    {
      name: "nl80211-like: id, name, version, operations skipped, groups by name",
      data: Buffer.concat([
        attribute(CTRL_ATTR_FAMILY_ID, u16(0x1c)),
        attribute(CTRL_ATTR_FAMILY_NAME, Buffer.from("nl80211\0")),
        attribute(CTRL_ATTR_VERSION, u32(1)),
        ops,
        attribute(
          CTRL_ATTR_MCAST_GROUPS | NESTED,
          group(1, "config", 5),
          group(2, "scan", 6),
          group(3, "mlme", 8),
        ),
      ]),
      want: {
        familyId: 0x1c,
        version: 1,
        mcastGroups: new Map([
          ["config", 5],
          ["scan", 6],
          ["mlme", 8],
        ]),
      },
    },
    {
      name: "no version and no groups (hwsim's reply has no groups)",
      data: attribute(CTRL_ATTR_FAMILY_ID, u16(0x22)),
      want: { familyId: 0x22, version: 1, mcastGroups: new Map() },
    },
    {
      name: "a group without an id is left out, the others kept",
      data: Buffer.concat([
        attribute(CTRL_ATTR_FAMILY_ID, u16(0x1c)),
        attribute(
          CTRL_ATTR_MCAST_GROUPS | NESTED,
          attribute(1 | NESTED, attribute(CTRL_ATTR_MCAST_GRP_NAME, Buffer.from("broken\0"))),
          group(2, "scan", 6),
        ),
      ]),
      want: { familyId: 0x1c, version: 1, mcastGroups: new Map([["scan", 6]]) },
    },
    { name: "no family id", data: attribute(CTRL_ATTR_VERSION, u32(2)), want: null },
    { name: "a family id cut short", data: attribute(CTRL_ATTR_FAMILY_ID, Buffer.from([1])), want: null },
    { name: "nothing", data: Buffer.alloc(0), want: null },
  ];
  for (const row of rows) it(row.name, () => expect(decodeFamily(row.data)).toEqual(row.want));

  it("never throws on a reply cut anywhere", () => {
    const full = rows[0]?.data ?? Buffer.alloc(0);
    for (let end = 0; end <= full.length; end++)
      expect(() => decodeFamily(full.subarray(0, end))).not.toThrow();
  });

  it("asks by a NUL-terminated name", () => {
    expect(familyNameAttribute("nl80211")).toEqual(
      attribute(CTRL_ATTR_FAMILY_NAME, Buffer.from("nl80211\0")),
    );
  });
});

describe("lookupFamily against the kernel", () => {
  const socket = createGenericNetlink();
  afterAll(() => socket.socket.close());

  it("finds the controller itself, with its notify group", async () => {
    const family = await lookupFamily(socket, "nlctrl");
    expect(family?.familyId).toBe(GENL_ID_CTRL);
    expect(family?.mcastGroups.has("notify")).toBe(true);
  });

  it("says null for a family the kernel does not have", async () => {
    expect(await lookupFamily(socket, "no-such-family")).toBeNull();
  });
});
