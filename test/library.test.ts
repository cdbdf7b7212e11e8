// The package as a library user imports it: by its name, through package.json `exports`, from the build.
import { describe, expect, it } from 'vitest';
import * as lib from 'stratum-v2';
import * as messages from 'stratum-v2/messages';
import * as portable from 'stratum-v2/portable';

describe('the library façade', () => {
  it('opens an encrypted Connection with nothing but the package root', async () => {
    const authority = lib.noise.AuthorityKeyPair.generate();
    const server = await lib.net.Sv2Server.listen({ port: 0, identity: lib.noise.ServerIdentity.create({ authority }) });
    const accepted = new Promise<InstanceType<typeof lib.net.Connection>>((resolve) => server.once('connection', resolve));
    const client = await lib.net.connect({ host: '127.0.0.1', port: server.port, authority: authority.publicKey.toString() });
    const peer = await accepted;
    const got = new Promise<unknown>((resolve) => peer.once('message', resolve));
    await client.send('SetupConnection', { protocol: lib.messages.Protocol.Mining, minVersion: 2, maxVersion: 2, flags: 0, endpointHost: '', endpointPort: 0, vendor: 'lib', hardwareVersion: '', firmware: '', deviceId: '' });
    expect(await got).toMatchObject({ name: 'SetupConnection', message: { vendor: 'lib' } });
    expect(client.encrypted).toBe(true);
    await client.close('done');
    await server.close('done');
  });

  it('offers each layer on its own path, the runtime-neutral ones without the transport', () => {
    const frame = messages.encodeFrame('SetupConnectionSuccess', { usedVersion: 2, flags: 5 });
    expect(messages.decodeFrame(frame)).toMatchObject({ name: 'SetupConnectionSuccess', message: { flags: 5 } });
    expect(portable).not.toHaveProperty('net');
    expect(Object.keys(portable).sort()).toEqual(['Sv2Error', 'bitcoin', 'chain', 'channels', 'codec', 'framing', 'messages', 'noise', 'sv1']);
  });

  it('raises errors of one root with SV2_ERR_ codes', () => {
    let caught: unknown;
    try {
      lib.messages.decodeFrame(Uint8Array.of(0, 0, 0, 9, 0, 0));
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(lib.Sv2Error);
    expect(caught).toMatchObject({ code: 'SV2_ERR_DECODE', reason: expect.any(String) });
  });
});
