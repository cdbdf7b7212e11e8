import { connect } from '../../src/net/client.js';
import type { Connection } from '../../src/net/connection.js';
import type { AnyMessage, MessageName, Messages } from '../../src/messages/index.js';
import { ClientChannel } from '../../src/channels/client-channel.js';

type Of<N extends MessageName> = Extract<AnyMessage, { name: N }>;

/**
 * A scripted Sv2 peer for tests: our real connection, with a queue so a test can await the next
 * message (or the next of a kind) instead of sleeping.
 */
export class TestClient {
  private readonly queue: AnyMessage[] = [];
  private waiter: (() => void) | undefined;

  private constructor(readonly conn: Connection) {
    conn.on('message', (m) => {
      this.queue.push(m);
      this.waiter?.();
    });
    conn.on('close', () => this.waiter?.());
  }

  /** `from`: the local address to connect from (another loopback address is another peer). */
  static async connect(port: number, authority: string | null, from?: string): Promise<TestClient> {
    return new TestClient(await connect({ host: '127.0.0.1', port, authority, ...(from !== undefined && { localAddress: from }) }));
  }

  send<N extends MessageName>(name: N, message: Messages[N]): Promise<void> {
    return this.conn.send(name, message);
  }

  /** The next message; with `name`, the next of that kind (others before it are dropped). */
  async next<N extends MessageName>(name?: N, timeoutMs = 10_000): Promise<Of<N>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.queue.length > 0) {
        const m = this.queue.shift()!;
        if (name === undefined || m.name === name) return m as Of<N>;
      }
      if (!this.conn.isOpen) throw new Error(`connection closed while waiting for ${name ?? 'a message'}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${name ?? 'a message'}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(t);
          this.waiter = undefined;
          resolve();
        };
      });
    }
  }

  async setup(flags: number): Promise<AnyMessage> {
    await this.send('SetupConnection', {
      protocol: 0, minVersion: 2, maxVersion: 2, flags, endpointHost: '127.0.0.1', endpointPort: 0,
      vendor: 'test', hardwareVersion: '', firmware: '', deviceId: '',
    });
    return this.next();
  }

  async openStandard(user: string, nominalHashRate: number, requestId = 1): Promise<ClientChannel> {
    await this.send('OpenStandardMiningChannel', { requestId, userIdentity: user, nominalHashRate, maxTarget: new Uint8Array(32).fill(0xff) });
    const ok = await this.next('OpenStandardMiningChannelSuccess');
    const ch = new ClientChannel({ channelId: ok.message.channelId, extranoncePrefix: ok.message.extranoncePrefix, target: ok.message.target });
    ch.onNewMiningJob((await this.next('NewMiningJob')).message);
    ch.onSetNewPrevHash((await this.next('SetNewPrevHash')).message);
    return ch;
  }

  async openExtended(user: string, nominalHashRate: number, minExtranonceSize: number, requestId = 1): Promise<ClientChannel> {
    await this.send('OpenExtendedMiningChannel', { requestId, userIdentity: user, nominalHashRate, maxTarget: new Uint8Array(32).fill(0xff), minExtranonceSize });
    const ok = await this.next('OpenExtendedMiningChannelSuccess');
    const ch = new ClientChannel({
      channelId: ok.message.channelId, extranoncePrefix: ok.message.extranoncePrefix, extranonceSize: ok.message.extranonceSize, target: ok.message.target,
    });
    ch.onNewExtendedMiningJob((await this.next('NewExtendedMiningJob')).message);
    ch.onSetNewPrevHash((await this.next('SetNewPrevHash')).message);
    return ch;
  }

  close(): Promise<unknown> {
    return this.conn.close();
  }
}

/** Nonces on the channel's active job until `accept(hash-check)` says yes. */
export function grind(ch: ClientChannel, accept: (c: { meetsTarget: boolean; isBlock: boolean }) => boolean, extranonce?: Uint8Array, from = 0) {
  const job = ch.activeJob!;
  for (let nonce = from; nonce < from + 100_000; nonce++) {
    const fields = { nonce, ntime: ch.tip!.minNtime, version: job.version, extranonce };
    const check = ch.checkShare(job.jobId, fields);
    if (typeof check === 'string') throw new Error(`the client's own check refuses the share: ${check}`);
    if (accept(check)) return { jobId: job.jobId, ...fields, check };
  }
  throw new Error('no nonce in 100 000 gave the share wanted');
}
