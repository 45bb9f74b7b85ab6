// A generic netlink family looked up by name (CTRL_CMD_GETFAMILY): its id, version and multicast
// groups, read here from the controller's reply. The netlink library's ctrlRequest parses the whole
// reply into objects instead, every operation of the family included (nl80211 has ~150): in a TCG
// guest of a three-VM lab that parse took 1.1 s of the agent's loop in the seconds after it was
// ready, while the station's second scan went unanswered (profiled, docs/benchmarks.md).

import type { GenericNetlinkSocket } from "netlink";
import { attributeLength, putBytes, readAttributes } from "./attributes.js";
import { CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME, CTRL_CMD_GETFAMILY, GENL_ID_CTRL } from "./messages.js";

export const CTRL_ATTR_VERSION = 3;
export const CTRL_ATTR_MCAST_GROUPS = 7;
export const CTRL_ATTR_MCAST_GRP_NAME = 1;
export const CTRL_ATTR_MCAST_GRP_ID = 2;
/** The controller's own version, as the library sends it. */
const CTRL_VERSION = 1;

export interface GenlFamily {
  readonly familyId: number;
  readonly version: number;
  /** Multicast group ids by name ("scan", "config", "mlme", ...). */
  readonly mcastGroups: ReadonlyMap<string, number>;
}

/** CTRL_ATTR_FAMILY_NAME, NUL-terminated, for a request whose headers the socket writes. */
export function familyNameAttribute(name: string): Buffer {
  const bytes = Buffer.from(`${name}\0`, "latin1");
  const buf = Buffer.alloc(attributeLength(bytes.length));
  putBytes(buf, 0, CTRL_ATTR_FAMILY_NAME, bytes);
  return buf;
}

/**
 * The family in a CTRL_CMD_NEWFAMILY reply's attributes (after the generic netlink header); null
 * without a family id. Never throws: groups that cannot be read are left out.
 */
export function decodeFamily(data: Buffer): GenlFamily | null {
  const { values } = readAttributes(data, 0, data.length);
  const id = values.get(CTRL_ATTR_FAMILY_ID);
  if (id === undefined || id.length < 2) return null;
  const version = values.get(CTRL_ATTR_VERSION);
  const mcastGroups = new Map<string, number>();
  const groups = values.get(CTRL_ATTR_MCAST_GROUPS);
  if (groups !== undefined) {
    // A nested array: each entry (type 1, 2, ...) is itself a nest of a name and an id.
    for (const entry of readAttributes(groups, 0, groups.length).values.values()) {
      const group = readAttributes(entry, 0, entry.length).values;
      const name = group.get(CTRL_ATTR_MCAST_GRP_NAME);
      const groupId = group.get(CTRL_ATTR_MCAST_GRP_ID);
      if (name === undefined || groupId === undefined || groupId.length < 4) continue;
      const end = name.indexOf(0);
      mcastGroups.set(name.toString("latin1", 0, end < 0 ? name.length : end), groupId.readUInt32LE(0));
    }
  }
  return {
    familyId: id.readUInt16LE(0),
    version: version !== undefined && version.length >= 4 ? version.readUInt32LE(0) : 1,
    mcastGroups,
  };
}

/** Asks the controller for `name` on `socket`; null when the kernel has no such family. */
export async function lookupFamily(socket: GenericNetlinkSocket, name: string): Promise<GenlFamily | null> {
  try {
    const [replies] = await socket.request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, CTRL_VERSION, [
      familyNameAttribute(name),
    ]);
    const reply = replies[0];
    return reply === undefined ? null : decodeFamily(reply.data);
  } catch {
    // ENOENT: no such family (the module is not loaded).
    return null;
  }
}
