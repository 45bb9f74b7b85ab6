// Records the capture fixtures in test/fixtures/ from a real VM: the local baseline scenario with
// LAB_CAPTURE=1 (tcpdump on hwsim0 from before wpa_supplicant starts until after 20 pings), then
// converts that capture with Wireshark's editcap/mergecap/tshark. See test/fixtures/README.md.
//
//   node dist/lab/record-fixtures.js

import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkoutDir } from "./paths.js";
import { consoleTail, runLocalBaseline } from "./scenarios.js";

const fixturesDir = join(checkoutDir, "test", "fixtures");
const MAX_FIXTURE_BYTES = 300 * 1024;

// hwsim0's radiotap header has one of two lengths: 22 bytes on every frame a radio transmitted,
// 14 bytes on the synthetic ACKs the driver adds.
const RADIOTAP_LENGTHS = [22, 14];

const { vm, results } = await runLocalBaseline({ env: { LAB_CAPTURE: "1", IPERF3_SECONDS: "1" } });
if (vm.exitStatus !== 0 || results === undefined) {
  console.error(consoleTail(vm));
  process.exit(1);
}
const radiotapCapture = join(vm.shareDir, "hwsim0.pcap");
const scratch = mkdtempSync(join(tmpdir(), "wifi-tunnel-fixtures-"));
try {
  const pcap = join(fixturesDir, "hwsim0-wpa2.pcap");
  copyFileSync(radiotapCapture, pcap);
  execFileSync("editcap", ["-F", "pcapng", pcap, join(fixturesDir, "hwsim0-wpa2.pcapng")]);

  // Plain 802.11 (link type 105): drop the radiotap header. editcap can only chop a fixed length
  // (-L: and shorten the original length to match, or every frame would look truncated),
  // so split the records by header length, chop each part, then merge them back in time order.
  const parts = RADIOTAP_LENGTHS.map((length) => {
    const selected = join(scratch, `radiotap-${length}.pcap`);
    const chopped = join(scratch, `chopped-${length}.pcap`);
    execFileSync("tshark", ["-r", pcap, "-Y", `radiotap.length == ${length}`, "-w", selected], {
      stdio: "ignore",
    });
    execFileSync("editcap", ["-C", `${length}`, "-L", "-T", "ieee-802-11", selected, chopped]);
    return chopped;
  });
  execFileSync("mergecap", ["-F", "pcap", "-w", join(fixturesDir, "hwsim0-wpa2-80211.pcap"), ...parts]);

  for (const name of ["hwsim0-wpa2.pcap", "hwsim0-wpa2.pcapng", "hwsim0-wpa2-80211.pcap"]) {
    const { size } = statSync(join(fixturesDir, name));
    console.log(`${name}: ${size} bytes`);
    if (size > MAX_FIXTURE_BYTES) throw new Error(`${name} is larger than ${MAX_FIXTURE_BYTES} bytes`);
  }
  console.log(
    `association ${results.assoc_seconds} s, ping ${results.ping_received}/${results.ping_transmitted}`,
  );
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
