/**
 * Miners for the pool benchmark, in their own process so the pool's CPU is measured alone.
 * argv: <port> <authority> <mode> <connections> <channelsPerConnection> [seconds]
 *   load:   every channel submits shares (easiest target, no hashing) for `seconds`, with a
 *           bounded number in flight; prints {acked, sent}.
 *   listen: opens the channels, prints "ready", then prints the receive time of the last
 *           SetNewPrevHash of the next new tip (absolute ms).
 */
import { ClientChannel } from '../src/channels/client-channel.js';
import { MiningSetupFlags } from '../src/messages/mining.js';
import { connect } from '../src/net/client.js';
import type { Connection } from '../src/net/connection.js';

const [portArg, authority, mode, connsArg, perConnArg, secondsArg] = process.argv.slice(2);
const port = Number(portArg);
const conns = Number(connsArg);
const perConn = Number(perConnArg);
const seconds = Number(secondsArg ?? 3);
const now = (): number => performance.timeOrigin + performance.now();

interface Ch {
  conn: Connection;
  ch: ClientChannel;
}

async function open(): Promise<Ch[]> {
  const out: Ch[] = [];
  for (let i = 0; i < conns; i++) {
    const conn = await connect({ host: '127.0.0.1', port, authority: authority! });
    const pending = new Map<number, (c: ClientChannel) => void>();
    const byId = new Map<number, ClientChannel>();
    conn.on('message', (m) => {
      if (m.name === 'OpenStandardMiningChannelSuccess') {
        const c = new ClientChannel({ channelId: m.message.channelId, extranoncePrefix: m.message.extranoncePrefix, target: m.message.target });
        byId.set(c.channelId, c);
        pending.get(m.message.requestId)?.(c);
      } else if (m.name === 'NewMiningJob') byId.get(m.message.channelId)?.onNewMiningJob(m.message);
      else if (m.name === 'SetNewPrevHash') byId.get(m.message.channelId)?.onSetNewPrevHash(m.message);
    });
    await conn.send('SetupConnection', {
      protocol: 0, minVersion: 2, maxVersion: 2, flags: MiningSetupFlags.RequiresStandardJobs, endpointHost: '', endpointPort: port,
      vendor: 'bench', hardwareVersion: '', firmware: '', deviceId: '',
    });
    const opened = await Promise.all(
      Array.from({ length: perConn }, (_, k) =>
        new Promise<ClientChannel>((resolve) => {
          pending.set(k, resolve);
          void conn.send('OpenStandardMiningChannel', { requestId: k, userIdentity: `bench${i}.${k}`, nominalHashRate: 0.001, maxTarget: new Uint8Array(32).fill(0xff) });
        }),
      ),
    );
    for (const ch of opened) out.push({ conn, ch });
  }
  // Wait until every channel has an active job.
  while (out.some((c) => c.ch.activeJob === null || c.ch.tip === null)) await new Promise((r) => setImmediate(r));
  return out;
}

async function load(): Promise<void> {
  const chans = await open();
  let acked = 0;
  let sent = 0;
  for (const c of new Set(chans.map((x) => x.conn))) {
    c.on('message', (m) => {
      if (m.name === 'SubmitSharesSuccess') acked += m.message.newSubmitsAcceptedCount;
    });
  }
  process.stdout.write('ready\n');
  const end = now() + seconds * 1000;
  await Promise.all(
    chans.map(async ({ conn, ch }) => {
      const job = ch.activeJob!;
      for (let nonce = 0; now() < end; nonce++) {
        // `send` waits only when the socket backs up: that is the flow control.
        await conn.send('SubmitSharesStandard', { channelId: ch.channelId, sequenceNumber: nonce, jobId: job.jobId, nonce, ntime: ch.tip!.minNtime, version: job.version });
        sent++;
      }
    }),
  );
  const settle = now() + 2000;
  while (acked < sent && now() < settle) await new Promise((r) => setTimeout(r, 10));
  process.stdout.write(JSON.stringify({ acked, sent }) + '\n');
  process.exit(0);
}

async function listen(): Promise<void> {
  const chans = await open();
  const prev = new Map<number, Uint8Array>(chans.map((c, i) => [i, c.ch.tip!.prevHash]));
  let remaining = chans.length;
  let last = 0;
  for (const conn of new Set(chans.map((x) => x.conn))) {
    conn.on('message', (m) => {
      if (m.name !== 'SetNewPrevHash') return;
      remaining--;
      last = now();
      if (remaining === 0) {
        process.stdout.write(JSON.stringify({ last }) + '\n');
        process.exit(0);
      }
    });
  }
  void prev;
  process.stdout.write('ready\n');
}

await (mode === 'load' ? load() : listen());
