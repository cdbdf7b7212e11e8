/**
 * The fan-out measured with the miners in another process (fanout-miners.ts): the time from the
 * pool's new tip to the last channel's SetNewPrevHash on one clock (the child's clock offset found
 * by ping-pong over IPC, the sample with the shortest round trip), and the pool process's CPU per
 * tip without the miners' decryption and decoding in it.
 */
import { fork, type ChildProcess } from 'node:child_process';

const MINERS = new URL('./fanout-miners.ts', import.meta.url).pathname;
const now = (): number => performance.timeOrigin + performance.now();

export interface TipSample {
  /** new tip → the last channel received its SetNewPrevHash (ms, on the pool's clock) */
  ms: number;
  /** new tip → the first channel received its SetNewPrevHash (ms): how soon the first connection's round left */
  firstMs: number;
  /** the pool process's CPU from the new tip until the miners reported (ms) */
  poolCpuMs: number;
  /** of which the embedded chain's `generate` (making the block and the next template) */
  mineCpuMs: number;
  /** the miners' process CPU receiving it (ms) */
  minerCpuMs: number;
}

type FromChild = { type: 'ready' } | { type: 'armed' } | { type: 'pong'; id: number; t: number } | { type: 'tip'; first: number; last: number; cpuMs: number };

export class SplitMiners {
  private offset = 0;
  private waiting: ((m: FromChild) => void) | undefined;
  private readonly inbox: FromChild[] = [];

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (m: FromChild) => {
      const w = this.waiting;
      this.waiting = undefined;
      if (w) w(m);
      else this.inbox.push(m);
    });
  }

  /** Forks the miners and waits until all of them have their first job, then finds the clock offset. */
  static async start(port: number, authority: string, connections: number, perConnection: number, group: boolean): Promise<SplitMiners> {
    const child = fork(MINERS, [String(port), authority, String(connections), String(perConnection), group ? 'group' : 'standard'], { execArgv: ['--import', 'tsx'] });
    const miners = new SplitMiners(child);
    const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`fan-out miners exited early (${code})`))));
    await Promise.race([miners.next('ready'), exited]);
    await miners.calibrate();
    return miners;
  }

  /** One new tip: `mine` makes it; resolves when the miners report the last SetNewPrevHash. */
  async tip(mine: () => void): Promise<TipSample> {
    this.child.send({ type: 'arm' });
    await this.next('armed');
    const t0 = now();
    const c0 = process.cpuUsage();
    mine();
    const mined = process.cpuUsage(c0);
    const r = (await this.next('tip')) as Extract<FromChild, { type: 'tip' }>;
    const c = process.cpuUsage(c0);
    return { ms: r.last - this.offset - t0, firstMs: r.first - this.offset - t0, poolCpuMs: (c.user + c.system) / 1000, mineCpuMs: (mined.user + mined.system) / 1000, minerCpuMs: r.cpuMs };
  }

  async close(): Promise<void> {
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.send({ type: 'exit' });
    await gone;
  }

  private async calibrate(): Promise<void> {
    let best = Infinity;
    for (let id = 0; id < 40; id++) {
      const t1 = now();
      this.child.send({ type: 'ping', id });
      const pong = (await this.next('pong')) as Extract<FromChild, { type: 'pong' }>;
      const t2 = now();
      if (t2 - t1 < best) {
        best = t2 - t1;
        this.offset = pong.t - (t1 + t2) / 2;
      }
    }
  }

  private next(type: FromChild['type']): Promise<FromChild> {
    const queued = this.inbox.shift();
    const got = queued !== undefined ? Promise.resolve(queued) : new Promise<FromChild>((resolve) => (this.waiting = resolve));
    return got.then((m) => {
      if (m.type !== type) throw new Error(`fan-out miners sent ${m.type}, expected ${type}`);
      return m;
    });
  }
}

/** Median of a list (sorted in place). */
export function median(xs: number[]): number {
  xs.sort((a, b) => a - b);
  return xs[Math.floor(xs.length / 2)]!;
}
