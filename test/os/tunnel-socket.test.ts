// The tunnel's UDP socket on loopback: datagrams to an address literal (every peer, resolved at
// start-up) and to a name (the lookup's fallback) both arrive, from the socket's own endpoint.
// Its buffers are what the kernel granted, read back from the socket.

import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { SOCKET_BUFFER_BYTES, TunnelSocket, type UdpEndpoint } from "../../src/os/udp/tunnel-socket.js";

const open: TunnelSocket[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((socket) => socket.close()));
});

async function bound(onDatagram: (datagram: Buffer, from: UdpEndpoint) => void): Promise<TunnelSocket> {
  const socket = await TunnelSocket.bind({ address: "127.0.0.1", port: 0 }, onDatagram, (error) => {
    throw error;
  });
  open.push(socket);
  return socket;
}

describe("TunnelSocket", () => {
  it.each(["127.0.0.1", "localhost"])("delivers a datagram sent to %s", async (address) => {
    let resolveArrival: (arrival: { datagram: Buffer; from: UdpEndpoint }) => void = () => {};
    const arrived = new Promise<{ datagram: Buffer; from: UdpEndpoint }>((resolve) => {
      resolveArrival = resolve;
    });
    const receiver = await bound((datagram, from) => resolveArrival({ datagram, from }));
    const sender = await bound(() => {});
    sender.send(Buffer.from("frame"), { address, port: receiver.local.port });
    const { datagram, from } = await arrived;
    expect(datagram.toString()).toBe("frame");
    expect(from).toEqual(sender.local);
  });

  it("reports the buffers the kernel granted: twice the request, capped by net.core.rmem_max/wmem_max", async () => {
    const socket = await bound(() => {});
    const cap = (name: string) => Number(readFileSync(`/proc/sys/net/core/${name}`, "utf8"));
    expect(socket.buffers).toEqual({
      receive: 2 * Math.min(SOCKET_BUFFER_BYTES, cap("rmem_max")),
      send: 2 * Math.min(SOCKET_BUFFER_BYTES, cap("wmem_max")),
    });
  });
});
