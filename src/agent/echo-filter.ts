// Every frame the agent injects is transmitted by a local radio, so hwsim0 shows it again a moment
// later. Without this filter it would be captured and sent back into the tunnel, forever.
//
// Two tests, either suffices:
// - The transmitter address. Frames the agent injects carry remote transmitters; the guest's own
//   frames carry the guest's addresses. A captured frame whose transmitter is a remote address we
//   injected for recently is an echo, however late it is read. That lateness is what broke three
//   VMs: an agent busy creating radios read its echoes more than the fingerprint window after
//   injecting them, sent them on, and the third VM put the station's own frames back on its air
//   (measured: hostapd authenticated each station ~20 times; agents logged their own station as a
//   remote transmitter).
// - A fingerprint of each injected frame, remembered for a short while: the safety net for frames
//   whose transmitter the guest also uses (a MAC collision the agent reports separately).

import { ManagementFc0 } from "../ieee80211/constants.js";
import type { MacAddress } from "../ieee80211/mac.js";

/** How long an injected frame may take to reappear on hwsim0 (it is synchronous in practice). */
const ECHO_WINDOW_MS = 2000;
/** Upper bound on remembered frames, so a burst cannot grow the table without limit. */
const MAX_REMEMBERED = 8192;
/** A remote transmitter stays known this long after its last injection (echoes come within ms). */
const TRANSMITTER_TTL_MS = 600_000;
/** Most remote transmitters remembered (randomised probe-request addresses come and go). */
const MAX_TRANSMITTERS = 4096;

/** Bytes of an injected frame the kernel rewrites on its way to hwsim0 (measured in a VM). */
const DURATION = { start: 2, end: 4 };
const TIMESTAMP = { start: 24, end: 32 };

function mix(hash: number, frame: Buffer, start: number, end: number): number {
  let h = hash;
  for (let i = start; i < end; i++) {
    h ^= frame[i];
    h = Math.imul(h, 0x01000193);
  }
  return h;
}

/**
 * 32-bit FNV-1a over the frame, length mixed in, skipping what the kernel rewrites between our
 * injection and its echo on hwsim0: mac80211 recomputes the duration field, and hwsim stamps its own
 * TSF into beacons and probe responses. Collisions only matter within the short window and would
 * suppress one frame; a cryptographic hash would cost more than the frame's whole walk.
 */
export function frameFingerprint(frame: Buffer): number {
  const end = frame.length;
  let hash = mix(0x811c9dc5 ^ end, frame, 0, Math.min(DURATION.start, end));
  const stamped =
    end >= TIMESTAMP.end && (frame[0] === ManagementFc0.beacon || frame[0] === ManagementFc0.probeResponse);
  if (stamped) {
    hash = mix(hash, frame, DURATION.end, TIMESTAMP.start);
    hash = mix(hash, frame, TIMESTAMP.end, end);
  } else {
    hash = mix(hash, frame, Math.min(DURATION.end, end), end);
  }
  return hash >>> 0;
}

export class EchoFilter {
  /** fingerprint → expiry times (ms) of injected copies not yet seen again, oldest first. */
  private readonly pending = new Map<number, number[]>();
  private size = 0;
  /** Remote transmitter → when we last injected a frame of theirs; least recent first. */
  private readonly transmitters = new Map<MacAddress, number>();

  /**
   * Note a frame about to be injected, and its transmitter (address 2) when it has one. True when
   * that transmitter is new here (the capture filter may then exclude it, see HwsimMedium).
   */
  remember(frame: Buffer, transmitter: MacAddress | null, nowMs: number): boolean {
    let isNew = false;
    if (transmitter !== null) {
      isNew = !this.transmitters.delete(transmitter);
      this.transmitters.set(transmitter, nowMs);
      if (this.transmitters.size > MAX_TRANSMITTERS) {
        const oldest = this.transmitters.keys().next().value as MacAddress;
        this.transmitters.delete(oldest);
      }
    }
    if (this.size >= MAX_REMEMBERED) this.expire(nowMs, true);
    const key = frameFingerprint(frame);
    const expiries = this.pending.get(key);
    if (expiries) expiries.push(nowMs + ECHO_WINDOW_MS);
    else this.pending.set(key, [nowMs + ECHO_WINDOW_MS]);
    this.size++;
    return isNew;
  }

  /**
   * True when a captured frame is the echo of one we injected: its transmitter is one we inject for
   * (pass null when the guest owns that address), or its fingerprint is pending (then forgotten).
   */
  isEcho(frame: Buffer, transmitter: MacAddress | null, nowMs: number): boolean {
    if (transmitter !== null) {
      const injected = this.transmitters.get(transmitter);
      if (injected !== undefined && nowMs - injected <= TRANSMITTER_TTL_MS) {
        this.forget(frame, nowMs);
        return true;
      }
    }
    return this.forget(frame, nowMs);
  }

  /** Takes one pending copy of `frame` off the fingerprint table; true if there was one. */
  private forget(frame: Buffer, nowMs: number): boolean {
    if (this.size === 0) return false;
    const key = frameFingerprint(frame);
    const expiries = this.pending.get(key);
    if (!expiries) return false;
    while (expiries.length > 0 && expiries[0] < nowMs) {
      expiries.shift();
      this.size--;
    }
    const matched = expiries.length > 0;
    if (matched) {
      expiries.shift();
      this.size--;
    }
    if (expiries.length === 0) this.pending.delete(key);
    return matched;
  }

  /** The remote transmitters injected for most recently, at most `max`, newest first. */
  recentTransmitters(max: number): MacAddress[] {
    return [...this.transmitters.keys()].reverse().slice(0, max);
  }

  get remembered(): number {
    return this.size;
  }

  /** Drop expired entries; when still full, drop the oldest half so new injections stay suppressible. */
  private expire(nowMs: number, full: boolean): void {
    for (const [key, expiries] of this.pending) {
      while (expiries.length > 0 && expiries[0] < nowMs) {
        expiries.shift();
        this.size--;
      }
      if (expiries.length === 0) this.pending.delete(key);
    }
    if (full && this.size >= MAX_REMEMBERED) {
      let toDrop = this.size >> 1;
      for (const [key, expiries] of this.pending) {
        if (toDrop <= 0) break;
        this.pending.delete(key);
        this.size -= expiries.length;
        toDrop -= expiries.length;
      }
    }
  }
}
