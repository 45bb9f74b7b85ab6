// A local station's authentication and association requests to a remote AP: as hwsim's medium the
// agent holds their fate (the acknowledgement) back until the AP's answer comes through the tunnel,
// then reports it just before it delivers the answer; at the latest after HOLD_MS.
//
// Why: once such a request is acknowledged, mac80211 waits only 100 ms for the answer
// (IEEE80211_AUTH_TIMEOUT_SHORT, IEEE80211_ASSOC_TIMEOUT_SHORT), then sends it again, three tries
// in all, and wpa_supplicant starts over seconds later. Between loaded TCG guests the tunnel's round
// trip is longer than that: in a three-VM lab (load ~7) hostapd logged "authenticated" for each of
// a station's three tries and the station still timed out, 20 times, 241 s to associate. Before the
// acknowledgement mac80211 waits at least 500 ms (…_TIMEOUT_LONG, rounded up to a whole second), so
// an acknowledgement held that long gives the answer five times the time. On the air the ACK comes
// in microseconds; a held one only moves the moment the station starts its 100 ms clock.
//
// Timers: expiredHold, one per held request (a station has one request outstanding per AP).

import { HeaderLength, ManagementFc0 } from "../ieee80211/constants.js";
import { readAddress1, readAddress2 } from "../ieee80211/frame.js";
import type { MacAddress } from "../ieee80211/mac.js";

/** Below mac80211's 500 ms wait for an unacknowledged request, with room for a loaded guest. */
export const HOLD_MS = 400;

/** A management frame's header: three addresses, no QoS or HT control. */
const MGMT_HEADER_BYTES = HeaderLength.threeAddress;

/** Open System, Shared Key and FT: the station asks in transaction 1 (and 3), the AP answers. SAE waits 2 s itself. */
const ANSWERED_AUTH_ALGORITHMS = new Set([0, 1, 2]);

/** A station's request that an AP answers: authentication (open, shared key, FT) or (re)association. */
export function awaitsAnswer(frame: Buffer): boolean {
  const fc0 = frame[0];
  if (fc0 === ManagementFc0.assocRequest || fc0 === ManagementFc0.reassocRequest)
    return frame.length >= MGMT_HEADER_BYTES;
  if (fc0 !== ManagementFc0.auth || frame.length < MGMT_HEADER_BYTES + 4) return false;
  const transaction = frame.readUInt16LE(MGMT_HEADER_BYTES + 2);
  return (
    ANSWERED_AUTH_ALGORITHMS.has(frame.readUInt16LE(MGMT_HEADER_BYTES)) &&
    (transaction === 1 || transaction === 3)
  );
}

/** An AP's frame that ends a station's wait: an authentication, a (re)association response, a deauth or disassoc. */
export function endsWait(frame: Buffer): boolean {
  const fc0 = frame[0];
  return (
    frame.length >= MGMT_HEADER_BYTES &&
    (fc0 === ManagementFc0.auth ||
      fc0 === ManagementFc0.assocResponse ||
      fc0 === ManagementFc0.reassocResponse ||
      fc0 === ManagementFc0.deauth ||
      fc0 === ManagementFc0.disassoc)
  );
}

interface Held<Status> {
  readonly status: Status;
  readonly timer: NodeJS.Timeout;
}

export class HeldFates<Status> {
  /** By station, then AP: what a station's request to that AP waits with. */
  private readonly held = new Map<MacAddress, Map<MacAddress, Held<Status>>>();

  constructor(
    /** Reports a held fate; `expired` when no answer came within HOLD_MS. */
    private readonly release: (status: Status, expired: boolean) => void,
    private readonly holdMs = HOLD_MS,
  ) {}

  get size(): number {
    let size = 0;
    for (const perAp of this.held.values()) size += perAp.size;
    return size;
  }

  /** Holds the fate of `request` (from a station to an AP); one held before for the same pair goes now. */
  hold(request: Buffer, status: Status): boolean {
    const station = readAddress2(request);
    const ap = readAddress1(request);
    if (station === null || ap === null) return false;
    this.take(station, ap, false);
    let perAp = this.held.get(station);
    if (perAp === undefined) {
      perAp = new Map();
      this.held.set(station, perAp);
    }
    const timer = setTimeout(() => this.expiredHold(station, ap), this.holdMs);
    timer.unref();
    perAp.set(ap, { status, timer });
    return true;
  }

  /** A frame from the remote air: if it answers a held request, that request's fate goes first. */
  answered(frame: Buffer): void {
    if (this.held.size === 0 || !endsWait(frame)) return;
    const station = readAddress1(frame);
    const ap = readAddress2(frame);
    if (station !== null && ap !== null) this.take(station, ap, false);
  }

  private expiredHold(station: MacAddress, ap: MacAddress): void {
    this.take(station, ap, true);
  }

  private take(station: MacAddress, ap: MacAddress, expired: boolean): void {
    const perAp = this.held.get(station);
    const entry = perAp?.get(ap);
    if (perAp === undefined || entry === undefined) return;
    clearTimeout(entry.timer);
    perAp.delete(ap);
    if (perAp.size === 0) this.held.delete(station);
    this.release(entry.status, expired);
  }

  /** Forgets every held fate: the medium is closing, and hwsim drops the frames with its socket. */
  close(): void {
    for (const perAp of this.held.values()) for (const entry of perAp.values()) clearTimeout(entry.timer);
    this.held.clear();
  }
}
