/**
 * The soak's honest miners: `miners` connections, one channel each, one share a second each, and
 * the time from each share's send to its SubmitShares.Success (the pool acks every share: batch 1).
 * argv: <port> <authority> <miners> <seconds>; prints {p50, p99, max, acked, sent, unanswered}.
 */
import { now, openPeer } from './peers.js';

const [portArg, authority, minersArg, secondsArg] = process.argv.slice(2);
const port = Number(portArg);
const miners = Number(minersArg);
const seconds = Number(secondsArg);

// Like real firmware, a miner refused at the door tries again a moment later; the retries are counted.
let retries = 0;
async function join(i: number): Promise<Awaited<ReturnType<typeof openPeer>>> {
  for (;;) {
    try {
      return await openPeer(port, authority!, 1, `honest${i}`);
    } catch {
      retries++;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
const peers = await Promise.all(Array.from({ length: miners }, (_, i) => join(i)));
process.stdout.write('ready\n');
const latencies: number[] = [];
let sent = 0;
const end = now() + seconds * 1000;
await Promise.all(
  peers.map(async ({ conn, channels: [ch] }, i) => {
    const sentAt = new Map<number, number>();
    conn.on('message', (m) => {
      if (m.name !== 'SubmitSharesSuccess') return;
      const t = sentAt.get(m.message.lastSequenceNumber);
      if (t !== undefined) latencies.push(now() - t);
      sentAt.delete(m.message.lastSequenceNumber);
    });
    // Spread the miners over the second so they do not all submit at once.
    await new Promise((r) => setTimeout(r, (1000 * i) / miners));
    for (let seq = 1; now() < end && conn.isOpen; seq++) {
      const job = ch!.activeJob!;
      sentAt.set(seq, now());
      sent++;
      await conn.send('SubmitSharesStandard', { channelId: ch!.channelId, sequenceNumber: seq, jobId: job.jobId, nonce: seq, ntime: ch!.tip!.minNtime, version: job.version }).catch(() => {});
      await new Promise((r) => setTimeout(r, 1000));
    }
  }),
);
// Late acks: give them a moment, then count what never came.
await new Promise((r) => setTimeout(r, 1500));
latencies.sort((a, b) => a - b);
const q = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
process.stdout.write(JSON.stringify({ p50: q(0.5), p99: q(0.99), max: latencies.at(-1) ?? NaN, acked: latencies.length, sent, unanswered: sent - latencies.length, retries }) + '\n');
process.exit(0);
