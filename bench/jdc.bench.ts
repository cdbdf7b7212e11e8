/**
 * JD client costs:
 * - a new tip → the new job on a device through the JD client, over loopback with real sockets
 *   and Noise (the embedded chain, our pool with its JDS, the JD client and one device in this
 *   process): from the moment the chain has the block to the device's SetNewPrevHash, and on to the
 *   pool's SetCustomMiningJob.Success for that template (the device mines it meanwhile);
 * - shares per JD client CPU-second, on its pure parts (device channels + declarator): a device
 *   share checked against the device's target and sent up on the accepted custom job.
 */
import { AuthorityKeyPair } from '../src/noise/authority-key.js';
import { concatBytes, encodeCompactSize } from '../src/bitcoin/bytes.js';
import { serializeOutputs } from '../src/bitcoin/tx.js';
import { EmbeddedTemplateSource } from '../src/chain/embedded-source.js';
import { solveTemplate } from '../src/chain/template-solver.js';
import { chainTip } from '../src/channels/chain-tip.js';
import { coinbaseTag } from '../src/channels/work.js';
import { MiningSetupFlags } from '../src/messages/mining.js';
import type { AnyMessage, Messages } from '../src/messages/index.js';
import { connect } from '../src/net/client.js';
import { DeviceChannels } from '../src/roles/common/device-channels.js';
import { startNode } from '../src/roles/common/embedded-node.js';
import { silentLogger } from '../src/roles/common/logger.js';
import { SourceTemplateFeed } from '../src/roles/common/template-feed.js';
import { loadJdcConfig } from '../src/roles/jd-client/config.js';
import { Declarator } from '../src/roles/jd-client/declarator.js';
import { JdClient } from '../src/roles/jd-client/jd-client.js';
import { poolWork, type JdcWork } from '../src/roles/jd-client/jobs.js';
import { loadPoolConfig } from '../src/roles/pool/config.js';
import { Pool } from '../src/roles/pool/pool.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BenchResult, Suite } from './harness.js';

const MAX = new Uint8Array(32).fill(0xff);
const PAYOUT = Uint8Array.from([0x00, 0x14, ...new Array(20).fill(0x33)]);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function newTipToDevice(): Promise<BenchResult[]> {
  const node = await startNode({ txPerSecond: 0.001 });
  node.generator!.generate(20);
  const authority = AuthorityKeyPair.generate();
  const keys = { authority_public_key: authority.publicKey.toString(), authority_secret_key: authority.secretToString() };
  const poolCfg = loadPoolConfig(undefined, {}, {
    ...keys,
    listen_address: '127.0.0.1:0',
    coinbase_reward_script: 'addr(bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080)',
    accounting_db: path.join(mkdtempSync(path.join(tmpdir(), 'sv2-bench-jdc-')), 'pool.sqlite'),
    template_provider_type: { Embedded: {} },
    jds: { listen_address: '127.0.0.1:0' },
  });
  const pool = await Pool.start({ config: poolCfg, feed: new SourceTemplateFeed(new EmbeddedTemplateSource(node.chain)), logger: silentLogger() });
  const jdcKeys = AuthorityKeyPair.generate();
  const settings = loadJdcConfig(undefined, {}, {
    listening_address: '127.0.0.1:0',
    authority_public_key: jdcKeys.publicKey.toString(),
    authority_secret_key: jdcKeys.secretToString(),
    coinbase_reward_script: `raw(0014${'44'.repeat(20)})`,
    tp_address: '127.0.0.1:1',
    upstreams: [{ authority_pubkey: authority.publicKey.toString(), pool_address: '127.0.0.1', pool_port: pool.port, jds_address: '127.0.0.1', jds_port: pool.jd!.port, user_identity: 'bench' }],
  });
  const jdc = await JdClient.start({ settings, feed: new SourceTemplateFeed(node.source), logger: silentLogger() });
  const device = await connect({ host: '127.0.0.1', port: jdc.port, authority: jdcKeys.publicKey.toString() });
  let onPrevHash: ((at: bigint) => void) | null = null;
  device.on('message', (m: AnyMessage) => {
    if (m.name === 'SetNewPrevHash') onPrevHash?.(process.hrtime.bigint());
  });
  await device.send('SetupConnection', { protocol: 0, minVersion: 2, maxVersion: 2, flags: MiningSetupFlags.RequiresStandardJobs, endpointHost: '127.0.0.1', endpointPort: 0, vendor: 'bench', hardwareVersion: '', firmware: '', deviceId: '' });
  const firstCustom = new Promise((r) => jdc.events.once('custom-job', r));
  await device.send('OpenStandardMiningChannel', { requestId: 1, userIdentity: 'rig', nominalHashRate: 1e3, maxTarget: MAX });
  await firstCustom;

  const toDevice: number[] = [];
  const toCustomJob: number[] = [];
  try {
    for (let round = 0; round < 40; round++) {
      const block = solveTemplate(await node.source.currentTemplate(), { payoutScript: PAYOUT, extranonce: Uint8Array.of(round, 1, 2, 3, 4, 5, 6, 7) })!;
      const seen = new Promise<bigint>((resolve) => (onPrevHash = resolve));
      const custom = new Promise<bigint>((resolve) => jdc.events.once('custom-job', () => resolve(process.hrtime.bigint())));
      const r = node.chain.submitBlock(block);
      const t0 = process.hrtime.bigint();
      if (!r.accepted) throw new Error(`bench block refused: ${r.reason}`);
      const t1 = await seen;
      const t2 = await custom;
      if (round >= 5) {
        toDevice.push(Number(t1 - t0) / 1e6);
        toCustomJob.push(Number(t2 - t0) / 1e6);
      }
    }
  } finally {
    await device.close();
    await jdc.close();
    await pool.close();
    await node.close();
  }
  const row = (name: string, ms: number[]): BenchResult => ({ suite: 'jdc', name, nsPerOp: median(ms) * 1e6, opsPerSec: 1e3 / median(ms), extra: { median_ms: median(ms).toFixed(3), max_ms: Math.max(...ms).toFixed(3) } });
  return [row('new tip → SetNewPrevHash on the device through the JDC', toDevice), row('new tip → pool took the custom job (declared)', toCustomJob)];
}

async function sharesPerCpuSecond(): Promise<BenchResult> {
  const last = new Map<string, { requestId: number }>();
  const link = { send: (name: string, message: unknown) => void last.set(name, message as { requestId: number }) };
  const d = new Declarator(link, 'bench', { mode: 'FULLTEMPLATE', deviceExtranonceSize: 8, answerTimeoutMs: 1e12, userIdentity: 'bench', epoch: 1 }, {
    action: (a) => {
      throw new Error(`no fallback expected: ${JSON.stringify(a)}`);
    },
    ready: () => {},
    transactions: () => Promise.resolve({ transactions: [], wtxids: [], excessData: new Uint8Array(32) }),
    answered: () => {},
  }, silentLogger());
  const feed = (name: string, message: unknown): void => void d.onMessage({ name, message, tlvs: [] } as unknown as AnyMessage, 0);
  const outputs = concatBytes(encodeCompactSize(1), serializeOutputs([{ value: 0n, script: PAYOUT }]));
  const token = (): void => feed('AllocateMiningJobTokenSuccess', { requestId: last.get('AllocateMiningJobToken')!.requestId, miningJobToken: Uint8Array.of(1), coinbaseTxOutputs: outputs });
  d.start(1e12, 0);
  token();
  feed('OpenExtendedMiningChannelSuccess', { requestId: last.get('OpenExtendedMiningChannel')!.requestId, channelId: 1, target: MAX, extranonceSize: 16, extranoncePrefix: new Uint8Array(4), groupChannelId: 0 });
  let jobId = 0;
  const devices = new DeviceChannels<JdcWork>(
    { sharesPerMinute: 6, shareBatchSize: 10, extranonceSize: 8, maxChannels: 65_536 },
    {
      send: (_c, name, message) => {
        if (name === 'NewMiningJob') jobId = (message as Messages['NewMiningJob']).jobId;
      },
      forward: (w, s, en, h, dev) => d.forward(w, s, en, h, dev),
      isLive: () => true,
    },
  );
  devices.addConnection(1, { requiresStandardJobs: true, peer: 'bench', vendor: 'bench' });
  devices.onMessage(1, { name: 'OpenStandardMiningChannel', message: { requestId: 1, userIdentity: 'rig', nominalHashRate: 0.001, maxTarget: MAX } }, 0);
  const basis = d.basis!;
  const merklePath = Array.from({ length: 12 }, (_, i) => new Uint8Array(32).fill(i + 1));
  let templateId = 0n;
  /** A new block: the template goes to the device, is declared, and the pool takes the custom job. */
  const newBlock = async (): Promise<void> => {
    const t: Messages['NewTemplate'] = { templateId: ++templateId, futureTemplate: true, version: 0x20000000, coinbaseTxVersion: 2, coinbasePrefix: Uint8Array.of(3, 1, 2, 3), coinbaseTxInputSequence: 0xffffffff, coinbaseTxValueRemaining: 5_000_000_000n, coinbaseTxOutputsCount: 0, coinbaseTxOutputs: new Uint8Array(), coinbaseTxLocktime: 0, merklePath };
    const work = poolWork(t, basis, { tag: coinbaseTag('', 'bench'), deviceExtranonceSize: 8 });
    devices.onWork(work);
    const prevHash = new Uint8Array(32).fill(Number(templateId & 0xffn));
    devices.onNewTip(templateId, chainTip(prevHash, 0x1702c4e4, 1_700_000_000)); // mainnet-like: no share is a block
    d.declare(work, { templateId, prevHash, headerTimestamp: 1_700_000_000, nbits: 0x1702c4e4, target: MAX }, 0);
    token();
    await new Promise((r) => setImmediate(r));
    feed('DeclareMiningJobSuccess', { requestId: last.get('DeclareMiningJob')!.requestId, newMiningJobToken: Uint8Array.of(2) });
    feed('SetCustomMiningJobSuccess', { channelId: 1, requestId: last.get('SetCustomMiningJob')!.requestId, jobId: Number(templateId) });
  };
  const channelId = devices.channelsOf(1)[0]!.channelId;
  const perRound = 10_000;
  const rates: number[] = [];
  let nonce = 0;
  for (let round = 0; round < 7; round++) {
    await newBlock();
    const before = d.shares.forwarded;
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < perRound; i++) {
      devices.onMessage(1, { name: 'SubmitSharesStandard', message: { channelId, sequenceNumber: i, jobId, nonce: nonce++, ntime: 1_700_000_000, version: 0x20000000 } }, 1_700_000_000_000);
    }
    const cpu = process.cpuUsage(cpu0);
    if (d.shares.forwarded - before !== perRound) throw new Error(`only ${d.shares.forwarded - before} of ${perRound} shares went up`);
    rates.push(perRound / ((cpu.user + cpu.system) / 1e6));
  }
  const r = median(rates);
  return { suite: 'jdc', name: 'device share checked and sent up on a custom job (per CPU-second)', nsPerOp: 1e9 / r, opsPerSec: r };
}

const suite: Suite = async () => [await sharesPerCpuSecond(), ...(await newTipToDevice())];
export default suite;
