// What became of each frame the agent handled, for whoever watches (the remote-transmitter table of
// `status`, a capture): a frame captured locally goes "out" and is sent or dropped; one from the
// tunnel comes "in" and is delivered or dropped. Positional arguments, so telling costs no allocation.

import type { AirFrame } from "../medium/medium.js";

/**
 * `fate` is "sent", "delivered" or the name of the drop counter it was counted under
 * ("dropped-wrong-channel", ...); `via` names the medium it was captured on ("out") or the peer it
 * came from ("in").
 */
export type FrameTap = (direction: "out" | "in", air: AirFrame, fate: string, via: string) => void;
