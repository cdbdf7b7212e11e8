/**
 * Miners for the fan-out benchmark in a process of their own (forked by fanout-split.ts), so the
 * pool's process does only the pool's work. argv: <port> <authority> <connections> <channelsPerConnection> <standard|group>.
 * Over IPC: sends {type:'ready'} once every channel has its first SetNewPrevHash; answers
 * {type:'ping'} with its clock (to find the offset between the two processes' clocks); and after
 * every new tip sends {type:'tip', last, cpuMs}: when the last channel got its SetNewPrevHash
 * (performance.timeOrigin + performance.now()) and this process's CPU for receiving them.
 */
import { MiningSetupFlags } from '../src/messages/mining.js';
import { connect } from '../src/net/client.js';
import type { Connection } from '../src/net/connection.js';

const [portArg, authority, connsArg, perArg, mode] = process.argv.slice(2);
const port = Number(portArg);
const connections = Number(connsArg);
const perConnection = Number(perArg);
const group = mode === 'group';
const now = (): number => performance.timeOrigin + performance.now();
const send = (m: object): void => void process.send!(m);

const conns: Connection[] = [];
for (let i = 0; i < connections; i++) {
  const conn = await connect({ host: '127.0.0.1', port, authority: authority! });
  // Without REQUIRES_STANDARD_JOBS the pool puts a connection's standard channels in one group.
  await conn.send('SetupConnection', {
    protocol: 0, minVersion: 2, maxVersion: 2, flags: group ? 0 : MiningSetupFlags.RequiresStandardJobs, endpointHost: '', endpointPort: 0,
    vendor: 'bench', hardwareVersion: '', firmware: '', deviceId: '',
  });
  let opened = 0;
  const ready = new Promise<void>((resolve) => conn.on('message', (m) => m.name === 'SetNewPrevHash' && ++opened === perConnection && resolve()));
  for (let k = 0; k < perConnection; k++) await conn.send('OpenStandardMiningChannel', { requestId: k, userIdentity: `c${i}.${k}`, nominalHashRate: 1e3, maxTarget: new Uint8Array(32).fill(0xff) });
  await ready;
  conn.removeAllListeners('message');
  conns.push(conn);
}

// A group's SetNewPrevHash reaches all of the connection's channels at once.
const reached = group ? perConnection : 1;
const total = connections * perConnection;
let left = total;
let first = 0;
let cpu0 = process.cpuUsage();
for (const conn of conns) {
  conn.on('message', (m) => {
    if (m.name !== 'SetNewPrevHash') return;
    if (left === total) first = now();
    if ((left -= reached) > 0) return;
    const last = now();
    const c = process.cpuUsage(cpu0);
    send({ type: 'tip', first, last, cpuMs: (c.user + c.system) / 1000 });
    left = total;
  });
}

process.on('message', (m: { type: string; id?: number }) => {
  if (m.type === 'ping') send({ type: 'pong', id: m.id, t: now() });
  // The parent says a new tip is coming: this process's CPU counts from here.
  else if (m.type === 'arm') {
    cpu0 = process.cpuUsage();
    send({ type: 'armed' });
  }
  else if (m.type === 'exit') void Promise.all(conns.map((c) => c.close())).then(() => process.exit(0));
});
send({ type: 'ready' });
