/**
 * Translator costs:
 * - bytes on the wire per share and per job, Sv1 (what the miner's LAN carries) versus Sv2 (what
 *   goes to the pool) for the same work; Sv2 frames measured with encodeFrame plus the Noise
 *   transport's 22 + 16 bytes per frame (encrypted header, then one payload chunk with its MAC);
 * - translator CPU per 1 000 shares through the core (parse, rebuild header, checks, forward);
 * - many simulated Sv1 miners connected at once (a child process opens the sockets): time to get
 *   them all mining, memory per miner in the translator, and the time to fan a new block out.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { BenchResult, Suite } from './harness.js';
import { decodeFrame, encodeFrame } from '../src/messages/index.js';
import type { AnyMessage, MessageName, Messages } from '../src/messages/index.js';
import { silentLogger } from '../src/roles/common/logger.js';
import { TranslatorCore } from '../src/roles/translator/core.js';
import { startTranslator } from '../src/roles/translator/translator.js';
import type { TranslatorSettings } from '../src/roles/translator/config.js';
import type { UpstreamConnection } from '../src/roles/common/upstream-manager.js';
import {
  LineSplitter,
  buildAuthorize,
  buildResult,
  buildSubmit,
  buildSubscribe,
  difficultyToTarget,
  parseClientLine,
  parseServerLine,
} from '../src/sv1/index.js';
import type { Sv1Share } from '../src/sv1/index.js';

/** Noise NX transport: the 6-byte header is its own AEAD message (6 + 16), the payload another (+16). */
const NOISE_BYTES_PER_FRAME = 22 + 16;
const MINERS_WANTED = 10_000;
const MINERS_TIME_LIMIT_MS = 90_000;

const fixtures = JSON.parse(readFileSync(new URL('../test/data/sv1/real-shares.json', import.meta.url), 'utf8')) as Record<
  string,
  { notify: string; submit: string; extranonce1: string; extranonce2Size: number }
>;

function message<N extends MessageName>(name: N, value: Messages[N]): AnyMessage {
  return decodeFrame(encodeFrame(name, value));
}

// ---------------------------------------------------------------------------------------------
// Bytes on the wire
// ---------------------------------------------------------------------------------------------

function wireBytes(): BenchResult[] {
  const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');
  const sv2 = <N extends MessageName>(name: N, value: Messages[N]): number => encodeFrame(name, value).length + NOISE_BYTES_PER_FRAME;

  // one share: the Bitaxe share public-pool accepted (6 params, 50-char worker name)
  const shareFixture = fixtures.publicPoolBitaxeTestnet!;
  const submit = parseClientLine(shareFixture.submit);
  if (submit.type !== 'submit') throw new Error('fixture is not a submit');
  const sv1Share = bytes(buildSubmit(100, submit.share)) + bytes(buildResult(100, true));
  // the same share upstream: extranonce = translator's extranonce1 (2) + the miner's extranonce2
  const extended = sv2('SubmitSharesExtended', {
    channelId: 1,
    sequenceNumber: 100,
    jobId: 1,
    nonce: submit.share.nonce,
    ntime: submit.share.ntime,
    version: 0x20002000,
    extranonce: new Uint8Array(2 + shareFixture.extranonce2Size),
  });
  const standard = sv2('SubmitSharesStandard', { channelId: 1, sequenceNumber: 100, jobId: 1, nonce: 1, ntime: 1, version: 1 });
  const ack = sv2('SubmitSharesSuccess', { channelId: 1, lastSequenceNumber: 100, newSubmitsAcceptedCount: 10, newSharesSum: 5120n });

  // one job: a real 12-branch mainnet job (90 B coinb1, 155 B coinb2)
  const notify = parseServerLine(fixtures.espMinerNotifyMerkleRoot!.notify);
  if (notify.type !== 'notify') throw new Error('fixture is not a notify');
  const job = notify.job;
  const sv1Job = bytes(fixtures.espMinerNotifyMerkleRoot!.notify.replace(/\s/g, '')) + 1;
  const newJob = sv2('NewExtendedMiningJob', {
    channelId: 1,
    jobId: 1,
    minNtime: job.ntime,
    version: job.version,
    versionRollingAllowed: true,
    merklePath: job.merkleBranches,
    coinbaseTxPrefix: job.coinb1,
    coinbaseTxSuffix: job.coinb2,
  });
  const futureJob = sv2('NewExtendedMiningJob', {
    channelId: 1,
    jobId: 1,
    minNtime: null,
    version: job.version,
    versionRollingAllowed: true,
    merklePath: job.merkleBranches,
    coinbaseTxPrefix: job.coinb1,
    coinbaseTxSuffix: job.coinb2,
  });
  const prevHash = sv2('SetNewPrevHash', { channelId: 1, jobId: 1, prevHash: job.prevHash, minNtime: job.ntime, nbits: job.nbits });

  const row = (name: string, extra: Record<string, number | string>): BenchResult => ({ suite: 'translator', name, nsPerOp: 0, opsPerSec: 0, extra });
  return [
    row('wire bytes per share (submit + answer)', {
      sv1: sv1Share,
      sv2Extended: extended,
      sv2ExtendedAckEach: extended + ack,
      sv2ExtendedAckPer10: Math.round(extended + ack / 10),
      sv2Standard: standard,
    }),
    row('wire bytes per job (12 merkle branches)', {
      sv1Notify: sv1Job,
      sv2ExtendedJob: newJob,
      sv2NewBlock: futureJob + prevHash,
    }),
  ];
}

// ---------------------------------------------------------------------------------------------
// CPU per 1 000 shares through the core
// ---------------------------------------------------------------------------------------------

function corePerShare(): BenchResult {
  let sentBytes = 0;
  let forwarded = 0;
  const link = {
    send<N extends MessageName>(name: N, value: Messages[N]): void {
      sentBytes += encodeFrame(name, value).length; // the Sv2 encoding is part of the translator's work
      if (name === 'SubmitSharesExtended') forwarded++;
    },
  };
  const core = new TranslatorCore({
    aggregateChannels: true,
    extranonce2Size: 4,
    sharesPerMinute: 6,
    minIndividualMinerHashrate: 1e-3, // the difficulty floor, 2^-32: nearly every hash is a share, so every line is a full check
    enableVardiff: true, // no ticks: the difficulty stays at the floor
    jobKeepaliveIntervalSecs: 0,
    maxPastJobs: 16,
    logger: silentLogger(),
  });
  let answers = 0;
  const session = core.addMiner({ id: 1, remoteAddress: '', send: () => (answers++, true), kick: () => undefined });
  core.upstreamConnected(link, 'bench', 'bench');
  for (const line of [buildSubscribe(1, 'bench'), buildAuthorize(2, 'bench.w')]) core.minerMessage(session, parseClientLine(line));
  const open = 1;
  // upstream target 4 levels above the miner's: about one share in 4 goes up, as in the field
  core.upstreamMessage(message('OpenExtendedMiningChannelSuccess', { requestId: open, channelId: 1, target: difficultyToTarget(2 ** -30), extranonceSize: 8, extranoncePrefix: new Uint8Array(4), groupChannelId: 0 }));

  const job = parseServerLine(fixtures.espMinerNotifyMerkleRoot!.notify);
  if (job.type !== 'notify') throw new Error('fixture is not a notify');
  const SHARES = 1000;
  const ROUNDS = 12;
  const rounds: string[][] = [];
  for (let r = 0; r < ROUNDS; r++) {
    // prebuilt lines; the Sv1 job id is the one the core will give the next block
    const sv1JobId = (r + 1).toString(16);
    const lines: string[] = [];
    for (let i = 0; i < SHARES; i++) {
      const share: Sv1Share = { workerName: 'bench.w', jobId: sv1JobId, extranonce2: Uint8Array.of(0, 0, i >> 8, i & 255), ntime: job.job.ntime, nonce: (i * 2654435761) >>> 0, versionBits: null };
      lines.push(buildSubmit(100 + i, share));
    }
    rounds.push(lines);
  }
  const samples: number[] = [];
  let cpu = 0;
  for (let r = 0; r < ROUNDS; r++) {
    // a new block clears the duplicate memory, so every round checks 1 000 fresh shares
    const prev = new Uint8Array(32);
    prev[0] = r;
    core.upstreamMessage(
      message('NewExtendedMiningJob', { channelId: 1, jobId: 10 + r, minNtime: null, version: job.job.version, versionRollingAllowed: true, merklePath: job.job.merkleBranches, coinbaseTxPrefix: job.job.coinb1, coinbaseTxSuffix: job.job.coinb2 }),
    );
    core.upstreamMessage(message('SetNewPrevHash', { channelId: 1, jobId: 10 + r, prevHash: prev, minNtime: job.job.ntime, nbits: job.job.nbits }));
    const lines = rounds[r]!;
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (const line of lines) core.minerMessage(session, parseClientLine(line));
    samples.push(Number(process.hrtime.bigint() - t0));
    const c = process.cpuUsage(c0);
    if (r >= 2) cpu += c.user + c.system;
  }
  const measured = samples.slice(2).sort((a, b) => a - b);
  const median = measured[Math.floor(measured.length / 2)]!;
  if (session.stats.sharesAccepted < ROUNDS * SHARES * 0.999) throw new Error(`only ${session.stats.sharesAccepted} shares accepted`);
  return {
    suite: 'translator',
    name: 'core: 1 000 Sv1 shares (parse, header, checks, answer, forward)',
    nsPerOp: median,
    opsPerSec: 1e9 / median,
    extra: {
      'µs per share': +(median / SHARES / 1000).toFixed(2),
      'CPU ms per 1000 shares': +(cpu / 1000 / (ROUNDS - 2)).toFixed(1),
      forwardedShare: +(forwarded / (ROUNDS * SHARES)).toFixed(2),
      answers,
      sv2Bytes: sentBytes,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Many miners at once
// ---------------------------------------------------------------------------------------------

function gcNow(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

interface ChildReport {
  type: 'ready' | 'counting' | 'notified' | 'failed';
  count: number;
  ms: number;
  error?: string;
}

/** The translator with a pool in the same process (the Sv2 side is not what is measured here). */
async function translatorForMiners() {
  const settings: TranslatorSettings = {
    downstreamAddress: '127.0.0.1',
    downstreamPort: 0,
    minVersion: 2,
    maxVersion: 2,
    extranonce2Size: 4,
    aggregateChannels: true,
    upstreams: [{ host: 'pool', port: 1, authorityPubkey: 'x', userIdentity: 'bench' }],
    minIndividualMinerHashrate: 1e12,
    sharesPerMinute: 6,
    enableVardiff: true,
    jobKeepaliveIntervalSecs: 0,
    maxPastJobs: 16,
    monitoringAddress: null,
    perClientMetrics: false,
    // every bench miner comes from 127.0.0.1
    maxConnections: 0,
    maxConnectionsPerIp: 0,
    refusedHoldMs: 0,
    maxRefusedHeld: 1024,
    logFile: null,
    ignored: [],
  };
  const job = parseServerLine(fixtures.espMinerNotifyMerkleRoot!.notify);
  if (job.type !== 'notify') throw new Error('fixture is not a notify');
  let deliver: ((m: AnyMessage) => void) | null = null;
  let block = 0;
  const newBlock = (): void => {
    block++;
    const prev = new Uint8Array(32);
    prev[0] = block;
    deliver!(message('NewExtendedMiningJob', { channelId: 1, jobId: block, minNtime: null, version: job.job.version, versionRollingAllowed: true, merklePath: job.job.merkleBranches, coinbaseTxPrefix: job.job.coinb1, coinbaseTxSuffix: job.job.coinb2 }));
    deliver!(message('SetNewPrevHash', { channelId: 1, jobId: block, prevHash: prev, minNtime: job.job.ntime, nbits: job.job.nbits }));
  };
  const translator = await startTranslator({
    settings,
    connect: async (_endpoint, onMessage) => {
      deliver = onMessage;
      let end!: (reason: string) => void;
      const connection: UpstreamConnection = {
        closed: new Promise<string>((resolve) => (end = resolve)),
        close: (reason) => end(reason),
        send(name, value) {
          if (name === 'OpenExtendedMiningChannel') {
            const open = value as Messages['OpenExtendedMiningChannel'];
            queueMicrotask(() => {
              onMessage(message('OpenExtendedMiningChannelSuccess', { requestId: open.requestId, channelId: 1, target: difficultyToTarget(1), extranonceSize: 8, extranoncePrefix: new Uint8Array(4), groupChannelId: 0 }));
              newBlock();
            });
          }
        },
      };
      return connection;
    },
    sv1Limits: { idleTimeoutMs: 0 },
  });
  return { translator, newBlock };
}

async function manyMiners(count: number): Promise<BenchResult> {
  const { translator, newBlock } = await translatorForMiners();
  try {
    gcNow();
    const before = process.memoryUsage();
    // a separate process for the miners' sockets: each process has its own descriptor limit.
    // Reports come back as JSON lines on stdout; closing its stdin ends it (no signals: tsx relays them).
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
      env: { ...process.env, SV2_BENCH_CHILD: 'sv1-miners', SV2_BENCH_PORT: String(translator.sv1Port), SV2_BENCH_COUNT: String(count) },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const reports: ChildReport[] = [];
    const waiting: Array<(r: ChildReport) => void> = [];
    createInterface({ input: child.stdout }).on('line', (line) => {
      const report = JSON.parse(line) as ChildReport;
      const w = waiting.shift();
      if (w !== undefined) w(report);
      else reports.push(report);
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const next = (): Promise<ChildReport> =>
      Promise.race([
        reports.length > 0 ? Promise.resolve(reports.shift()!) : new Promise<ChildReport>((resolve) => waiting.push(resolve)),
        exited.then((code) => Promise.reject(new Error(`miners process exited (${code})`))),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer from the miners process within ${MINERS_TIME_LIMIT_MS} ms`)), MINERS_TIME_LIMIT_MS).unref()),
      ]);
    try {
      const ready = await next();
      if (ready.type !== 'ready') throw new Error(ready.error ?? 'miners failed');
      gcNow();
      const after = process.memoryUsage();
      const connected = translator.core.minerCount;
      child.stdin.write('count\n');
      if ((await next()).type !== 'counting') throw new Error('miners process did not start counting');
      const t1 = Date.now();
      newBlock();
      const fanout = await next();
      const fanoutMs = Date.now() - t1;
      return {
        suite: 'translator',
        name: `${connected} Sv1 miners connected at once`,
        nsPerOp: (ready.ms * 1e6) / count,
        opsPerSec: count / (ready.ms / 1000),
        extra: {
          miners: connected,
          'ms until all mining': ready.ms,
          'heap+external bytes per miner': Math.round((after.heapUsed + after.external - before.heapUsed - before.external) / connected),
          'rss bytes per miner': Math.round((after.rss - before.rss) / connected),
          'ms to fan a new block out to all': fanoutMs,
          notified: fanout.count,
        },
      };
    } finally {
      child.stdin.end();
      await exited;
    }
  } finally {
    await translator.close();
  }
}

/** Runs in the child: `count` sockets doing subscribe + authorize; reports when every one has a job. */
async function minersChild(): Promise<void> {
  const port = Number(process.env.SV2_BENCH_PORT);
  const count = Number(process.env.SV2_BENCH_COUNT);
  const t0 = Date.now();
  const notified = new Uint8Array(count);
  let firstJobs = 0;
  let counting = false;
  let counted = 0;
  const sockets: Socket[] = [];
  const open = (i: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port });
      const splitter = new LineSplitter();
      socket.once('connect', () => {
        socket.write(buildSubscribe(1, 'bench-miner/1.0') + buildAuthorize(2, `bench.m${i}`));
        resolve();
      });
      socket.once('error', reject);
      socket.on('data', (chunk: Buffer) => {
        for (const line of splitter.push(chunk)) {
          if (!line.includes('"mining.notify"')) continue;
          if (notified[i] === 0) {
            notified[i] = 1;
            if (++firstJobs === count) report({ type: 'ready', count, ms: Date.now() - t0 });
          } else if (counting && notified[i] === 1) {
            notified[i] = 2;
            if (++counted === count) report({ type: 'notified', count, ms: 0 });
          }
        }
      });
      sockets.push(socket);
    });
  const report = (r: ChildReport): void => void process.stdout.write(JSON.stringify(r) + '\n');
  createInterface({ input: process.stdin })
    .on('line', (line) => {
      if (line !== 'count') return;
      counting = true;
      report({ type: 'counting', count, ms: 0 });
    })
    .on('close', () => process.exit(0));
  try {
    for (let i = 0; i < count; i += 250) {
      const batch: Promise<void>[] = [];
      for (let j = i; j < Math.min(count, i + 250); j++) batch.push(open(j));
      await Promise.all(batch);
    }
  } catch (error) {
    report({ type: 'failed', count: sockets.length, ms: Date.now() - t0, error: (error as Error).message });
  }
}

const suite: Suite = async () => {
  const results = [...wireBytes(), corePerShare()];
  // the largest number of simultaneous miners this machine allows, from 10 000 down
  for (let count = MINERS_WANTED; count >= 500; count = Math.floor(count / 2)) {
    try {
      results.push(await manyMiners(count));
      break;
    } catch (error) {
      console.error(`translator bench: ${count} miners failed: ${(error as Error).message}`);
    }
  }
  return results;
};

if (process.env.SV2_BENCH_CHILD === 'sv1-miners') await minersChild();

export default suite;
