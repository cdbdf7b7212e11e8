/**
 * What runtimes.test.ts bundles and runs in a browser and in Deno (and runs on Node too, to
 * compare): frames encoded and decoded, a Noise NX handshake, frames encrypted and decrypted both
 * ways, a tampered frame refused, and fixed-input crypto whose bytes every runtime must agree on.
 * It imports only the wire layer, so the bundle shows that layer needs nothing from Node.
 */
import { bytesToHex, hexToBytes } from '../../src/codec/hex.js';
import { FrameDecoder } from '../../src/framing/decoder.js';
import { nodeHashes } from '../../src/host/hash.js';
import { decodeFrame, encodeFrame, type Messages } from '../../src/messages/index.js';
import {
  AuthorityKeyPair,
  certificateDigest,
  ellswiftDecode,
  NoiseInitiator,
  NoiseResponder,
  PeerPoint,
  SecretKey,
  ServerIdentity,
  type NoiseSession,
} from '../../src/noise/index.js';
import { aeadEncrypt, AeadKey, hkdf2, noiseNonce, sha256 } from '../../src/noise/primitives.js';

export interface PortableCheck {
  /** which implementations src/host picked: 'node' or 'portable' */
  host: string;
  frames: { encoded: string; decodedRoundTrip: boolean; decoderSplitRoundTrip: boolean };
  handshake: { clientToServer: boolean; serverToClient: boolean; tamperedRefused: boolean; bulkRoundTrip: boolean };
  /** deterministic outputs, equal on every runtime */
  fixed: Record<string, string>;
}

const SHARE: Messages['SubmitSharesStandard'] = { channelId: 7, sequenceNumber: 42, jobId: 3, nonce: 0xdeadbeef, ntime: 0x66000000, version: 0x20000000 };
const NOW = 1_750_000_000;
const bytesOf = (length: number, seed: number) => new Uint8Array(length).map((_, i) => (i * 31 + seed) & 0xff);
const same = (a: Uint8Array, b: Uint8Array) => bytesToHex(a) === bytesToHex(b);

function frames(): PortableCheck['frames'] {
  const frame = encodeFrame('SubmitSharesStandard', SHARE);
  const decoded = decodeFrame(frame);
  const decoder = new FrameDecoder();
  const split = [...decoder.push(frame.subarray(0, 4)), ...decoder.push(frame.subarray(4))];
  return {
    encoded: bytesToHex(frame),
    decodedRoundTrip: decoded.name === 'SubmitSharesStandard' && JSON.stringify(decoded.message) === JSON.stringify(SHARE),
    decoderSplitRoundTrip: split.length === 1 && JSON.stringify(decodeFrame(frame).message) === JSON.stringify(SHARE),
  };
}

function deliver(from: NoiseSession, to: NoiseSession, plainFrame: Uint8Array): Uint8Array[] {
  return to.decryptChunk(from.encryptFrame(plainFrame));
}

function handshake(): PortableCheck['handshake'] {
  const authority = AuthorityKeyPair.generate();
  const identity = ServerIdentity.create({ authority });
  const initiator = new NoiseInitiator({ authority: authority.publicKey });
  const { act2, session: server } = new NoiseResponder(identity).readAct1(initiator.act1(), NOW);
  const client = initiator.readAct2(act2, NOW);
  const share = encodeFrame('SubmitSharesStandard', SHARE);
  const toServer = deliver(client, server, share);
  const reply = encodeFrame('SubmitSharesSuccess', { channelId: 7, lastSequenceNumber: 42, newSubmitsAcceptedCount: 1, newSharesSum: 1n });
  const toClient = deliver(server, client, reply);
  const bulk = new Uint8Array(6 + 70_000);
  bulk.set([0, 0, 0x15, 0x70, 0x11, 0x01]); // extension 0, type 0x15, 70 000-byte payload (two ciphertext chunks)
  bulk.set(bytesOf(70_000, 9), 6);
  const bulkBack = deliver(client, server, bulk);
  const tampered = client.encryptFrame(share);
  tampered[tampered.length - 1]! ^= 1;
  let tamperedRefused = false;
  try {
    server.decryptChunk(tampered);
  } catch {
    tamperedRefused = true;
  }
  return {
    clientToServer: toServer.length === 1 && same(toServer[0]!, share),
    serverToClient: toClient.length === 1 && same(toClient[0]!, reply),
    tamperedRefused,
    bulkRoundTrip: bulkBack.length === 1 && same(bulkBack[0]!, bulk),
  };
}

function fixed(): Record<string, string> {
  const key = new AeadKey(bytesOf(32, 1));
  const secret = SecretKey.fromBytes(bytesOf(32, 2));
  const peer = SecretKey.fromBytes(bytesOf(32, 3), { ephemeral: true });
  const authority = new AuthorityKeyPair(bytesOf(32, 4));
  const digest = certificateDigest(0, NOW, NOW + 3600, secret.xOnly);
  const [ck, k] = hkdf2(bytesOf(32, 5), bytesOf(33, 6));
  return {
    sha256: bytesToHex(sha256(bytesOf(1000, 7), bytesOf(3, 8))),
    hkdf2: bytesToHex(ck) + bytesToHex(k),
    aeadShort: bytesToHex(aeadEncrypt(key, noiseNonce(3), bytesOf(32, 9), bytesOf(64, 10))),
    aeadLong: bytesToHex(sha256(aeadEncrypt(key, noiseNonce(2 ** 40), bytesOf(32, 11), bytesOf(5000, 12)))),
    xOnly: bytesToHex(secret.xOnly),
    ecdhSplit: bytesToHex(secret.sharedX(PeerPoint.fromX(peer.xOnly))),
    ecdhEphemeral: bytesToHex(peer.sharedX(PeerPoint.fromX(secret.xOnly))),
    ellswiftDecode: bytesToHex(ellswiftDecode(bytesOf(64, 13))),
    signature: bytesToHex(authority.sign(digest, bytesOf(32, 14))),
    verified: String(authority.publicKey.verify(authority.sign(digest), digest)),
    hexRoundTrip: String(bytesToHex(hexToBytes(bytesToHex(bytesOf(300, 15)))) === bytesToHex(bytesOf(300, 15))),
  };
}

export function check(): PortableCheck {
  return { host: nodeHashes === undefined ? 'portable' : 'node', frames: frames(), handshake: handshake(), fixed: fixed() };
}
