/**
 * The CPU miner: hashing speed of one thread, and end to end how many shares a miner can put on
 * an encrypted Sv2 connection when every hash is a share (a trivially easy target), counted at a
 * minimal upstream in the same process (so the figure also pays for the receiving side).
 */
import { once } from 'node:events';
import { Sv2Server } from '../src/net/server.js';
import type { Connection } from '../src/net/connection.js';
import { AuthorityKeyPair } from '../src/noise/authority-key.js';
import { ServerIdentity } from '../src/noise/server-identity.js';
import { HeaderSearch } from '../src/roles/miner/hash-search.js';
import { Miner } from '../src/roles/miner/miner.js';
import { measure } from './harness.js';
import type { BenchResult } from './harness.js';

const SUITE = 'miner';
const EASY = new Uint8Array(32).fill(0xff);

function hashing(): BenchResult {
  const header = new Uint8Array(80).fill(7);
  const target = new Uint8Array(32); // nothing meets it: pure hashing cost
  const search = new HeaderSearch({ jobKey: 0, header, target, versionRollingMask: 0x1fffffe0 });
  const r = measure(SUITE, 'sha256d of one header (CPU miner inner loop)', () => search.run(1000));
  return { ...r, nsPerOp: r.nsPerOp / 1000, opsPerSec: r.opsPerSec * 1000, extra: { 'kH/s per thread': Math.round(r.opsPerSec) } };
}

/** Just enough of a pool: a standard channel whose target every hash meets, one job, acks every 10 shares. */
function serveEasyChannel(conn: Connection, counter: { shares: number }): void {
  conn.on('message', (m) => {
    if (m.name === 'SetupConnection') void conn.send('SetupConnectionSuccess', { usedVersion: 2, flags: 0 });
    if (m.name === 'OpenStandardMiningChannel') {
      void conn.send('OpenStandardMiningChannelSuccess', { requestId: m.message.requestId, channelId: 1, target: EASY, extranoncePrefix: new Uint8Array(8), groupChannelId: 0 });
      void conn.send('NewMiningJob', { channelId: 1, jobId: 1, minNtime: null, version: 0x20000000, merkleRoot: new Uint8Array(32).fill(1) });
      void conn.send('SetNewPrevHash', { channelId: 1, jobId: 1, prevHash: new Uint8Array(32).fill(2), minNtime: Math.floor(Date.now() / 1000), nbits: 0x1d00ffff });
    }
    if (m.name === 'SubmitSharesStandard' && ++counter.shares % 10 === 0) {
      void conn.send('SubmitSharesSuccess', { channelId: 1, lastSequenceNumber: m.message.sequenceNumber, newSubmitsAcceptedCount: 10, newSharesSum: 10n });
    }
  });
}

async function sharesOverSv2(): Promise<BenchResult> {
  const authority = AuthorityKeyPair.generate();
  const server = await Sv2Server.listen({ port: 0, identity: ServerIdentity.create({ authority }) });
  const counter = { shares: 0 };
  server.on('connection', (conn) => serveEasyChannel(conn, counter));
  const miner = Miner.start({ url: `stratum2+tcp://127.0.0.1:${server.port}/${authority.publicKey}`, threads: 1, nominalHashrate: 1 });
  try {
    await once(miner, 'share-accepted');
    const seconds = 3;
    const [s0, h0, t0] = [counter.shares, miner.stats().totalHashes, performance.now()];
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    const elapsed = (performance.now() - t0) / 1000;
    const rate = (counter.shares - s0) / elapsed;
    const stats = miner.stats();
    return {
      suite: SUITE,
      name: 'shares submitted over Sv2 (Noise), every hash a share, 1 thread',
      nsPerOp: 1e9 / rate,
      opsPerSec: rate,
      extra: { 'kH/s while submitting': Math.round((stats.totalHashes - h0) / elapsed / 1000), 'dropped (link backed up)': stats.dropped.backlog },
    };
  } finally {
    await miner.close();
    await server.close();
  }
}

export default async function minerSuite(): Promise<BenchResult[]> {
  return [hashing(), await sharesOverSv2()];
}
