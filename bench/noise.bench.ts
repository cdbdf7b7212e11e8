/**
 * Noise NX handshake CPU per side, its parts, and frame encryption throughput (in-process, no sockets).
 * Handshake figures are per handshake on one core; "pooled" means the ephemeral key was made
 * ahead of time (EphemeralKeyPool), which is how the server and client run.
 */
import { schnorr } from '@noble/curves/secp256k1.js';
import { encodeFrame, type Messages } from '../src/messages/index.js';
import {
  AuthorityKeyPair,
  AuthorityPublicKey,
  certificateDigest,
  ellswiftDecode,
  ellswiftEncode,
  generateEncodedKey,
  NoiseInitiator,
  NoiseResponder,
  PeerPoint,
  SecretKey,
  ServerIdentity,
  type EncodedKey,
} from '../src/noise/index.js';
import { measure, type BenchResult } from './harness.js';

const SUITE = 'noise';
const NOW = Math.floor(Date.now() / 1000);

/** Times `run` over items made beforehand by `prepare` (so per-item setup stays out of the figure). */
function measurePrepared<T>(name: string, prepare: () => T, run: (item: T) => void, perRound = 60, rounds = 5): BenchResult {
  for (let i = 0; i < 5; i++) run(prepare()); // warm up
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const items = Array.from({ length: perRound }, prepare);
    const t0 = process.hrtime.bigint();
    for (const item of items) run(item);
    samples.push(Number(process.hrtime.bigint() - t0) / perRound);
  }
  samples.sort((a, b) => a - b);
  const nsPerOp = samples[Math.floor(samples.length / 2)]!;
  return { suite: SUITE, name, nsPerOp, opsPerSec: 1e9 / nsPerOp };
}

function handshakeParts(): BenchResult[] {
  const key = SecretKey.generate();
  const other = SecretKey.generate();
  const encoding = ellswiftEncode(other.xOnly);
  const peer = PeerPoint.fromX(other.xOnly);
  const nobleKey = SecretKey.fromBytes(key.secret, 'noble');
  const noblePeer = PeerPoint.fromX(other.xOnly, 'noble');
  const authority = AuthorityKeyPair.generate();
  const digest = certificateDigest(0, NOW, NOW + 3600, other.xOnly);
  const signature = authority.sign(digest);
  const warmVerifier = new AuthorityPublicKey(authority.publicKey.x);
  warmVerifier.verify(signature, digest);
  warmVerifier.verify(signature, digest);
  const fast = { roundMs: 100, rounds: 3 };
  return [
    measure(SUITE, 'part: ElligatorSwift decode', () => ellswiftDecode(encoding), fast),
    measure(SUITE, 'part: ElligatorSwift encode (randomized)', () => ellswiftEncode(other.xOnly), fast),
    measure(SUITE, 'part: key generation, native (no encoding)', () => SecretKey.generate(), fast),
    measure(SUITE, 'part: import peer x (native, compressed SPKI)', () => PeerPoint.fromX(other.xOnly), fast),
    measure(SUITE, 'part: x-only ECDH, native OpenSSL', () => key.sharedX(peer), fast),
    measure(SUITE, 'part: x-only ECDH, noble (constant time)', () => nobleKey.sharedX(noblePeer), fast),
    measure(SUITE, 'part: BIP340 verify, noble generic', () => schnorr.verify(signature, digest, authority.publicKey.x), fast),
    measure(SUITE, 'part: BIP340 verify, authority key tabulated', () => warmVerifier.verify(signature, digest), fast),
    measure(SUITE, 'part: BIP340 sign (certificate, once per half validity)', () => authority.sign(digest), fast),
  ];
}

function handshakes(): BenchResult[] {
  const authority = AuthorityKeyPair.generate();
  const identity = ServerIdentity.create({ authority });
  const verifier = new AuthorityPublicKey(authority.publicKey.x);
  const act1 = new NoiseInitiator().act1();
  identity.certificateAt(NOW);

  const responderPooled = measurePrepared(
    'responder handshake CPU (pooled ephemeral)',
    () => generateEncodedKey(),
    (ephemeral) => new NoiseResponder(identity, { ephemeral }).readAct1(act1, NOW),
  );
  const responderFresh = measurePrepared(
    'responder handshake CPU (ephemeral made inline)',
    () => undefined,
    () => new NoiseResponder(identity).readAct1(act1, NOW),
  );
  const prepareInitiator = (ephemeral?: EncodedKey) => {
    const initiator = new NoiseInitiator({ authority: verifier, ephemeral: ephemeral ?? generateEncodedKey() });
    const { act2 } = new NoiseResponder(identity).readAct1(initiator.act1(), NOW);
    return { initiator, act2 };
  };
  // The first act 1 costs nothing but handing over the encoding, so an initiator's CPU is act 2's.
  const initiatorPooled = measurePrepared(
    'initiator handshake CPU (pooled ephemeral, known authority)',
    () => prepareInitiator(),
    ({ initiator, act2 }) => initiator.readAct2(act2, NOW),
  );
  const initiatorFresh = measurePrepared(
    'initiator handshake CPU (ephemeral made inline, known authority)',
    () => {
      const item = prepareInitiator();
      return { ...item, extra: generateEncodedKey };
    },
    ({ initiator, act2, extra }) => {
      extra();
      initiator.readAct2(act2, NOW);
    },
  );
  const coldVerifier = () => new AuthorityPublicKey(authority.publicKey.x);
  const initiatorCold = measurePrepared(
    'initiator handshake CPU (first use of the authority key)',
    () => {
      const initiator = new NoiseInitiator({ authority: coldVerifier(), ephemeral: generateEncodedKey() });
      return { initiator, act2: new NoiseResponder(identity).readAct1(initiator.act1(), NOW).act2 };
    },
    ({ initiator, act2 }) => initiator.readAct2(act2, NOW),
    30,
  );
  const full = measurePrepared(
    'full handshake, both sides, keys made inline',
    () => undefined,
    () => {
      const initiator = new NoiseInitiator({ authority: verifier });
      const { act2 } = new NoiseResponder(identity).readAct1(initiator.act1(), NOW);
      initiator.readAct2(act2, NOW);
    },
    30,
  );
  return [responderPooled, responderFresh, initiatorPooled, initiatorFresh, initiatorCold, full].map((r) => ({
    ...r,
    extra: { handshakesPerCore: Math.round(r.opsPerSec) },
  }));
}

function sessionPair() {
  const authority = AuthorityKeyPair.generate();
  const initiator = new NoiseInitiator({ authority: authority.publicKey });
  const { act2, session: server } = new NoiseResponder(ServerIdentity.create({ authority })).readAct1(initiator.act1(), NOW);
  return { client: initiator.readAct2(act2, NOW), server };
}

function transport(): BenchResult[] {
  const { client, server } = sessionPair();
  const sender = sessionPair().client;
  const share: Messages['SubmitSharesStandard'] = { channelId: 1, sequenceNumber: 7, jobId: 42, nonce: 0xdeadbeef, ntime: 0x66000000, version: 0x20000000 };
  const shareFrame = encodeFrame('SubmitSharesStandard', share);
  const frame64 = new Uint8Array(6 + 64);
  frame64[3] = 64;
  const big = new Uint8Array(6 + 65_536);
  big[3] = 0;
  big[4] = 0;
  big[5] = 1; // 65 536 = 0x010000
  const noop = () => undefined;
  const roundTrip = (frame: Uint8Array) => () => server.feed(client.encryptFrame(frame), noop);
  const results = [
    measure(SUITE, 'encrypt SubmitSharesStandard frame', () => sender.encryptFrame(shareFrame)),
    measure(SUITE, 'encrypt + decrypt SubmitSharesStandard frame', roundTrip(shareFrame)),
    measure(SUITE, 'encrypt + decrypt 64-byte payload', roundTrip(frame64)),
  ];
  const bulk = measure(SUITE, 'encrypt + decrypt 64 KiB payload', roundTrip(big), { rounds: 3 });
  bulk.extra = { MBps: Math.round((65_536 * bulk.opsPerSec) / 1e6) };
  results.push(bulk);
  return results;
}

export default function noiseSuite(): BenchResult[] {
  return [...handshakeParts(), ...handshakes(), ...transport()];
}
