/**
 * Proxy costs, on the proxy's two pure parts (no sockets, so the figures are the proxy's own):
 * - CPU per forwarded share: a device's SubmitSharesStandard checked against its target (header
 *   hash, duplicate set, batching) and sent up as SubmitSharesExtended;
 * - a new prev hash reaching 1 000 device channels: one connection with a group (one
 *   NewExtendedMiningJob + one SetNewPrevHash) versus 1 000 REQUIRES_STANDARD_JOBS connections
 *   (a NewMiningJob with its own merkle root and a SetNewPrevHash each), with the bytes each sends;
 * - bytes on the wire per device-hour (mainnet-like: 12-branch merkle path, a template every 30 s,
 *   a block every 10 min, a share every 5 s), Sv1 through the translator vs Sv2 standard vs Sv2
 *   extended channels through the proxy.
 */
import type { BenchResult, Suite } from './harness.js';
import { encodeFrame } from '../src/messages/index.js';
import type { MessageName, Messages } from '../src/messages/index.js';
import { silentLogger } from '../src/roles/common/logger.js';
import { DeviceChannels } from '../src/roles/common/device-channels.js';
import { UpstreamChannel, type ProxyWork } from '../src/roles/proxy/upstream-channel.js';
import type { AnyMessage } from '../src/messages/index.js';
import { buildNotify, buildResult, buildSubmit } from '../src/sv1/index.js';

/** Noise NX transport: the 6-byte header is its own AEAD message (6 + 16), the payload another (+16). */
const NOISE = 22 + 16;
const MAX = new Uint8Array(32).fill(0xff);

function frameBytes<N extends MessageName>(name: N, value: Messages[N]): number {
  return encodeFrame(name, value).length + NOISE;
}

interface Rig {
  devices: DeviceChannels<ProxyWork>;
  upstream: UpstreamChannel;
  sent: { n: number; bytes: number };
  jobId: number;
  /** a new upstream job and prev hash: every device channel gets them */
  newBlock(): void;
}

/** A proxy's parts with an upstream channel open, `connections` device connections of `perConnection` standard channels. */
function rig(connections: number, perConnection: number, standardJobs: boolean, countBytes: boolean): Rig {
  const sent = { n: 0, bytes: 0 };
  let prevSeed = 0;
  const r: Rig = {
    devices: undefined as unknown as DeviceChannels<ProxyWork>,
    upstream: undefined as unknown as UpstreamChannel,
    sent,
    jobId: 0,
    newBlock() {
      const jobId = ++r.jobId;
      const merklePath = Array.from({ length: 12 }, (_, i) => new Uint8Array(32).fill(i + 1));
      const up = (name: MessageName, message: unknown) => r.upstream.onMessage({ name, message, tlvs: [] } as unknown as AnyMessage);
      up('NewExtendedMiningJob', { channelId: 1, jobId, minNtime: null, version: 0x20000000, versionRollingAllowed: true, merklePath, coinbaseTxPrefix: new Uint8Array(60).fill(1), coinbaseTxSuffix: new Uint8Array(120).fill(2) });
      const prevHash = new Uint8Array(32);
      prevHash[0] = ++prevSeed & 0xff;
      prevHash[1] = prevSeed >> 8;
      // mainnet-like difficulty: no share is a block
      up('SetNewPrevHash', { channelId: 1, jobId, prevHash, minNtime: 1_700_000_000, nbits: 0x1702c4e4 });
    },
  };
  r.upstream = new UpstreamChannel(8, { work: (w) => r.devices.onWork(w), newTip: (id, tip) => r.devices.onNewTip(id, tip), action: () => {}, answered: () => {} }, silentLogger());
  r.devices = new DeviceChannels<ProxyWork>(
    { sharesPerMinute: 6, shareBatchSize: 10, extranonceSize: 8, maxChannels: 65_536 },
    {
      send: (_c, name, message) => {
        sent.n++;
        if (countBytes) sent.bytes += frameBytes(name, message);
      },
      forward: (work, share, en, hash, d) => r.upstream.forward(work, share, en, hash, d),
      isLive: (work) => work.upstream.epoch === r.upstream.liveEpoch,
    },
  );
  const link = { send: () => {} };
  r.upstream.connect(link, 'farm', 'bench');
  r.upstream.open(1e15, 0);
  r.upstream.onMessage({ name: 'OpenExtendedMiningChannelSuccess', message: { requestId: 1, channelId: 2, target: MAX, extranonceSize: 27, extranoncePrefix: new Uint8Array(5), groupChannelId: 1 }, tlvs: [] } as unknown as AnyMessage);
  for (let c = 0; c < connections; c++) {
    r.devices.addConnection(c + 1, { requiresStandardJobs: standardJobs, peer: 'bench', vendor: 'bench' });
    for (let i = 0; i < perConnection; i++) {
      r.devices.onMessage(c + 1, { name: 'OpenStandardMiningChannel', message: { requestId: i, userIdentity: 'dev', nominalHashRate: 0.001, maxTarget: MAX } }, 0);
    }
  }
  r.newBlock();
  return r;
}

function forwardedShare(): BenchResult {
  const r = rig(1, 1, true, false);
  const channelId = r.devices.channelsOf(1)[0]!.channelId;
  const perRound = 10_000;
  const samples: number[] = [];
  let nonce = 0;
  const forwardedBefore = r.upstream.counts.forwarded;
  for (let round = 0; round < 7; round++) {
    r.newBlock(); // a fresh duplicate window, outside the timing
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < perRound; i++) {
      r.devices.onMessage(1, { name: 'SubmitSharesStandard', message: { channelId, sequenceNumber: i, jobId: r.jobId, nonce: nonce++, ntime: 1_700_000_000, version: 0x20000000 } }, 1_700_000_000_000);
    }
    samples.push(Number(process.hrtime.bigint() - t0) / perRound);
  }
  const forwarded = r.upstream.counts.forwarded - forwardedBefore;
  if (forwarded !== 7 * perRound) throw new Error(`only ${forwarded} of ${7 * perRound} shares went up`);
  samples.sort((a, b) => a - b);
  const ns = samples[3]!;
  return { suite: 'proxy', name: 'device share checked and forwarded upstream', nsPerOp: ns, opsPerSec: 1e9 / ns };
}

function prevHashFanout(grouped: boolean): BenchResult {
  const r = grouped ? rig(1, 1000, false, true) : rig(1000, 1, true, true);
  const samples: number[] = [];
  let msgs = 0;
  let bytes = 0;
  for (let round = 0; round < 7; round++) {
    const before = { n: r.sent.n, bytes: r.sent.bytes };
    const t0 = process.hrtime.bigint();
    r.newBlock();
    samples.push(Number(process.hrtime.bigint() - t0));
    msgs = r.sent.n - before.n;
    bytes = r.sent.bytes - before.bytes;
  }
  samples.sort((a, b) => a - b);
  const ns = samples[3]!;
  // the byte count is inside the timing: it encodes every frame once more, as the socket would
  return {
    suite: 'proxy',
    name: `new prev hash → 1 000 device channels, ${grouped ? 'one group' : 'per channel'}`,
    nsPerOp: ns,
    opsPerSec: 1e9 / ns,
    extra: { messages: msgs, bytes },
  };
}

/** Bytes per device-hour: 120 templates (6 of them with a new block), 720 shares, acks per share batch. */
function deviceHour(): BenchResult[] {
  const TEMPLATES = 120;
  const BLOCKS = 6;
  const SHARES = 720;
  const BATCH = 10;
  const merklePath = Array.from({ length: 12 }, (_, i) => new Uint8Array(32).fill(i + 1));
  // mainnet-like coinbase around the extranonce: prefix ~ 42 + scriptSig head, suffix with 2 outputs + witness commitment
  const prefix = new Uint8Array(58).fill(1);
  const suffix = new Uint8Array(140).fill(2);
  const prevHash = new Uint8Array(32).fill(7);
  const ack = frameBytes('SubmitSharesSuccess', { channelId: 2, lastSequenceNumber: 100_000, newSubmitsAcceptedCount: BATCH, newSharesSum: 10_000n });

  const standard =
    TEMPLATES * frameBytes('NewMiningJob', { channelId: 2, jobId: 100_000, minNtime: 1_700_000_000, version: 0x20000000, merkleRoot: new Uint8Array(32) }) +
    BLOCKS * frameBytes('SetNewPrevHash', { channelId: 2, jobId: 100_000, prevHash, minNtime: 1_700_000_000, nbits: 0x1702c4e4 }) +
    SHARES * frameBytes('SubmitSharesStandard', { channelId: 2, sequenceNumber: 100_000, jobId: 100_000, nonce: 0xdeadbeef, ntime: 1_700_000_000, version: 0x20000000 }) +
    (SHARES / BATCH) * ack;
  const extended =
    TEMPLATES * frameBytes('NewExtendedMiningJob', { channelId: 2, jobId: 100_000, minNtime: 1_700_000_000, version: 0x20000000, versionRollingAllowed: true, merklePath, coinbaseTxPrefix: prefix, coinbaseTxSuffix: suffix }) +
    BLOCKS * frameBytes('SetNewPrevHash', { channelId: 2, jobId: 100_000, prevHash, minNtime: 1_700_000_000, nbits: 0x1702c4e4 }) +
    SHARES * frameBytes('SubmitSharesExtended', { channelId: 2, sequenceNumber: 100_000, jobId: 100_000, nonce: 0xdeadbeef, ntime: 1_700_000_000, version: 0x20000000, extranonce: new Uint8Array(6) }) +
    (SHARES / BATCH) * ack;
  const notify =
    Buffer.byteLength(
      buildNotify({
        jobId: '1a2b3c4d',
        prevHash,
        coinb1: prefix,
        coinb2: suffix,
        merkleBranches: merklePath,
        version: 0x20000000,
        nbits: 0x1702c4e4,
        ntime: 1_700_000_000,
        cleanJobs: false,
      }),
    );
  const submit = Buffer.byteLength(buildSubmit(4, { workerName: 'bc1qexampleworkeraddress.rig01', jobId: '1a2b3c4d', extranonce2: Uint8Array.of(1, 2, 3, 4), ntime: 1_700_000_000, nonce: 0xdeadbeef, versionBits: 0x00400000 }));
  const result = Buffer.byteLength(buildResult(4, true));
  // Sv1 answers every share (no batching) and announces every template as a notify
  const sv1 = TEMPLATES * notify + SHARES * (submit + result);
  const row = (name: string, bytes: number): BenchResult => ({ suite: 'proxy', name: `bytes per device-hour, ${name}`, nsPerOp: 0, opsPerSec: 0, extra: { bytes, vs_sv1: (sv1 / bytes).toFixed(2) } });
  return [row('Sv1 device via the translator (LAN side)', sv1), row('Sv2 standard channel via the proxy', standard), row('Sv2 extended channel via the proxy', extended)];
}

// per channel first: whichever runs first pays most of the JIT warm-up
const suite: Suite = () => [forwardedShare(), prevHashFanout(false), prevHashFanout(true), ...deviceHour()];
export default suite;
