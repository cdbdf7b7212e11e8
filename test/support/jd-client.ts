/**
 * A small JD client for tests, from the library's own pieces: a Job Declaration connection to the
 * pool's JDS and a Mining connection with REQUIRES_WORK_SELECTION and one extended channel. It
 * builds its coinbase from a template of its choosing (the pool's outputs first, funded), declares
 * it, answers ProvideMissingTransactions from its own transactions, and sets the custom job.
 */
import { ClientChannel } from '../../src/channels/client-channel.js';
import { customJobCoinbase, workFromTemplate, type Work } from '../../src/channels/work.js';
import { ByteReader } from '../../src/bitcoin/bytes.js';
import type { TxOut } from '../../src/bitcoin/tx.js';
import { finishTemplate, type BlockTemplate, type TemplateCandidate } from '../../src/chain/template.js';
import { newTemplateMessage } from '../../src/chain/tdp.js';
import { Protocol } from '../../src/messages/common.js';
import { JobDeclarationSetupFlags } from '../../src/messages/job-declaration.js';
import { MiningSetupFlags } from '../../src/messages/mining.js';
import type { AnyMessage, Messages } from '../../src/messages/registry.js';
import { TestClient } from './sv2-test-client.js';

export interface JdJob {
  template: BlockTemplate;
  work: Work;
  declare: Messages['DeclareMiningJob'];
}

function parseOutputVector(bytes: Uint8Array): TxOut[] {
  const r = new ByteReader(bytes);
  const out: TxOut[] = [];
  for (let i = r.compactSize(); i > 0; i--) out.push({ value: r.u64(), script: r.varBytes().slice() });
  return out;
}

export async function setupJd(c: TestClient, flags: number): Promise<AnyMessage> {
  await c.send('SetupConnection', {
    protocol: Protocol.JobDeclaration, minVersion: 2, maxVersion: 2, flags, endpointHost: '127.0.0.1', endpointPort: 0,
    vendor: 'test-jdc', hardwareVersion: '', firmware: '', deviceId: '',
  });
  return c.next();
}

export class TestJdClient {
  private nextRequest = 1;

  private constructor(
    readonly jds: TestClient,
    readonly mining: TestClient,
    readonly channel: ClientChannel,
    readonly extranonceSize: number,
  ) {}

  /** Connects to both listeners of the pool and opens one extended channel on the Mining side. */
  static async connect(o: { jdsPort: number; poolPort: number; authority: string; jdFlags?: number; user?: string; hashrate?: number }): Promise<TestJdClient> {
    const jds = await TestClient.connect(o.jdsPort, o.authority);
    const setup = await setupJd(jds, o.jdFlags ?? JobDeclarationSetupFlags.DeclareTxData);
    if (setup.name !== 'SetupConnectionSuccess') throw new Error(`JDS refused the setup: ${JSON.stringify(setup.message)}`);
    const mining = await TestClient.connect(o.poolPort, o.authority);
    const ms = await mining.setup(MiningSetupFlags.RequiresWorkSelection | MiningSetupFlags.RequiresVersionRolling);
    if (ms.name !== 'SetupConnectionSuccess') throw new Error(`pool refused the setup: ${JSON.stringify(ms.message)}`);
    await mining.send('OpenExtendedMiningChannel', { requestId: 1, userIdentity: o.user ?? 'jdc', nominalHashRate: o.hashrate ?? 1e3, maxTarget: new Uint8Array(32).fill(0xff), minExtranonceSize: 8 });
    const ok = (await mining.next('OpenExtendedMiningChannelSuccess')).message;
    const channel = new ClientChannel({ channelId: ok.channelId, extranoncePrefix: ok.extranoncePrefix, extranonceSize: ok.extranonceSize, target: ok.target });
    return new TestJdClient(jds, mining, channel, ok.extranoncePrefix.length + ok.extranonceSize);
  }

  async allocate(user = 'jdc'): Promise<{ token: Uint8Array; required: TxOut[] }> {
    const requestId = this.nextRequest++;
    await this.jds.send('AllocateMiningJobToken', { userIdentifier: user, requestId });
    const m = (await this.jds.next('AllocateMiningJobTokenSuccess')).message;
    if (m.requestId !== requestId) throw new Error('answer to another request');
    return { token: m.miningJobToken, required: parseOutputVector(m.coinbaseTxOutputs) };
  }

  /**
   * The client's job on a candidate of its choosing: `outputs` default to the pool's required
   * outputs as told, the first (the pool payout) funded with what the others leave.
   */
  build(candidate: TemplateCandidate, required: TxOut[], token: Uint8Array, outputs?: (value: bigint) => TxOut[]): JdJob {
    const template = finishTemplate(candidate, { maxAdditionalSize: 200, maxAdditionalSigops: 400 }, 1n);
    const others = required.slice(1).reduce((s, o) => s + o.value, 0n);
    const own = outputs?.(template.coinbaseValue) ?? required.map((o, i) => ({ value: i === 0 ? template.coinbaseValue - others : o.value, script: o.script }));
    const work = workFromTemplate(newTemplateMessage(template, false), { outputs: own, tag: new TextEncoder().encode('test-jdc'), fullExtranonceSize: this.extranonceSize });
    const declare: Messages['DeclareMiningJob'] = {
      requestId: this.nextRequest++,
      miningJobToken: token,
      version: template.version,
      coinbaseTxPrefix: work.coinbase.prefix,
      coinbaseTxSuffix: work.coinbase.suffix,
      wtxidList: template.transactions.map((t) => t.wtxid),
      excessData: new Uint8Array(32),
    };
    return { template, work, declare };
  }

  /** Declares the job; ProvideMissingTransactions is answered from the job's own transactions. Resolves with the JDS's last answer. */
  async declare(job: JdJob, onAsked?: (positions: number[]) => void): Promise<AnyMessage> {
    await this.jds.send('DeclareMiningJob', job.declare);
    for (;;) {
      const m = await this.jds.next();
      if (m.name === 'ProvideMissingTransactions') {
        onAsked?.(m.message.unknownTxPositionList);
        await this.jds.send('ProvideMissingTransactionsSuccess', {
          requestId: m.message.requestId,
          transactionList: m.message.unknownTxPositionList.map((i) => job.template.transactions[i]!.data),
        });
        continue;
      }
      if (m.name === 'DeclareMiningJobSuccess' || m.name === 'DeclareMiningJobError') return m;
    }
  }

  /** SetCustomMiningJob for the job; on success the channel gets it as its active job. */
  async setCustomJob(job: JdJob, token: Uint8Array, over: Partial<Messages['SetCustomMiningJob']> = {}): Promise<AnyMessage> {
    const t = job.template;
    const m: Messages['SetCustomMiningJob'] = {
      channelId: this.channel.channelId,
      requestId: this.nextRequest++,
      miningJobToken: token,
      prevHash: t.prevHash,
      minNtime: t.time,
      nbits: t.bits,
      ...customJobCoinbase(job.work),
      ...over,
    };
    await this.mining.send('SetCustomMiningJob', m);
    const answer = await this.mining.next();
    if (answer.name === 'SetCustomMiningJobSuccess') {
      const c = job.work.coinbase;
      this.channel.onNewExtendedMiningJob({
        channelId: m.channelId, jobId: answer.message.jobId, minNtime: null, version: m.version, versionRollingAllowed: true,
        merklePath: m.merklePath, coinbaseTxPrefix: c.strippedPrefix, coinbaseTxSuffix: c.strippedSuffix,
      });
      this.channel.onSetNewPrevHash({ channelId: m.channelId, jobId: answer.message.jobId, prevHash: m.prevHash, minNtime: m.minNtime, nbits: m.nbits });
    }
    return answer;
  }

  async close(): Promise<void> {
    await Promise.all([this.jds.close(), this.mining.close()]);
  }
}
