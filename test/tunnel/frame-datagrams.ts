// Unsealed FRAME datagrams of a given size, numbered by one sender, for the bundle tests.
import type { TunnelSender } from "../../src/tunnel/sender.js";

/** A function that makes the sender's next FRAME datagram, its 802.11 frame `length` bytes of `fill`. */
export function frameDatagrams(sender: TunnelSender): (length: number, fill?: number) => Buffer {
  return (length, fill = 0) => {
    const datagram = sender.frame({
      frame: Buffer.alloc(length, fill),
      freqMhz: 2437,
      rate500kbps: 2,
      signalDbm: -40,
      flags: 0,
    });
    if (!datagram.ok) throw new Error(datagram.error.detail);
    return datagram.value;
  };
}
