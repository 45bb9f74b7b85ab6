// `set peer NAME signal DBM loss PERCENT` on the control socket (docs/control.md): the run-time
// half of the link model. NAME is what `status` shows: a peer's HOST:PORT, its configured Name or
// its node name. Every KEY VALUE is checked before anything changes, so a request with one wrong
// value changes nothing and says which one in one sentence.

import { formatEndpoint } from "../os/udp/tunnel-socket.js";
import { ok, reject } from "../result.js";
import type { Agent } from "./agent.js";
import type { ControlSetter } from "./control.js";
import { type Link, parseLoss, parseSignal } from "./link-model.js";

/** The keys of `set peer`, as the file's [Peer] names them in lower case (Signal, Loss). */
export const PEER_LINK_KEYS = ["signal", "loss"] as const;

export function peerLinkSetter(agent: Agent): ControlSetter {
  return (name, settings) => {
    const shown = name.slice(0, 63);
    const found = agent.peers.named(name);
    if (found.length === 0)
      return reject(
        "no-peer",
        `set peer: no peer is named '${shown}'; name it by HOST:PORT, its Name or its node name, as 'wifi-tunnel status' shows them`,
      );
    const [peer] = found;
    if (peer === undefined || found.length > 1)
      return reject(
        "ambiguous-peer",
        `set peer: '${shown}' names ${found.length} peers (${found.map((p) => p.label).join(", ")}); name one by HOST:PORT`,
      );
    const change: { signalDbm?: number | null; lossPercent?: number } = {};
    for (const [key, value] of settings) {
      const what = `set peer ${shown}: ${key.slice(0, 20)}`;
      switch (key.toLowerCase()) {
        case "signal": {
          const signal = parseSignal(value, what);
          if (!signal.ok) return signal;
          change.signalDbm = signal.value;
          break;
        }
        case "loss": {
          const loss = parseLoss(value, what);
          if (!loss.ok) return loss;
          change.lossPercent = loss.value;
          break;
        }
        default:
          return reject(
            "bad-key",
            `set peer: '${key.slice(0, 20)}' is not a setting of a peer; expected ${PEER_LINK_KEYS.join(" or ")} (e.g. set peer ${shown} signal -72 loss 5%)`,
          );
      }
    }
    const link: Link = agent.setLink(peer, change, "set peer");
    return ok({
      peer: peer.label,
      endpoint: formatEndpoint(peer.endpoint),
      signalDbm: link.signalDbm,
      lossPercent: link.lossPercent,
      signalIgnoredBy: link.signalDbm === null ? [] : agent.mediaIgnoringSignal,
    });
  };
}
