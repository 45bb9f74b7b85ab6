// Makes the kernel ciphers mac80211 needs for the first CCMP or BIP key, ccm(aes) and cmac(aes),
// before the Wi-Fi daemons install that key. Why: mac80211 makes the cipher inside
// NL80211_CMD_NEW_KEY, under the wiphy lock, and the first time in a fresh 1-vCPU TCG guest the
// kernel loads ccm and ctr, asks modprobe for names no module has and self-tests ccm(aes). A trace
// of the station (STA_FTRACE, the lab knob) showed its interface's work, and with it every received
// beacon, held for 2.1-2.4 s from wpa_supplicant's first NEW_KEY; the beacon monitor fired (the
// CTRL-EVENT-BEACON-LOSS at CTRL-EVENT-CONNECTED, docs/benchmarks.md). Loading the modules first
// (modprobe ccm ctr cmac) still left 2.1 s. A one-VM lab never shows it: hostapd's group key made
// the cipher in the same kernel first.
//
// User space reaches those ciphers without a socket family of its own through IPsec: an xfrm state
// with rfc4309(ccm(aes)) (ESP) or cmac(aes) (AH) makes them, and a made cipher stays registered
// after the state is deleted. The states use TEST-NET-1 addresses and no policy, so no packet
// ever meets them, and each is deleted at once.

import { execFile } from "node:child_process";

const SOURCE = "192.0.2.1";
const DESTINATION = "192.0.2.2";

/** One xfrm state per cipher: its SPI, its protocol, and the algorithm with a zero key. */
const CIPHER_STATES: readonly { spi: string; proto: string; algorithm: readonly string[] }[] = [
  // CCMP-128: ccm(aes) under RFC 4309's ESP wrapper, 16 key bytes + 3 salt bytes, 128-bit ICV.
  {
    spi: "0x77740001",
    proto: "esp",
    algorithm: ["aead", "rfc4309(ccm(aes))", `0x${"00".repeat(19)}`, "128"],
  },
  // BIP-CMAC-128 (PMF, so WPA3): cmac(aes) as AH's integrity check, 96-bit ICV (RFC 4494).
  { spi: "0x77740002", proto: "ah", algorithm: ["auth-trunc", "cmac(aes)", `0x${"00".repeat(16)}`, "96"] },
];

/** 3.6 s measured for the first state in a TCG guest; past this the first key pays instead. */
const IP_TIMEOUT_MS = 30_000;

function ip(args: readonly string[]): Promise<string | null> {
  return new Promise((resolve) => {
    execFile("ip", [...args], { timeout: IP_TIMEOUT_MS }, (error, _out, stderr) =>
      resolve(error === null ? null : `ip ${args.join(" ")}: ${stderr.trim() || error.message}`),
    );
  });
}

/**
 * Makes ccm(aes) and cmac(aes) in the kernel; resolves with null, or with the first failure (the
 * cipher may exist even then: the kernel makes it before it can refuse the state).
 */
export async function prepareKeyCiphers(): Promise<string | null> {
  let failed: string | null = null;
  for (const { spi, proto, algorithm } of CIPHER_STATES) {
    const id = ["src", SOURCE, "dst", DESTINATION, "proto", proto, "spi", spi];
    const added = await ip(["xfrm", "state", "add", ...id, "mode", "transport", ...algorithm]);
    if (added === null) await ip(["xfrm", "state", "delete", ...id]);
    failed ??= added;
  }
  return failed;
}
