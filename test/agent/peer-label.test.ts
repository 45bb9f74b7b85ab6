// What logs, status and the remote-transmitter table call a peer: made once, and again whenever
// what it is made of changes (a HELLO's node name, a roam to another endpoint).

import { describe, expect, it } from "vitest";
import { Peer } from "../../src/agent/peer.js";
import { formatEndpoint } from "../../src/os/udp/tunnel-socket.js";

const identity = (nodeName: string) => ({
  nodeId: 7,
  sessionId: 1n,
  nodeName,
  radioMacs: [],
  capabilities: 0,
});

describe("formatEndpoint", () => {
  it.each([
    { address: "10.0.0.2", port: 8211, text: "10.0.0.2:8211" },
    { address: "fd00::2", port: 8211, text: "[fd00::2]:8211" },
    { address: "::ffff:10.0.0.2", port: 1, text: "[::ffff:10.0.0.2]:1" },
  ])("$text", ({ address, port, text }) => expect(formatEndpoint({ address, port })).toBe(text));
});

describe("Peer.label", () => {
  it("follows the node name a HELLO announces, the configured name before it, and a roam", () => {
    const peer = new Peer({ address: "10.0.0.2", port: 8211 });
    expect(peer.label).toBe("10.0.0.2:8211");
    peer.learn(identity("sta"), 0);
    expect(peer.label).toBe("sta (10.0.0.2:8211)");
    peer.learn(identity("sta-renamed"), 1);
    expect(peer.label).toBe("sta-renamed (10.0.0.2:8211)");
    peer.endpoint = { address: "10.0.0.9", port: 9000 };
    expect(peer.label).toBe("sta-renamed (10.0.0.9:9000)");
    peer.name = "lab station";
    expect(peer.label).toBe("lab station (10.0.0.9:9000)");
  });
});
