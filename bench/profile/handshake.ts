/**
 * A loop of handshakes to profile (`node --cpu-prof --import tsx bench/profile/handshake.ts [n]`):
 * responder handshakes with a pooled ephemeral key, then full handshakes with every key made inline.
 */
import { AuthorityKeyPair, AuthorityPublicKey } from '../../src/noise/authority-key.js';
import { generateEncodedKey } from '../../src/noise/ephemeral.js';
import { NoiseInitiator, NoiseResponder } from '../../src/noise/handshake.js';
import { ServerIdentity } from '../../src/noise/server-identity.js';

const n = Number(process.argv[2] ?? 2000);
const now = Math.floor(Date.now() / 1000);
const authority = AuthorityKeyPair.generate();
const identity = ServerIdentity.create({ authority });
const verifier = new AuthorityPublicKey(authority.publicKey.x);
const act1 = new NoiseInitiator().act1();
const keys = Array.from({ length: n }, () => generateEncodedKey());

function responders(): void {
  for (const ephemeral of keys) new NoiseResponder(identity, { ephemeral }).readAct1(act1, now);
}
function fullHandshakes(): void {
  for (let i = 0; i < n; i++) {
    const initiator = new NoiseInitiator({ authority: verifier });
    const { act2 } = new NoiseResponder(identity).readAct1(initiator.act1(), now);
    initiator.readAct2(act2, now);
  }
}
let t = process.cpuUsage();
responders();
let d = process.cpuUsage(t);
console.log(`responder (pooled): ${((d.user + d.system) / n).toFixed(0)} µs CPU each`);
t = process.cpuUsage();
fullHandshakes();
d = process.cpuUsage(t);
console.log(`full handshake: ${((d.user + d.system) / n).toFixed(0)} µs CPU each`);
