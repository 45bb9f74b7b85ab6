// Beacons laid out by hand from IEEE 802.11-2020: header (9.3.3.2), fixed fields (9.3.3.3), the
// Channel Switch Announcement element (9.4.2.18) and the Extended one (9.4.2.52); operating classes
// from Annex E, Table E-4.

import { describe, expect, it } from "vitest";
import { announcedSwitchFreq } from "../../src/ieee80211/channel-switch.js";

const HEADER = "80000000ffffffffffff020000000000020000000000" + "0000";
const FIXED = "0000000000000000" + "6400" + "1104";
const SSID = "0007" + Buffer.from("lab-5gh").toString("hex");

function beacon(...elements: string[]): Buffer {
  return Buffer.from(HEADER + FIXED + elements.join(""), "hex");
}
const csa = (channel: number) => `2503 01${channel.toString(16).padStart(2, "0")}05`.replace(" ", "");
const ecsa = (operatingClass: number, channel: number) =>
  `3c04 01${operatingClass.toString(16).padStart(2, "0")}${channel.toString(16).padStart(2, "0")}05`.replace(
    " ",
    "",
  );

describe("announcedSwitchFreq", () => {
  it.each([
    ["no announcement", beacon(SSID), 5180, null],
    ["CSA on 5 GHz: 36 to 149", beacon(SSID, csa(149)), 5180, 5745],
    ["CSA on 2.4 GHz: 6 to 11", beacon(SSID, csa(11)), 2437, 2462],
    ["CSA to channel 14", beacon(csa(14)), 2437, 2484],
    ["CSA on 6 GHz: channel numbers of that band", beacon(csa(5)), 5955, 5975],
    [
      "ECSA names the band by its class: 2.4 GHz to 5 GHz channel 149 (class 125)",
      beacon(ecsa(125, 149)),
      2412,
      5745,
    ],
    ["ECSA to 6 GHz channel 5 (class 131)", beacon(ecsa(131, 5)), 5180, 5975],
    ["ECSA with an unknown class: the current band", beacon(ecsa(200, 40)), 5180, 5200],
    ["ECSA wins over CSA", beacon(csa(44), ecsa(115, 48)), 5180, 5240],
    ["an element cut short", beacon(SSID, "2503 0195".replace(" ", "")), 5180, null],
    ["a CSA element too short to name a channel", beacon("2501 01".replace(" ", "")), 5180, null],
    ["a frame without elements", Buffer.from(HEADER, "hex"), 5180, null],
  ] as const)("%s", (_name, frame, freqMhz, expected) => {
    expect(announcedSwitchFreq(frame, freqMhz)).toBe(expected);
  });
});
