// The guest scripts' "gone" (lab/guest/prelude.sh): a VM counts as gone only once it has not
// answered on eth0 for PEER_GONE_SECONDS in a row. Before, two lost pings a second apart were
// enough, and a CI run's soak AP took its busy station for gone mid-iperf3 and shut down.
// prelude.sh's functions run here in a real bash, with `ping` a script that answers while a file
// exists and bash's own SECONDS moved by hand.

import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const PRELUDE = resolve(__dirname, "../../lab/guest/prelude.sh");

/** Runs `body` after sourcing prelude.sh; returns its stdout lines. */
function runWithPrelude(body: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), "peer-gone-"));
  const bin = join(dir, "bin");
  mkdirSync(bin);
  // ping answers while $dir/up exists; dmesg and hostname do nothing a test could notice.
  writeFileSync(join(bin, "ping"), `#!/bin/sh\n[ -e ${dir}/up ]\n`);
  writeFileSync(join(bin, "dmesg"), "#!/bin/sh\nexit 0\n");
  for (const tool of ["ping", "dmesg"]) chmodSync(join(bin, tool), 0o755);
  const script = `. ${PRELUDE}\nUP=${dir}/up\n${body}\n`;
  const result = spawnSync("bash", ["--norc", "-c", script], {
    env: { PATH: `${bin}:${process.env.PATH ?? ""}`, LAB_SHARE: dir },
    encoding: "utf8",
  });
  expect(result.stderr).toBe("");
  return result.stdout.trim().split("\n");
}

describe("a peer VM is gone only after PEER_GONE_SECONDS of silence", () => {
  it("one lost ping, and 29 s of them, are not gone; 30 s are; an answer starts over", () => {
    const out = runWithPrelude(`
      say() { if "$@"; then echo yes; else echo no; fi; }
      say peer_answers 10.0.0.2
      say peer_silent_long 10.0.0.2
      SECONDS=$((SECONDS + 29)); peer_answers 10.0.0.2; say peer_silent_long 10.0.0.2
      SECONDS=$((SECONDS + 1)); peer_answers 10.0.0.2; say peer_silent_long 10.0.0.2
      touch "$UP"; say peer_answers 10.0.0.2; say peer_silent_long 10.0.0.2
      rm "$UP"; peer_answers 10.0.0.2; say peer_silent_long 10.0.0.2
    `);
    expect(out).toEqual(["no", "no", "no", "yes", "yes", "no", "no"]);
  });

  it("the AP's wait keeps a silent station pending, and calls it gone after 30 s", () => {
    const out = runWithPrelude(`
      STATION_PEERS=10.0.0.2
      stations_finished_or_gone; echo "finished=$? state=\${STATION_FINISHED[10.0.0.2]:-pending}"
      SECONDS=$((SECONDS + 30))
      stations_finished_or_gone; echo "finished=$? state=\${STATION_FINISHED[10.0.0.2]:-pending}"
    `);
    expect(out).toEqual(["finished=1 state=pending", "finished=0 state=gone"]);
  });

  it("PEER_GONE_SECONDS sets the silence it takes", () => {
    const out = runWithPrelude(`
      PEER_GONE_SECONDS=5
      peer_answers 10.0.0.3; SECONDS=$((SECONDS + 5)); peer_answers 10.0.0.3
      if peer_flag_or_gone station-done 10.0.0.3; then echo gone; else echo waiting; fi
    `);
    expect(out).toEqual(["gone"]);
  });
});
