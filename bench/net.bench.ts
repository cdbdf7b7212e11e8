/**
 * Sv2 connections over loopback TCP, both ends in this process (so each figure pays for both sides):
 * one-way share throughput, bulk MB/s, and connect + handshake rate.
 */
import { once } from 'node:events';
import { connect, type Connection, Sv2Server, type ServerOptions } from '../src/net/index.js';
import type { Messages } from '../src/messages/index.js';
import { AuthorityKeyPair, ServerIdentity } from '../src/noise/index.js';
import { measureAsync, type BenchResult } from './harness.js';

const SUITE = 'net';
const authority = AuthorityKeyPair.generate();

async function pair(plaintext: boolean): Promise<{ server: Sv2Server; client: Connection; conn: Connection }> {
  const options = (plaintext ? { port: 0, plaintext: true } : { port: 0, identity: ServerIdentity.create({ authority }) }) as ServerOptions;
  const server = await Sv2Server.listen({ ...options, host: '127.0.0.1' });
  const accepted = once(server, 'connection');
  const client = await connect(plaintext ? { host: '127.0.0.1', port: server.port, plaintext: true } : { host: '127.0.0.1', port: server.port, authority: authority.publicKey });
  const [conn] = (await accepted) as [Connection];
  return { server, client, conn };
}

/** Sends `count` messages one way (awaiting send, so backpressure applies) and resolves when all arrived. */
async function oneWay<N extends 'SubmitSharesStandard' | 'ProvideMissingTransactionsSuccess'>(
  client: Connection,
  conn: Connection,
  name: N,
  make: (i: number) => Messages[N],
  count: number,
): Promise<number> {
  let received = 0;
  const done = new Promise<void>((resolve) => {
    conn.on('message', () => {
      if (++received === count) resolve();
    });
  });
  for (let i = 0; i < count; i++) {
    const sent = client.send(name, make(i));
    if (client.bufferedAmount > 0) await sent;
  }
  await done;
  conn.removeAllListeners('message');
  return count;
}

const share = (i: number): Messages['SubmitSharesStandard'] => ({
  channelId: 1, sequenceNumber: i, jobId: 42, nonce: 0xdeadbeef, ntime: 0x66000000, version: 0x20000000,
});
// requestId 4 + sequence count 2 + B0_16M length 3 + 65 527 bytes = a 64 KiB payload
const bulkTx = new Uint8Array(65_536 - 9).fill(0xab);
const bulk = (i: number): Messages['ProvideMissingTransactionsSuccess'] => ({ requestId: i, transactionList: [bulkTx] });

async function throughput(plaintext: boolean): Promise<BenchResult[]> {
  const { server, client, conn } = await pair(plaintext);
  const mode = plaintext ? 'plaintext' : 'encrypted';
  await oneWay(client, conn, 'SubmitSharesStandard', share, 5_000); // warm up
  const shares = await measureAsync(SUITE, `${mode} SubmitSharesStandard one way (loopback)`, () => oneWay(client, conn, 'SubmitSharesStandard', share, 50_000));
  await oneWay(client, conn, 'ProvideMissingTransactionsSuccess', bulk, 200);
  const big = await measureAsync(SUITE, `${mode} 64 KiB payloads one way (loopback)`, () => oneWay(client, conn, 'ProvideMissingTransactionsSuccess', bulk, 3_000));
  big.extra = { MBps: Math.round((65_536 * big.opsPerSec) / 1e6) };
  await client.close();
  await server.close();
  return [shares, big];
}

async function handshakes(): Promise<BenchResult> {
  const server = await Sv2Server.listen({ host: '127.0.0.1', port: 0, identity: ServerIdentity.create({ authority }) });
  server.on('connection', (c) => c.on('message', () => undefined));
  const run = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const client = await connect({ host: '127.0.0.1', port: server.port, authority: authority.publicKey });
      await client.close();
    }
    return n;
  };
  await run(20);
  const result = await measureAsync(SUITE, 'connect + handshake + close, both ends (loopback)', () => run(200));
  await server.close();
  return result;
}

export default async function netSuite(): Promise<BenchResult[]> {
  return [...(await throughput(false)), ...(await throughput(true)), await handshakes()];
}
