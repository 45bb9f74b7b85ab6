// The file descriptor behind a netlink socket of the binding, which does not expose it: found by the
// socket's port id in /proc/self/net/netlink (one row per netlink socket: protocol, port id, inode)
// and the inode among /proc/self/fd's links ("socket:[INODE]").
//
// Why: write(2) on a netlink socket sends to the kernel as sendmsg without an address does, and
// fs.writevSync makes that one system call and nothing else. The binding's send queues a request
// object, arms a libuv timer and calls back into JavaScript for each one: with writev the hwsim
// medium's sending station used 998 instead of 1048 µs of CPU per TCP segment (docs/benchmarks.md,
// session 14).

import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/** Column indexes of /proc/net/netlink: sk, Eth (protocol), Pid (port id), ..., Inode (last). */
const PROTOCOL_COLUMN = 1;
const PORT_COLUMN = 2;

/** The inode of the netlink socket of `protocol` bound at `port`, from /proc/net/netlink's text; null if none. */
export function netlinkSocketInode(table: string, protocol: number, port: number): number | null {
  for (const line of table.split("\n").slice(1)) {
    const columns = line.trim().split(/\s+/);
    if (columns.length < 4) continue;
    if (Number(columns[PROTOCOL_COLUMN]) !== protocol || Number(columns[PORT_COLUMN]) !== port) continue;
    const inode = Number(columns[columns.length - 1]);
    return Number.isInteger(inode) && inode > 0 ? inode : null;
  }
  return null;
}

/** This process's file descriptor of the netlink socket of `protocol` bound at `port`; null if not found. */
export function findNetlinkSocketFd(protocol: number, port: number, proc = "/proc/self"): number | null {
  let inode: number | null;
  try {
    inode = netlinkSocketInode(readFileSync(`${proc}/net/netlink`, "utf8"), protocol, port);
  } catch {
    return null;
  }
  if (inode === null) return null;
  const target = `socket:[${inode}]`;
  let entries: string[];
  try {
    entries = readdirSync(`${proc}/fd`);
  } catch {
    return null;
  }
  for (const entry of entries) {
    try {
      if (readlinkSync(`${proc}/fd/${entry}`) === target) return Number(entry);
    } catch {
      // An fd closed while we looked.
    }
  }
  return null;
}
