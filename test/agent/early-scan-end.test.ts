// When the agent ends a local station's scan: once the scan has passed the last channel that holds
// an AP it heard (a probe request there, then SETTLE_MS; or a probe further on), and never when a
// heard AP is still ahead, when too few channels would be saved, or for another address's probes.

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  AP_FRESH_MS,
  EarlyScanEnd,
  MIN_CHANNELS_LEFT,
  SETTLE_MS,
  STALE_QUIET_MS,
  STALE_WINDOW_MS,
  scanOrder,
} from "../../src/agent/early-scan-end.js";

const STATION = 0x02_00_00_77_00_02;
const OTHER = 0x02_00_00_77_00_03;
const AP1 = 0x02_00_00_77_00_01;
const AP2 = 0x02_00_00_77_00_09;
const WLAN0 = 4;
/** A full scan as cfg80211 lists it: 2.4 GHz channels 1-13, four of 5 GHz, two of 6 GHz. */
const FULL = [
  2412, 2417, 2422, 2427, 2432, 2437, 2442, 2447, 2452, 2457, 2462, 2467, 2472, 5180, 5200, 5220, 5240, 5955,
  5975,
];

describe("early scan end", () => {
  let now = 0;
  let ended: number[] = [];
  let endedUnfollowed: number[] = [];
  let subject: EarlyScanEnd;
  beforeEach(() => {
    vi.useFakeTimers();
    now = 1_000_000;
    ended = [];
    endedUnfollowed = [];
    subject = new EarlyScanEnd({
      now: () => now,
      endScan: (ifindex, kind) => (kind === "followed" ? ended : endedUnfollowed).push(ifindex),
    });
  });
  afterEach(() => {
    subject.close();
    vi.useRealTimers();
  });
  const walk = (mac: number, freqs: readonly number[]) => {
    for (const freq of freqs) subject.probed(mac, freq);
  };

  it("orders a scan band by band, keeping the request's order within a band", () => {
    expect(scanOrder([5955, 2437, 5180, 2412, 5200, 5935])).toEqual([2437, 2412, 5180, 5200, 5955, 5935]);
  });

  it("ends the scan SETTLE_MS after the probe on the only AP's channel, once", () => {
    subject.apHeard(AP1, 2437);
    subject.started(WLAN0, STATION, FULL);
    walk(STATION, [2412, 2417, 2422, 2427, 2432, 2437]);
    expect(ended).toEqual([]);
    vi.advanceTimersByTime(SETTLE_MS - 1);
    expect(ended).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(ended).toEqual([WLAN0]);
    walk(STATION, [2442, 2447]);
    vi.advanceTimersByTime(SETTLE_MS);
    expect(ended).toEqual([WLAN0]);
  });

  it("ends at once on a probe past the last AP's channel (its own probe was not seen)", () => {
    subject.apHeard(AP1, 2412);
    subject.apHeard(AP2, 2437);
    subject.started(WLAN0, STATION, FULL);
    walk(STATION, [2412, 2442]);
    expect(ended).toEqual([WLAN0]);
  });

  it("waits for the last AP's channel while an AP is still ahead", () => {
    subject.apHeard(AP1, 2412);
    subject.apHeard(AP2, 2462);
    subject.started(WLAN0, STATION, FULL);
    walk(STATION, [2412, 2417]);
    vi.advanceTimersByTime(10 * SETTLE_MS);
    expect(ended).toEqual([]);
    walk(STATION, [2462]);
    vi.advanceTimersByTime(SETTLE_MS);
    expect(ended).toEqual([WLAN0]);
  });

  it("does not end a settling scan when an AP is heard further on meanwhile", () => {
    subject.apHeard(AP1, 2437);
    subject.started(WLAN0, STATION, FULL);
    walk(STATION, [2437]);
    subject.apHeard(AP2, 2462);
    vi.advanceTimersByTime(SETTLE_MS);
    expect(ended).toEqual([]);
  });

  it.each([
    ["no AP heard", () => {}, FULL],
    [
      "the AP last heard longer ago than AP_FRESH_MS",
      () => subject.apHeard(AP1, 2437),
      FULL,
      AP_FRESH_MS + 1,
    ],
    ["the AP on a channel the scan does not visit", () => subject.apHeard(AP1, 2484), FULL],
    [
      `fewer than MIN_CHANNELS_LEFT (${MIN_CHANNELS_LEFT}) channels after the AP's`,
      () => subject.apHeard(AP1, 2437),
      [2412, 2437, 2442, 2447, 2452],
    ],
    ["a scan of the AP's channel alone", () => subject.apHeard(AP1, 2437), [2437]],
  ])("never ends a scan with %s", (_, hear, freqs, ageMs = 0) => {
    hear();
    now += ageMs;
    subject.started(WLAN0, STATION, freqs);
    walk(STATION, freqs);
    vi.advanceTimersByTime(10 * SETTLE_MS);
    expect(ended).toEqual([]);
  });

  it("follows the scanning interface's address only, and forgets a scan that ended", () => {
    subject.apHeard(AP1, 2412);
    subject.started(WLAN0, STATION, FULL);
    walk(OTHER, [2412, 2417, 2422]);
    expect(ended).toEqual([]);
    subject.ended(WLAN0);
    walk(STATION, [2412, 2417, 2422]);
    vi.advanceTimersByTime(SETTLE_MS);
    expect(ended).toEqual([]);
    subject.started(WLAN0, STATION, FULL);
    walk(STATION, [2412, 2417]);
    expect(ended).toEqual([WLAN0]);
  });

  it("a scan that ends while settling is not ended again", () => {
    subject.apHeard(AP1, 2437);
    subject.started(WLAN0, STATION, FULL);
    walk(STATION, [2437]);
    subject.ended(WLAN0);
    vi.advanceTimersByTime(SETTLE_MS);
    expect(ended).toEqual([]);
  });

  it("an AP that moved counts on its new channel", () => {
    subject.apHeard(AP1, 2462);
    subject.apHeard(AP1, 2412);
    subject.started(WLAN0, STATION, FULL);
    walk(STATION, [2412, 2417]);
    expect(ended).toEqual([WLAN0]);
  });

  describe("scans begun before scans were followed (unfollowed)", () => {
    const WLAN1 = 5;

    it("ends each idle station's scan at the first present 2.4 GHz AP, once", () => {
      subject.unfollowed([
        { ifindex: WLAN0, mac: STATION },
        { ifindex: WLAN1, mac: OTHER },
      ]);
      expect(endedUnfollowed).toEqual([]);
      subject.apHeard(AP1, 2437);
      expect(endedUnfollowed).toEqual([WLAN0, WLAN1]);
      subject.apHeard(AP1, 2437);
      expect(endedUnfollowed).toEqual([WLAN0, WLAN1]);
      expect(ended).toEqual([]);
    });

    it("waits while the station probes (its scan may be in 2.4 GHz still), then ends it", () => {
      subject.unfollowed([{ ifindex: WLAN0, mac: STATION }]);
      subject.probed(STATION, 2412);
      subject.apHeard(AP1, 2437);
      now += STALE_QUIET_MS - 1;
      subject.apHeard(AP1, 2437);
      expect(endedUnfollowed).toEqual([]);
      subject.probed(OTHER, 2417); // another address's probe says nothing of this scan
      now += 1;
      subject.apHeard(AP1, 2437);
      expect(endedUnfollowed).toEqual([WLAN0]);
    });

    it("never while a present AP is on 5 or 6 GHz: the scan may still find it there", () => {
      subject.unfollowed([{ ifindex: WLAN0, mac: STATION }]);
      subject.apHeard(AP2, 5180);
      subject.apHeard(AP1, 2437);
      expect(endedUnfollowed).toEqual([]);
      now += AP_FRESH_MS + 1; // the 5 GHz AP is gone: only 2.4 GHz is present
      subject.apHeard(AP1, 2437);
      expect(endedUnfollowed).toEqual([WLAN0]);
    });

    it("not for a scan announced since (it is followed), one that ended, or after the window", () => {
      subject.unfollowed([
        { ifindex: WLAN0, mac: STATION },
        { ifindex: WLAN1, mac: OTHER },
      ]);
      subject.started(WLAN0, STATION, FULL);
      subject.ended(WLAN1);
      subject.apHeard(AP1, 2437);
      expect(endedUnfollowed).toEqual([]);

      subject.unfollowed([{ ifindex: WLAN1, mac: OTHER }]);
      now += STALE_WINDOW_MS + 1;
      subject.apHeard(AP1, 2437);
      now += 1;
      subject.apHeard(AP2, 2412);
      expect(endedUnfollowed).toEqual([]);
    });
  });
});
