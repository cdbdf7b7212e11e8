/**
 * Noise NX handshake CPU per side, its parts, and frame encryption throughput (in-process, no sockets).
 * Handshake figures are per handshake on one core; "pooled" means the ephemeral key was made
 * ahead of time (EphemeralKeyPool), which is how the server and client run.
 */
import { execFileSync } from 'node:child_process';
import { createSecretKey } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
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
import { nodeOpenInto, nodeSealInto } from '../src/host/aead.js';
import { smallOpenInto, smallSealInto } from '../src/host/small-aead.js';
import { loadSodium, sodiumOpenInto, sodiumSealInto } from '../src/host/sodium-aead.js';
import { nodeSecp256k1, wasmSecp256k1 } from '../src/host/secp256k1.js';
import type { BenchResult } from './harness.js';

const SUITE = 'noise';
const NOW = Math.floor(Date.now() / 1000);

/**
 * CPU time of `run` (this process, all threads: GC and compiler threads count) over items made
 * beforehand by `prepare`, so per-item setup stays out of the figure. CPU rather than wall time:
 * the targets are CPU per handshake, and other work on the machine inflates wall time. The round
 * size is calibrated to ~`roundMs`; the figure is the median round. Wall time is kept as `wallUs`.
 */
function measureCpu<T>(name: string, prepare: () => T, run: (item: T) => void, { roundMs = 60, rounds = 5 } = {}): BenchResult {
  // Start each figure from a collected heap (npm run bench passes --expose-gc), so garbage left by
  // the figure before is not charged to this one.
  (globalThis as { gc?: () => void }).gc?.();
  let warm = 0;
  const w0 = process.hrtime.bigint();
  while (warm < 5 || (warm < 100_000 && Number(process.hrtime.bigint() - w0) < roundMs * 2.5e5)) {
    run(prepare());
    warm++;
  }
  const perItemNs = Number(process.hrtime.bigint() - w0) / warm; // includes prepare: a safe over-estimate
  const perRound = Math.max(5, Math.round((roundMs * 1e6) / perItemNs));
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const items = Array.from({ length: perRound }, prepare);
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (const item of items) run(item);
    wall.push(Number(process.hrtime.bigint() - t0) / perRound);
    const used = process.cpuUsage(c0);
    cpu.push(((used.user + used.system) * 1000) / perRound);
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const nsPerOp = median(cpu);
  return { suite: SUITE, name, nsPerOp, opsPerSec: 1e9 / nsPerOp, extra: { wallUs: Math.round(median(wall) / 100) / 10 } };
}

const none = () => undefined;

function handshakeParts(): BenchResult[] {
  const key = SecretKey.generate({ ephemeral: true });
  const reused = SecretKey.fromBytes(key.secret);
  const other = SecretKey.generate();
  const encoding = ellswiftEncode(other.xOnly);
  const native = nodeSecp256k1()!;
  const wasm = wasmSecp256k1()!;
  const lifted = wasm.decompress(Uint8Array.of(2, ...other.xOnly));
  const authority = AuthorityKeyPair.generate();
  const digest = certificateDigest(0, NOW, NOW + 3600, other.xOnly);
  const signature = authority.sign(digest);
  const verifier = new AuthorityPublicKey(authority.publicKey.x);
  return [
    measureCpu('part: ElligatorSwift decode', none, () => ellswiftDecode(encoding)),
    measureCpu('part: ElligatorSwift encode (randomized)', none, () => ellswiftEncode(other.xOnly)),
    measureCpu('part: key generation (no encoding)', none, () => SecretKey.generate({ ephemeral: true })),
    measureCpu('part: peer x checked on the curve', none, () => PeerPoint.fromX(other.xOnly)),
    measureCpu('part: x-only ECDH, ephemeral key', none, () => key.sharedX(PeerPoint.onCurve(other.xOnly))),
    measureCpu('part: x-only ECDH, reused key', none, () => reused.sharedX(PeerPoint.onCurve(other.xOnly))),
    measureCpu('part: x-only ECDH, native libsecp256k1 (constant-time)', none, () => native.ecdhX!(other.xOnly, key.secret)),
    measureCpu('part: x-only ECDH, WebAssembly, one multiplication (y recovered beforehand)', none, () => wasm.multiply(lifted, key.secret)),
    measureCpu('part: x-only ECDH, WebAssembly, split scalar (the fallback for a reused key)', none, () => {
      const a = SecretKey.generate().secret;
      wasm.add(wasm.multiply(lifted, a)!, wasm.multiply(lifted, wasm.scalarSub(key.secret, a)!)!);
    }),
    measureCpu('part: x-only ECDH, @noble/curves (pure JS reference)', none, () => secp256k1.getSharedSecret(key.secret, Uint8Array.of(2, ...other.xOnly))),
    measureCpu('part: BIP340 verify', none, () => verifier.verify(signature, digest)),
    measureCpu('part: BIP340 verify, @noble/curves (pure JS reference)', none, () => schnorr.verify(signature, digest, authority.publicKey.x)),
    measureCpu('part: BIP340 sign (certificate, once per half validity)', none, () => authority.sign(digest)),
  ];
}

function handshakes(): BenchResult[] {
  const authority = AuthorityKeyPair.generate();
  const identity = ServerIdentity.create({ authority });
  const verifier = new AuthorityPublicKey(authority.publicKey.x);
  const act1 = new NoiseInitiator().act1();
  identity.certificateAt(NOW);

  const responderPooled = measureCpu(
    'responder handshake CPU (pooled ephemeral)',
    () => generateEncodedKey(),
    (ephemeral) => new NoiseResponder(identity, { ephemeral }).readAct1(act1, NOW),
  );
  const responderFresh = measureCpu(
    'responder handshake CPU (ephemeral made inline)',
    none,
    () => new NoiseResponder(identity).readAct1(act1, NOW),
  );
  const prepareInitiator = (ephemeral?: EncodedKey) => {
    const initiator = new NoiseInitiator({ authority: verifier, ephemeral: ephemeral ?? generateEncodedKey() });
    const { act2 } = new NoiseResponder(identity).readAct1(initiator.act1(), NOW);
    return { initiator, act2 };
  };
  // The first act 1 costs nothing but handing over the encoding, so an initiator's CPU is act 2's.
  const initiatorPooled = measureCpu(
    'initiator handshake CPU (pooled ephemeral, known authority)',
    () => prepareInitiator(),
    ({ initiator, act2 }) => initiator.readAct2(act2, NOW),
  );
  const initiatorFresh = measureCpu(
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
  const initiatorCold = measureCpu(
    'initiator handshake CPU (authority key parsed for this handshake)',
    () => {
      const initiator = new NoiseInitiator({ authority: coldVerifier(), ephemeral: generateEncodedKey() });
      return { initiator, act2: new NoiseResponder(identity).readAct1(initiator.act1(), NOW).act2 };
    },
    ({ initiator, act2 }) => initiator.readAct2(act2, NOW),
  );
  const full = measureCpu(
    'full handshake, both sides, keys made inline',
    none,
    () => {
      const initiator = new NoiseInitiator({ authority: verifier });
      const { act2 } = new NoiseResponder(identity).readAct1(initiator.act1(), NOW);
      initiator.readAct2(act2, NOW);
    },
  );
  return [responderPooled, responderFresh, initiatorPooled, initiatorFresh, initiatorCold, full].map((r) => ({
    ...r,
    extra: { ...r.extra, handshakesPerCore: Math.round(r.opsPerSec) },
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
  // One AEAD message sealed and opened by each implementation: a frame costs two per direction
  // (header block, payload), and primitives.ts picks the implementation by size.
  const aead = (size: number, implementation: string, seal: typeof smallSealInto, open: typeof smallOpenInto): BenchResult => {
    const key = new Uint8Array(32).fill(3);
    const nonce = new Uint8Array(12);
    const plaintext = new Uint8Array(size).fill(5);
    const sealed = new Uint8Array(size + 16);
    const back = new Uint8Array(size);
    return measureCpu(`AEAD seal + open one ${size}-byte message, ${implementation}`, none, () => {
      seal(key, nonce, undefined, plaintext, sealed, 0);
      if (!open(key, nonce, undefined, sealed, back, 0)) throw new Error('AEAD round trip failed');
    });
  };
  const keyObject = createSecretKey(new Uint8Array(32).fill(3));
  const nodeSeal: typeof smallSealInto = (_key, ...rest) => nodeSealInto(keyObject, ...rest);
  const nodeOpen: typeof smallOpenInto = (_key, ...rest) => nodeOpenInto(keyObject, ...rest);
  const aeadRows = [6, 64, 256, 1024].flatMap((size) => [
    aead(size, 'node:crypto', nodeSeal, nodeOpen),
    aead(size, 'WebAssembly', smallSealInto, smallOpenInto),
    aead(size, 'libsodium WebAssembly', sodiumSealInto, sodiumOpenInto),
  ]);
  const results = [
    ...aeadRows,
    measureCpu('encrypt SubmitSharesStandard frame', none, () => sender.encryptFrame(shareFrame)),
    measureCpu('encrypt + decrypt SubmitSharesStandard frame', none, roundTrip(shareFrame)),
    measureCpu('encrypt + decrypt 64-byte payload', none, roundTrip(frame64)),
  ];
  const bulk = measureCpu('encrypt + decrypt 64 KiB payload', none, roundTrip(big), { roundMs: 100, rounds: 3 });
  bulk.extra = { ...bulk.extra, MBps: Math.round((65_536 * bulk.opsPerSec) / 1e6) };
  results.push(bulk);
  return results;
}

/**
 * What a fresh process pays the first time (CPU): the first use of secp256k1 (loading whatever
 * backs it), then the first and second handshake on each side. Run in child processes (median of
 * 3) so nothing this suite already loaded or warmed up hides it.
 */
function firstUse(): BenchResult[] {
  const noiseModule = new URL('../src/noise/index.js', import.meta.url).href;
  const script = `
    const now = Math.floor(Date.now() / 1000);
    const noise = await import(${JSON.stringify(noiseModule)});
    const ms = (fn) => { const c = process.cpuUsage(); const r = fn(); const u = process.cpuUsage(c); return [(u.user + u.system) / 1000, r]; };
    const [firstKey, authority] = ms(() => noise.AuthorityKeyPair.generate());
    const identity = noise.ServerIdentity.create({ authority });
    identity.certificateAt(now);
    const pool = new noise.EphemeralKeyPool(4);
    pool.refill();
    const out = { firstKey };
    for (const round of ['first', 'second']) {
      const initiator = new noise.NoiseInitiator({ authority: authority.publicKey, ephemeral: pool.take() });
      const act1 = initiator.act1();
      const [responder, { act2 }] = ms(() => new noise.NoiseResponder(identity, { ephemeral: pool.take() }).readAct1(act1, now));
      const [initiatorMs] = ms(() => initiator.readAct2(act2, now));
      out[round + 'Responder'] = responder;
      out[round + 'Initiator'] = initiatorMs;
    }
    process.stdout.write(JSON.stringify(out));
  `;
  const runs = [0, 1, 2].map(
    () => JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', cwd: fileURLToPath(new URL('..', import.meta.url)) })) as Record<string, number>,
  );
  const median = (key: string) => runs.map((r) => r[key]!).sort((a, b) => a - b)[1]!;
  const row = (name: string, key: string): BenchResult => {
    const nsPerOp = median(key) * 1e6;
    return { suite: SUITE, name, nsPerOp, opsPerSec: 1e9 / nsPerOp };
  };
  return [
    row('new process: first secp256k1 use (authority key generation; loads libsecp256k1)', 'firstKey'),
    row('new process: first responder handshake (pooled ephemeral; loads the AEAD module)', 'firstResponder'),
    row('new process: second responder handshake', 'secondResponder'),
    row('new process: first initiator handshake (pooled ephemeral)', 'firstInitiator'),
    row('new process: second initiator handshake', 'secondInitiator'),
  ];
}

export default async function noiseSuite(): Promise<BenchResult[]> {
  // Short AEAD messages go to libsodium once it has loaded (a few ms into a process's life).
  if (!(await loadSodium())) throw new Error('libsodium did not load');
  return [...firstUse(), ...handshakeParts(), ...handshakes(), ...transport()];
}
