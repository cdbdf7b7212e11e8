/** Shared by the soak's honest miners and attackers: an Sv2 mining client that opens standard channels. */
import { ClientChannel } from '../../src/channels/client-channel.js';
import { MiningSetupFlags } from '../../src/messages/mining.js';
import { connect } from '../../src/net/client.js';
import type { Connection } from '../../src/net/connection.js';

export const now = (): number => performance.now();

export interface Peer {
  conn: Connection;
  channels: ClientChannel[];
}

/** Connects, sets up, and opens `channels` standard channels at the easiest target; resolves once each has a job. */
/** Attackers connect from their own loopback address, as they would from their own host. */
export const ATTACKER_ADDRESS = '127.0.0.2';

export async function openPeer(port: number, authority: string, channels: number, user: string, localAddress?: string): Promise<Peer> {
  const conn = await connect({ host: '127.0.0.1', port, authority, ...(localAddress !== undefined && { localAddress }) });
  const byId = new Map<number, ClientChannel>();
  const waiting = new Map<number, (c: ClientChannel) => void>();
  conn.on('message', (m) => {
    if (m.name === 'OpenStandardMiningChannelSuccess') {
      const c = new ClientChannel({ channelId: m.message.channelId, extranoncePrefix: m.message.extranoncePrefix, target: m.message.target });
      byId.set(c.channelId, c);
      waiting.get(m.message.requestId)?.(c);
    } else if (m.name === 'NewMiningJob') byId.get(m.message.channelId)?.onNewMiningJob(m.message);
    else if (m.name === 'SetNewPrevHash') byId.get(m.message.channelId)?.onSetNewPrevHash(m.message);
  });
  await conn.send('SetupConnection', {
    protocol: 0, minVersion: 2, maxVersion: 2, flags: MiningSetupFlags.RequiresStandardJobs, endpointHost: '', endpointPort: port,
    vendor: 'soak', hardwareVersion: '', firmware: '', deviceId: '',
  });
  const opened = await Promise.all(
    Array.from({ length: channels }, (_, k) =>
      new Promise<ClientChannel>((resolve) => {
        waiting.set(k, resolve);
        void conn.send('OpenStandardMiningChannel', { requestId: k, userIdentity: `${user}.${k}`, nominalHashRate: 0.001, maxTarget: new Uint8Array(32).fill(0xff) });
      }),
    ),
  );
  // A job and a tip arrive right after each Success, on the same connection.
  await new Promise<void>((resolve) => {
    const check = (): void => (opened.every((c) => c.activeJob !== null && c.tip !== null) ? resolve() : void setImmediate(check));
    check();
  });
  return { conn, channels: opened };
}
