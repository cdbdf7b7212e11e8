import { createConnection } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Protocol } from '../../../src/messages/common.js';
import type { AnyMessage } from '../../../src/messages/registry.js';
import { connect } from '../../../src/net/client.js';
import type { CloseInfo, Connection } from '../../../src/net/connection.js';
import { AuthorityKeyPair } from '../../../src/noise/authority-key.js';
import { ServerIdentity } from '../../../src/noise/server-identity.js';
import { DownstreamServer, SetupRefused, type Downstream, type DownstreamHandler } from '../../../src/roles/common/downstream-server.js';
import { silentLogger } from '../../../src/roles/common/logger.js';
import { RoleError } from '../../../src/roles/common/role-error.js';

const pair = AuthorityKeyPair.generate();

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** A handler that records what the server tells it and does what each message's name says. */
class Recorder implements DownstreamHandler<{ n: number }> {
  readonly protocol = Protocol.Mining;
  readonly messages: string[] = [];
  readonly closes: { id: number; setUp: boolean; info: CloseInfo }[] = [];
  readonly fatal: RoleError[] = [];
  refuseFlags = 0;
  setUp(_d: Downstream<{ n: number }>, s: { flags: number }) {
    if ((s.flags & this.refuseFlags) !== 0) throw new SetupRefused('unsupported-feature-flags', s.flags & this.refuseFlags);
    return { state: { n: 0 }, flags: 0b100 };
  }
  onMessage(d: Downstream<{ n: number }> & { state: { n: number } }, m: AnyMessage) {
    d.state.n++;
    this.messages.push(m.name);
    if (m.name === 'CloseChannel') {
      const kind = m.message.reasonCode;
      if (kind === 'log') throw new RoleError('SV2_ERR_TEST', 'only logged', 'log');
      if (kind === 'disconnect') throw new RoleError('SV2_ERR_TEST', 'cut off', 'disconnect');
      if (kind === 'shutdown') throw new RoleError('SV2_ERR_TEST', 'cannot go on', 'shutdown');
      if (kind === 'bug') throw new TypeError('a bug');
    }
  }
  onClose(d: Downstream<{ n: number }>, info: CloseInfo) {
    this.closes.push({ id: d.id, setUp: d.state !== undefined, info });
  }
  onFatal(e: RoleError) {
    this.fatal.push(e);
  }
}

function logCapture() {
  const lines: { level: string; msg: string }[] = [];
  const log = silentLogger();
  for (const level of ['debug', 'info', 'warn', 'error', 'fatal'] as const) {
    log[level] = ((_o: unknown, msg: string) => void lines.push({ level, msg })) as typeof log.info;
  }
  return { log, lines };
}

async function serve(handler: Recorder, opts: { identity?: ServerIdentity; setupTimeoutMs?: number } = {}) {
  const { log, lines } = logCapture();
  const server = await DownstreamServer.listen({ listeners: [{ address: '127.0.0.1:0', identity: opts.identity }], maxFramePayload: 4096, log, ...(opts.setupTimeoutMs && { setupTimeoutMs: opts.setupTimeoutMs }) }, handler);
  cleanup.push(() => server.close('test over'));
  return { server, lines, port: server.ports[0]! };
}

async function client(port: number): Promise<Connection> {
  const c = await connect({ host: '127.0.0.1', port, plaintext: true });
  cleanup.push(() => c.close('test over'));
  return c;
}

const next = (c: Connection) => new Promise<AnyMessage>((resolve) => c.once('message', resolve));
const closed = (c: Connection) => new Promise<CloseInfo>((resolve) => c.once('close', resolve));
const setup = (protocol: number, flags = 0, minVersion = 2, maxVersion = 2) => ({
  protocol, minVersion, maxVersion, flags, endpointHost: '127.0.0.1', endpointPort: 0, vendor: 'test', hardwareVersion: '', firmware: '', deviceId: '',
});

describe('DownstreamServer', () => {
  it('serves Noise with an identity and logs a failed handshake without stopping', async () => {
    const identity = ServerIdentity.create({ authority: pair, validitySeconds: 60 });
    const { port, lines } = await serve(new Recorder(), { identity });
    const quitter = createConnection({ host: '127.0.0.1', port }, () => quitter.end(new Uint8Array(10))); // leaves mid act 1
    await new Promise((resolve) => quitter.once('close', resolve));
    const c = await connect({ host: '127.0.0.1', port, authority: pair.publicKey.toString() });
    cleanup.push(() => c.close('test over'));
    expect(c.encrypted).toBe(true);
    await c.send('SetupConnection', setup(Protocol.Mining));
    expect((await next(c)).name).toBe('SetupConnectionSuccess');
    expect(lines.filter((l) => l.msg === 'handshake failed')).toHaveLength(1);
  });

  it('answers a setup of its protocol with the handler’s flags, then hands it every message', async () => {
    const h = new Recorder();
    const { server, port } = await serve(h);
    const c = await client(port);
    await c.send('SetupConnection', setup(Protocol.Mining));
    const ok = await next(c);
    expect(ok).toMatchObject({ name: 'SetupConnectionSuccess', message: { usedVersion: 2, flags: 0b100 } });
    await c.send('CloseChannel', { channelId: 1, reasonCode: 'fine' });
    await c.send('CloseChannel', { channelId: 2, reasonCode: 'log' }); // logged, the peer stays
    await c.send('CloseChannel', { channelId: 3, reasonCode: 'fine' });
    await expect.poll(() => h.messages.length).toBe(3);
    expect([...server.all()][0]!.state).toEqual({ n: 3 });
    expect(c.isOpen).toBe(true);
  });

  it.each([
    ['another protocol', setup(Protocol.TemplateDistribution), 'unsupported-protocol', 0],
    ['no common version', setup(Protocol.Mining, 0, 3, 4), 'protocol-version-mismatch', 0],
    ['a flag the role refuses', setup(Protocol.Mining, 0b11), 'unsupported-feature-flags', 0b10],
  ])('refuses %s with SetupConnection.Error, then cuts the peer', async (_what, s, errorCode, flags) => {
    const h = new Recorder();
    h.refuseFlags = 0b10;
    const { port } = await serve(h);
    const c = await client(port);
    const gone = closed(c);
    await c.send('SetupConnection', s);
    expect(await next(c)).toMatchObject({ name: 'SetupConnectionError', message: { errorCode, flags } });
    await gone;
    await expect.poll(() => h.closes).toEqual([expect.objectContaining({ setUp: false })]);
  });

  it('cuts a peer whose first message is not SetupConnection, and one that sends none in time', async () => {
    const h = new Recorder();
    const { port } = await serve(h, { setupTimeoutMs: 200 });
    const early = await client(port);
    const earlyGone = closed(early);
    await early.send('CloseChannel', { channelId: 1, reasonCode: 'x' });
    expect((await earlyGone).by).toBe('peer');
    const silent = await client(port);
    expect((await closed(silent)).by).toBe('peer');
    expect(h.messages).toEqual([]);
    await expect.poll(() => h.closes.map((c) => c.info.reason)).toEqual(['expected SetupConnection first, got CloseChannel', 'no SetupConnection in time']);
  });

  it.each([
    ['disconnect', 'warn', 'dropping downstream'],
    ['bug', 'error', 'bug handling a downstream message; dropping that downstream'],
    ['shutdown', 'fatal', 'cannot go on'],
  ])('carries out the action of an error (%s): that peer is cut, another carries on', async (kind, level, msg) => {
    const h = new Recorder();
    const { port, lines } = await serve(h);
    const bad = await client(port);
    const good = await client(port);
    for (const c of [bad, good]) {
      await c.send('SetupConnection', setup(Protocol.Mining));
      await next(c);
    }
    const gone = closed(bad);
    await bad.send('CloseChannel', { channelId: 1, reasonCode: kind });
    expect((await gone).by).toBe('peer');
    expect(lines).toContainEqual({ level, msg });
    expect(h.fatal.map((e) => e.code)).toEqual(kind === 'shutdown' ? ['SV2_ERR_TEST'] : []);
    await good.send('CloseChannel', { channelId: 1, reasonCode: 'fine' });
    await expect.poll(() => h.messages.length).toBe(2);
    expect(good.isOpen).toBe(true);
  });
});
