// findNetlinkSocketFd finds the descriptor the netlink binding keeps to itself, so the hwsim medium
// can write to it in one system call: the table parser row by row, then the real kernel (a generic
// netlink socket of this process, a request written to the found fd, the reply read by the binding).

import { writevSync } from "node:fs";
import { RawNetlinkSocket } from "netlink/dist/raw.js";
import { describe, expect, it } from "vitest";
import { encodeGetFamily } from "../../src/os/netlink/messages.js";
import { findNetlinkSocketFd, netlinkSocketInode } from "../../src/os/netlink/socket-fd.js";

const HEADER = "sk               Eth Pid        Groups   Rmem     Wmem     Dump  Locks    Drops    Inode";

describe("netlinkSocketInode", () => {
  const rows: { name: string; table: string; protocol: number; port: number; want: number | null }[] = [
    {
      name: "the row of protocol and port",
      table: `${HEADER}\n000000004b2633f8 16  134219155  00000000 0        0        0     2        0        42949\n`,
      protocol: 16,
      port: 134219155,
      want: 42949,
    },
    {
      name: "same port, other protocol: not it",
      table: `${HEADER}\n000000004b2633f8 0   134219155  00000000 0        0        0     2        0        42949\n`,
      protocol: 16,
      port: 134219155,
      want: null,
    },
    {
      name: "the second of two rows",
      table: `${HEADER}\n0000000000000001 16  7          00000000 0        0        0     2        0        11\n0000000000000002 16  8          00000000 0        0        0     2        0        12\n`,
      protocol: 16,
      port: 8,
      want: 12,
    },
    { name: "no rows", table: `${HEADER}\n`, protocol: 16, port: 8, want: null },
    {
      name: "a row cut short",
      table: `${HEADER}\n0000000000000001 16\n`,
      protocol: 16,
      port: 8,
      want: null,
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      expect(netlinkSocketInode(row.table, row.protocol, row.port)).toBe(row.want);
    });
  }
});

describe("findNetlinkSocketFd on the real kernel", () => {
  it("finds the binding's socket, and a request written to it is answered on the binding", async () => {
    const socket = new RawNetlinkSocket(16, { recvBufferSize: 65536, sendBufferSize: 65536 });
    try {
      const fd = findNetlinkSocketFd(16, socket.address().port);
      expect(fd).not.toBeNull();
      const reply = new Promise<Buffer>((resolve) => socket.once("message", resolve));
      const request = encodeGetFamily("nlctrl", 41);
      // Two pieces, as the medium writes a fate's or a delivery's parts: one datagram.
      expect(writevSync(fd ?? -1, [request.subarray(0, 7), request.subarray(7)])).toBe(request.length);
      const answer = await reply;
      expect(answer.readUInt32LE(8)).toBe(41);
      expect(answer.readUInt16LE(4)).toBe(16); // GENL_ID_CTRL: the controller's own reply, not an error
    } finally {
      socket.close();
    }
  });

  it("is null for a port no socket of this process has", () => {
    expect(findNetlinkSocketFd(16, 1)).toBeNull();
  });
});
