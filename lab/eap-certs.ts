// A throwaway certificate authority and server certificate for the WPA2-Enterprise scene
// (lab/guest/scenes.sh, "eap"): hostapd's internal EAP server presents server.pem, the station
// checks it against ca.pem. Made with openssl at test time, in a directory the guests can read
// (they mount the host's root, not its /tmp).

import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

/** Writes ca.pem, ca.key, server.pem and server.key into `dir` (created) and returns `dir`. */
export function makeEapCerts(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  openssl(
    ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=wifi-tunnel lab CA"],
    ...["-keyout", "ca.key", "-out", "ca.pem"],
  );
  openssl(
    ...["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=radius.lab"],
    ...["-keyout", "server.key", "-out", "server.csr"],
  );
  openssl(
    ...["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial"],
    ...["-days", "2", "-out", "server.pem"],
  );
  return dir;
}

// `node dist/lab/eap-certs.js DIR`: the same for a hand-run scene (run-script --env EAP_CERTS=DIR).
if (process.argv[1]?.endsWith("eap-certs.js") && process.argv[2] !== undefined) {
  console.log(makeEapCerts(join(process.argv[2])));
}
