// The guest's own scans, for a medium that ends them early (src/agent/early-scan-end.ts): nl80211's
// scan notifications with the scanning interface's type and address, and NL80211_CMD_ABORT_SCAN.
// Its own sockets, opened after the agent is ready: the registered medium needs no nl80211 to start.

import { readFileSync } from "node:fs";
import { type MacAddress, parseMac } from "../../ieee80211/mac.js";
import { WirelessControl, WirelessEvents, type WirelessInterface } from "./nl80211.js";

export type LocalScanEvent =
  | {
      readonly kind: "scan-started";
      readonly ifindex: number;
      /** nl80211's interface type name ("STATION", "AP", ...). */
      readonly iftype: string;
      /** The interface's address as it is now (sysfs), the one its probe requests carry. */
      readonly mac: MacAddress;
      readonly freqsMhz: readonly number[];
    }
  | { readonly kind: "scan-ended"; readonly ifindex: number };

export interface LocalScans {
  /**
   * The station interfaces without a channel (not connected) when the scans were opened, with their
   * addresses then: any of them may be in a scan begun before, which no event announced.
   */
  readonly idleStations: readonly { readonly ifindex: number; readonly mac: MacAddress }[];
  /** Ends the interface's scan; rejects when the kernel refuses (no scan runs any more). */
  endScan(ifindex: number): Promise<void>;
  /**
   * Ends the scan of one of idleStations, if it is still a station without a channel (read again
   * now: hostapd turns a station interface into an AP, whose own scans must run out); false when
   * it no longer is. Rejects when the kernel refuses (no scan runs).
   */
  endScanIfIdleStation(ifindex: number): Promise<boolean>;
  close(): void;
}

export type OpenLocalScans = (onEvent: (event: LocalScanEvent) => void) => Promise<LocalScans>;

/** The address sysfs shows for `ifname`; null when it cannot be read. */
function currentMac(ifname: string): MacAddress | null {
  try {
    const parsed = parseMac(readFileSync(`/sys/class/net/${ifname}/address`, "utf8").trim());
    return parsed.ok ? parsed.value : null;
  } catch {
    return null;
  }
}

/** A station interface without a channel: not connected, so perhaps scanning for a network. */
const isIdleStation = (iface: WirelessInterface): boolean =>
  iface.iftype === "STATION" && iface.freqMhz === null;

/**
 * After an interface change, the interfaces are read again this much later, once: nl80211 sends a
 * burst of notifications around a (dis)connection, and a dump parsed in a TCG guest holds the loop.
 */
const REREAD_DELAY_MS = 300;

export const openLocalScans: OpenLocalScans = async (onEvent) => {
  const control = await WirelessControl.open();
  // Interfaces by ifindex, read at open and again after nl80211 says one changed (a type change
  // comes as SET_INTERFACE), on a scan's way only for an interface not seen before. Read at the
  // first followed scan's start instead (with the notification parsed by the library), that scan
  // missed the AP in 2 of 2 debug runs while the next found it: the station's probe on the AP's
  // channel was answered after the dwell there. Read ahead (and the notification walked by hand,
  // nl80211.ts), the first followed scan found it in 2 of 2. The address is read from sysfs at each
  // scan: rtnetlink changes it silently.
  const known = new Map<number, WirelessInterface>();
  const running = new Set<number>();
  let reread: NodeJS.Timeout | null = null;
  const read = async (): Promise<void> => {
    const interfaces = await control.interfaces();
    known.clear();
    for (const iface of interfaces) known.set(iface.ifindex, iface);
  };
  const lookup = async (ifindex: number): Promise<WirelessInterface | undefined> => {
    if (!known.has(ifindex)) await read();
    return known.get(ifindex);
  };
  await read().catch(() => {}); // a failed read is retried at the first scan
  let events: WirelessEvents;
  try {
    events = await WirelessEvents.open((event) => {
      if (event.kind === "changed") {
        if (reread !== null) return;
        reread = setTimeout(() => {
          reread = null;
          read().catch(() => {});
        }, REREAD_DELAY_MS);
        reread.unref();
        return;
      }
      if (event.kind === "scan-ended") {
        running.delete(event.ifindex);
        onEvent({ kind: "scan-ended", ifindex: event.ifindex });
        return;
      }
      running.add(event.ifindex);
      lookup(event.ifindex).then(
        (iface) => {
          // The scan may have ended while the interfaces were read.
          if (iface === undefined || !running.has(event.ifindex)) return;
          const mac = currentMac(iface.ifname);
          if (mac === null) return;
          onEvent({
            kind: "scan-started",
            ifindex: event.ifindex,
            iftype: iface.iftype,
            mac,
            freqsMhz: event.freqsMhz,
          });
        },
        () => {}, // an interface that cannot be read is a scan not ended early
      );
    });
  } catch (error) {
    control.close();
    throw error;
  }
  const idleStations: { ifindex: number; mac: MacAddress }[] = [];
  for (const iface of known.values()) {
    if (!isIdleStation(iface)) continue;
    const mac = currentMac(iface.ifname);
    if (mac !== null) idleStations.push({ ifindex: iface.ifindex, mac });
  }
  return {
    idleStations,
    endScan: (ifindex) => control.abortScan(ifindex),
    endScanIfIdleStation: async (ifindex) => {
      await read();
      const iface = known.get(ifindex);
      if (iface === undefined || !isIdleStation(iface)) return false;
      await control.abortScan(ifindex);
      return true;
    },
    close: () => {
      if (reread !== null) clearTimeout(reread);
      events.close();
      control.close();
    },
  };
};
