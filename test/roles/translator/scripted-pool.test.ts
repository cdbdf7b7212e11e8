/**
 * Pool behaviour our own pool does not produce on demand (Reconnect, ChannelEndpointChanged,
 * refusals), from a scripted Sv2 server built on the project's real transport (Noise NX server,
 * typed messages). The translator and its miners run for real.
 */
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { AnyMessage, MessageName, Messages } from '../../../src/messages/index.js';
import { Sv2Server } from '../../../src/net/index.js';
import type { Connection } from '../../../src/net/index.js';
import { AuthorityKeyPair } from '../../../src/noise/authority-key.js';
import { ServerIdentity } from '../../../src/noise/server-identity.js';
import type { RunningTranslator } from '../../../src/roles/translator/translator.js';
import { bytesToHex, difficultyToTarget } from '../../../src/sv1/index.js';
import { SocketMiner } from '../../support/sv1-socket-miner.js';
import { startTestTranslator } from '../../support/translator-stack.js';
import { sampleJob } from '../../support/translator.js';

const authority = AuthorityKeyPair.generate();
const MINER_TARGET = difficultyToTarget(2 ** -24);

interface Script {
  /** answer to SetupConnection; default Success */
  setup?: 'success' | 'error';
  /** answer to OpenExtendedMiningChannel; default Success */
  open?: 'success' | 'error';
  /** the channel's extranonce prefix (tells pools apart in coinb1) */
  prefix: Uint8Array;
}

/** A pool that follows a script, recording what it receives. */
class ScriptedPool {
  readonly received: AnyMessage[] = [];
  readonly connections: Connection[] = [];
  private constructor(
    readonly server: Sv2Server,
    private readonly script: Script,
  ) {
    server.on('connection', (conn) => {
      this.connections.push(conn);
      conn.on('message', (m) => this.onMessage(conn, m));
    });
  }

  static async start(script: Script): Promise<ScriptedPool> {
    const server = await Sv2Server.listen({ port: 0, identity: ServerIdentity.create({ authority }) });
    return new ScriptedPool(server, script);
  }

  get port(): number {
    return this.server.port;
  }

  send<N extends MessageName>(name: N, message: Messages[N]): Promise<void> {
    return this.connections.at(-1)!.send(name, message);
  }

  private onMessage(conn: Connection, m: AnyMessage): void {
    this.received.push(m);
    const reply = <N extends MessageName>(name: N, message: Messages[N]): void => void conn.send(name, message).catch(() => undefined);
    switch (m.name) {
      case 'SetupConnection':
        if (this.script.setup === 'error') reply('SetupConnectionError', { flags: 0, errorCode: 'unsupported-protocol' });
        else reply('SetupConnectionSuccess', { usedVersion: 2, flags: 0 });
        return;
      case 'OpenExtendedMiningChannel':
        if (this.script.open === 'error') {
          reply('OpenMiningChannelError', { requestId: m.message.requestId, errorCode: 'unknown-user' });
          return;
        }
        reply('OpenExtendedMiningChannelSuccess', {
          requestId: m.message.requestId,
          channelId: 1,
          target: difficultyToTarget(2 ** -22),
          extranonceSize: m.message.minExtranonceSize,
          extranoncePrefix: this.script.prefix,
          groupChannelId: 0,
        });
        reply('NewExtendedMiningJob', sampleJob(1, 1, null));
        reply('SetNewPrevHash', { channelId: 1, jobId: 1, prevHash: new Uint8Array(32).fill(this.script.prefix[0]!), minNtime: Math.floor(Date.now() / 1000), nbits: 0x1d00ffff });
        return;
      case 'SubmitSharesExtended':
        reply('SubmitSharesSuccess', { channelId: m.message.channelId, lastSequenceNumber: m.message.sequenceNumber, newSubmitsAcceptedCount: 1, newSharesSum: 1n });
        return;
      default:
    }
  }

  async close(): Promise<void> {
    await this.server.close();
  }
}

/** Submits shares until one goes to the pool and is acknowledged. */
async function forwardOne(miner: SocketMiner, translator: RunningTranslator): Promise<void> {
  const acked = once(translator.core.events, 'upstream-accepted');
  const before = translator.core.totals.sharesForwarded;
  for (let i = 0; i < 2000 && translator.core.totals.sharesForwarded === before; i++) {
    expect((await miner.submit(miner.model.findShare(MINER_TARGET).line)).type).toBe('share-accepted');
  }
  await acked;
}

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function translatorFor(...pools: ScriptedPool[]): Promise<RunningTranslator> {
  const t = await startTestTranslator(pools.map((p) => ({ port: p.port, authority })));
  cleanup.push(() => t.close());
  return t;
}

async function scripted(script: Script): Promise<ScriptedPool> {
  const p = await ScriptedPool.start(script);
  cleanup.push(() => p.close());
  return p;
}

/** The pool granted exactly the space asked for (no pad), so coinb1 ends with its prefix. */
const coinb1Ends = (miner: SocketMiner, prefix: Uint8Array): boolean => bytesToHex(miner.model.job.coinb1).endsWith(bytesToHex(prefix));

describe('translator against a scripted pool', () => {
  it('ChannelEndpointChanged: logged and counted; the channel keeps working', async () => {
    const pool = await scripted({ prefix: Uint8Array.of(0xa1) });
    const translator = await translatorFor(pool);
    const miner = await SocketMiner.connect(translator.sv1Port);
    cleanup.push(async () => miner.close());
    await miner.until('job');
    await pool.send('ChannelEndpointChanged', { channelId: 1 });
    await forwardOne(miner, translator);
    expect(translator.core.totals.endpointChanges).toBe(1);
    expect(translator.upstreams.status()).toMatchObject({ connected: true, connections: 1 });
  });

  it('Reconnect: the translator moves to the named port (same authority) and its miners follow without reconnecting', async () => {
    const first = await scripted({ prefix: Uint8Array.of(0xb1) });
    const second = await scripted({ prefix: Uint8Array.of(0xb2) });
    const translator = await translatorFor(first);
    const miner = await SocketMiner.connect(translator.sv1Port);
    cleanup.push(async () => miner.close());
    await miner.until('job');
    expect(coinb1Ends(miner, Uint8Array.of(0xb1))).toBe(true);
    await forwardOne(miner, translator);

    const reopened = once(translator.core.events, 'channel-opened');
    await first.send('Reconnect', { newHost: '', newPort: second.port });
    await reopened;
    await miner.until('job', (e) => e.job.cleanJobs && e.job.prevHash[0] === 0xb2);
    expect(translator.upstreams.status()).toMatchObject({ connected: true, address: `127.0.0.1:${second.port}`, index: 0, connections: 2 });
    await forwardOne(miner, translator);
    expect(second.received.filter((m) => m.name === 'SubmitSharesExtended')).toHaveLength(1);
    expect(miner.isClosed).toBe(false);
  });

  it('a pool that refuses SetupConnection or the channel is skipped for the next upstream', async () => {
    const refusesSetup = await scripted({ setup: 'error', prefix: Uint8Array.of(0xc1) });
    const refusesChannel = await scripted({ open: 'error', prefix: Uint8Array.of(0xc2) });
    const good = await scripted({ prefix: Uint8Array.of(0xc3) });
    const translator = await translatorFor(refusesSetup, refusesChannel, good);
    const miner = await SocketMiner.connect(translator.sv1Port);
    cleanup.push(async () => miner.close());
    await miner.until('job', (e) => e.job.prevHash[0] === 0xc3);
    expect(translator.upstreams.status()).toMatchObject({ connected: true, index: 2 });
    expect(refusesChannel.received.map((m) => m.name)).toEqual(['SetupConnection', 'OpenExtendedMiningChannel']);
    expect(refusesChannel.received[0]!.message).toMatchObject({ protocol: 0, flags: 0x4, minVersion: 2, maxVersion: 2 });
    await forwardOne(miner, translator);
  });

  it('a pool presenting a certificate from another authority is never used', async () => {
    const impostor = await Sv2Server.listen({ port: 0, identity: ServerIdentity.create({ authority: AuthorityKeyPair.generate() }) });
    cleanup.push(() => impostor.close());
    const good = await scripted({ prefix: Uint8Array.of(0xd1) });
    const translator = await startTestTranslator([
      { port: impostor.port, authority },
      { port: good.port, authority },
    ]);
    cleanup.push(() => translator.close());
    const miner = await SocketMiner.connect(translator.sv1Port);
    cleanup.push(async () => miner.close());
    await miner.until('job', (e) => e.job.prevHash[0] === 0xd1);
    expect(translator.upstreams.status().last_error).toMatch(/certificate|authority|signature/i);
    expect(good.received[0]!.name).toBe('SetupConnection');
  });
});
