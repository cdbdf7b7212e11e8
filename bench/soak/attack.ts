/**
 * One attacker of the soak, run in its own process until it is killed (or, for `hold`, until it
 * holds its connections). argv: <port> <authority> <mode> [count]. Modes:
 *   handshake   complete Noise handshakes and hang up, from 8 loops at once, as fast as admitted
 *   slowloris   `count` TCP connections that send one byte of handshake a second
 *   share-flood one connection sending invalid shares without waiting; reconnects when cut
 *   channel-flood one connection opening channels until refused; reconnects and starts again
 *   close-storm `count` connections set up with a channel each, dropped at once, again and again
 *   hold        `count` connections set up with a channel each, kept; prints "held" when done
 * Every attacker connects from 127.0.0.2 (its own address); the honest miners from 127.0.0.1.
 * On SIGTERM it prints what it did as JSON.
 */
import { Socket } from 'node:net';
import { connect } from '../../src/net/client.js';
import { ATTACKER_ADDRESS, openPeer } from './peers.js';

const [portArg, authority, mode, countArg] = process.argv.slice(2);
const port = Number(portArg);
const count = Number(countArg ?? 500);
const done = { actions: 0, refused: 0, cut: 0 };
let stopping = false;
process.on('SIGTERM', () => {
  stopping = true;
  process.stdout.write(JSON.stringify({ mode, ...done }) + '\n');
  process.exit(0);
});

async function handshakes(): Promise<void> {
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (!stopping) {
        try {
          const conn = await connect({ host: '127.0.0.1', port, authority: authority!, localAddress: ATTACKER_ADDRESS });
          done.actions++;
          await conn.close('bye');
        } catch {
          done.refused++;
        }
      }
    }),
  );
}

function slowloris(): void {
  for (let i = 0; i < count; i++) {
    const s = new Socket();
    s.on('error', () => done.cut++);
    s.on('close', () => done.cut++);
    s.connect({ port, host: '127.0.0.1', localAddress: ATTACKER_ADDRESS }, () => {
      done.actions++;
      const t = setInterval(() => (s.writable ? s.write(Buffer.of(0x42)) : clearInterval(t)), 1000);
    });
  }
}

async function shareFlood(): Promise<void> {
  while (!stopping) {
    try {
      const { conn, channels } = await openPeer(port, authority!, 1, 'flood', ATTACKER_ADDRESS);
      const closed = new Promise<void>((resolve) => conn.once('close', () => resolve()));
      const ch = channels[0]!;
      for (let seq = 1; conn.isOpen; seq++) {
        // A job id the pool never issued: rejected, every one.
        void conn.send('SubmitSharesStandard', { channelId: ch.channelId, sequenceNumber: seq, jobId: 0xfffffff0, nonce: seq, ntime: 0, version: 0x20000000 }).catch(() => {});
        done.actions++;
        if (seq % 64 === 0) await new Promise((r) => setImmediate(r));
      }
      await closed;
      done.cut++;
    } catch {
      done.refused++;
    }
  }
}

async function channelFlood(): Promise<void> {
  while (!stopping) {
    try {
      const conn = await connect({ host: '127.0.0.1', port, authority: authority!, localAddress: ATTACKER_ADDRESS });
      await conn.send('SetupConnection', {
        protocol: 0, minVersion: 2, maxVersion: 2, flags: 1, endpointHost: '', endpointPort: port, vendor: 'flood', hardwareVersion: '', firmware: '', deviceId: '',
      });
      let refusedHere = false;
      conn.on('message', (m) => {
        if (m.name === 'OpenMiningChannelError') refusedHere = true;
      });
      for (let k = 0; conn.isOpen && !refusedHere && !stopping; k++) {
        void conn.send('OpenStandardMiningChannel', { requestId: k, userIdentity: `flood.${k}`, nominalHashRate: 1, maxTarget: new Uint8Array(32).fill(0xff) }).catch(() => {});
        done.actions++;
        if (k % 256 === 0) await new Promise((r) => setImmediate(r));
      }
      done.refused += refusedHere ? 1 : 0;
      await conn.close('again');
    } catch {
      done.refused++;
    }
  }
}

async function closeStorm(): Promise<void> {
  while (!stopping) {
    const peers = await Promise.all(Array.from({ length: count }, (_, i) => openPeer(port, authority!, 1, `storm${i}`, ATTACKER_ADDRESS).catch(() => undefined)));
    done.refused += peers.filter((p) => p === undefined).length;
    for (const p of peers) void p?.conn.close("storm");
    done.actions += peers.length;
  }
}

async function hold(): Promise<void> {
  // Admitted at the per-address handshake rate: a refused one tries again.
  const join = async (i: number): Promise<Awaited<ReturnType<typeof openPeer>>> => {
    for (;;) {
      try {
        return await openPeer(port, authority!, 1, `hold${i}`, ATTACKER_ADDRESS);
      } catch {
        done.refused++;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  };
  const peers = [];
  for (let i = 0; i < count; i += 50) peers.push(...(await Promise.all(Array.from({ length: Math.min(50, count - i) }, (_, k) => join(i + k)))));
  done.actions = peers.length;
  process.stdout.write('held\n');
  await new Promise(() => {});
}

switch (mode) {
  case 'handshake': await handshakes(); break;
  case 'slowloris': slowloris(); break;
  case 'share-flood': await shareFlood(); break;
  case 'channel-flood': await channelFlood(); break;
  case 'close-storm': await closeStorm(); break;
  case 'hold': await hold(); break;
  default: throw new Error(`unknown mode ${mode}`);
}
