// Runs inside a lab VM: does a unicast frame get acknowledged? Injects null-data frames through a
// monitor interface of a guest radio and reads mac80211's TX status for each (it hands every
// monitor interface a copy of the transmitted frame, with the radiotap TX flag "fail" when no ACK
// came after all retries). hwsim acknowledges only if some radio on the channel in this kernel owns
// the receiver address on an active interface: with the agent running, that is a remote
// transmitter it proxies, and nothing else.
//
//   node dist/lab/ack-probe.js MONITOR_IFACE TRANSMITTER RECEIVER...   (MAC addresses aa:bb:..)
//
// Prints one JSON object: { "<receiver>": { "statuses": N, "acked": bool }, ... }.

import { encodeThreeAddressHeader } from "../src/ieee80211/header.js";
import { formatMac, type MacAddress, parseMac, readMac } from "../src/ieee80211/mac.js";
import { LiveCapture, LiveInjector } from "../src/os/pcap/live.js";
import { decodeRadiotap, encodeInjectionHeader } from "../src/radiotap/radiotap.js";

const TX_FLAG_FAIL = 0x0001;
const FRAMES_PER_RECEIVER = 3;

function mac(text: string): MacAddress {
  const parsed = parseMac(text);
  if (!parsed.ok) throw new Error(`${text} is not a MAC address`);
  return parsed.value;
}

/** A To-DS null-data frame (FC 0x48 0x01), the smallest unicast frame that asks for an ACK. */
function nullData(receiver: MacAddress, transmitter: MacAddress, sequence: number): Buffer {
  return encodeThreeAddressHeader({
    frameControl: 0x0148,
    addr1: receiver,
    addr2: transmitter,
    addr3: receiver,
    sequence,
  });
}

const [iface, transmitterText, ...receiverTexts] = process.argv.slice(2);
if (!iface || !transmitterText || receiverTexts.length === 0) {
  console.error("usage: ack-probe MONITOR_IFACE TRANSMITTER RECEIVER...");
  process.exit(2);
}
const transmitter = mac(transmitterText);
const receivers = receiverTexts.map(mac);
const results = new Map<MacAddress, { statuses: number; acked: boolean }>(
  receivers.map((receiver) => [receiver, { statuses: 0, acked: false }]),
);

const capture = new LiveCapture({ iface, filter: "type data subtype null" });
capture.start((packet) => {
  const decoded = decodeRadiotap(packet);
  if (!decoded.ok || decoded.value.header.txFlags === undefined) return; // not a TX status
  const frame = decoded.value.frame;
  if (frame.length < 16 || readMac(frame, 10) !== transmitter) return;
  const result = results.get(readMac(frame, 4));
  if (!result) return;
  result.statuses++;
  if ((decoded.value.header.txFlags & TX_FLAG_FAIL) === 0) result.acked = true;
});
const injector = new LiveInjector(iface);
let sequence = 0;
for (let round = 0; round < FRAMES_PER_RECEIVER; round++) {
  for (const receiver of receivers) {
    injector.inject(Buffer.concat([encodeInjectionHeader({}), nullData(receiver, transmitter, sequence++)]));
  }
  await new Promise((resolve) => setTimeout(resolve, 300));
}
await new Promise((resolve) => setTimeout(resolve, 1000));
injector.close();
capture.close();
console.log(
  JSON.stringify(Object.fromEntries([...results].map(([receiver, result]) => [formatMac(receiver), result]))),
);
process.exit(0);
