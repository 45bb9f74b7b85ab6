#!/bin/bash
# The tunnel's AEAD timed inside a lab VM (QEMU TCG, one vCPU): 1500-byte seals with libsodium and
# node:crypto ChaCha20-Poly1305 and node:crypto AES-256-GCM, and the datagram copy the sealed path
# makes, in µs each (3000 after 200 to warm up). The guest mounts the host's root, so the checkout's
# dist/ is where it is on the host; the lab copies this script to /share, so CHECKOUT names it. Run
# from the checkout after `npm run build`:
#
#   node dist/lab/run-script.js --radios 1 --env CHECKOUT=$PWD bench/aead-guest.sh
set -eu
checkout=${CHECKOUT:?"run it with --env CHECKOUT=\$PWD (the checkout, as the host sees it)"}
node --input-type=module -e "
import { sodiumAead, loadSodium, nodeAead } from '$checkout/dist/src/tunnel/aead.js';
import { createCipheriv, randomBytes } from 'node:crypto';
const key = randomBytes(32), nonce = randomBytes(12);
const buf = randomBytes(28 + 1500 + 16);
const sodium = sodiumAead(loadSodium());
function time(name, fn, n = 3000) {
  for (let i = 0; i < 200; i++) fn();
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn();
  console.log('AEAD', name, (Number(process.hrtime.bigint() - t) / 1e3 / n).toFixed(1), 'us per 1500-byte seal');
}
time('sodium chacha20-poly1305', () => sodium.sealInPlace(buf, 28, 28 + 1500, nonce, key));
time('node chacha20-poly1305', () => nodeAead.sealInPlace(buf, 28, 28 + 1500, nonce, key));
time('node aes-256-gcm', () => { const c = createCipheriv('aes-256-gcm', key, nonce); c.setAAD(buf.subarray(0, 28)); c.update(buf.subarray(28, 1528)); c.final(); c.getAuthTag(); });
time('copy 1544 B (Buffer.from)', () => Buffer.from(buf));
"
