import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { FoundShare, SearchWork } from './hash-search.js';
import type { FromHasher, ToHasher } from './hasher-worker.js';
import { unpackShares } from './share-packing.js';

export interface HasherPoolEvents {
  share: [FoundShare];
  error: [Error];
}

/**
 * SHA256d search on worker threads. Every thread gets the same work and its own lane of the
 * search space (see HeaderSearch), so threads never repeat each other's work. Hashrate is
 * measured over a sliding window.
 */
export class HasherPool extends EventEmitter<HasherPoolEvents> {
  private readonly workers: Worker[] = [];
  private hashes = 0;
  private readonly window: { t: number; hashes: number }[] = [];
  private current: SearchWork | null = null;
  private since: number | null = null;

  constructor(readonly threads: number) {
    super();
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be a positive integer, got ${threads}`);
    for (let i = 0; i < threads; i++) {
      const w = spawnHasher();
      w.on('message', (m: FromHasher) => {
        this.hashes += m.hashes;
        if (m.found !== null) for (const s of unpackShares(m.found)) this.emit('share', s);
      });
      w.on('error', (e) => this.emit('error', e));
      this.workers.push(w);
    }
  }

  /** Starts every thread on this work; the previous work is dropped. */
  setWork(work: SearchWork): void {
    if (this.current === null) this.since = performance.now();
    this.current = work;
    this.workers.forEach((w, index) => w.postMessage({ type: 'work', work, lane: { index, count: this.threads } } satisfies ToHasher));
  }

  /** Changes the share target of the work in hand without restarting the search (no repeated shares). */
  setTarget(jobKey: number, target: Uint8Array): void {
    if (this.current?.jobKey !== jobKey) return;
    this.current = { ...this.current, target };
    for (const w of this.workers) w.postMessage({ type: 'target', jobKey, target } satisfies ToHasher);
  }

  idle(): void {
    this.current = null;
    this.since = null;
    for (const w of this.workers) w.postMessage({ type: 'idle' } satisfies ToHasher);
  }

  /** The work being hashed, or null when idle. */
  get work(): SearchWork | null {
    return this.current;
  }

  /** performance.now() when the threads last went from idle to hashing; null when idle. */
  get hashingSince(): number | null {
    return this.since;
  }

  /** Total hashes done since start. */
  get totalHashes(): number {
    return this.hashes;
  }

  /** Hashes per second over roughly the last `windowMs`; call it periodically. */
  sampleHashrate(nowMs: number, windowMs = 10_000): number {
    this.window.push({ t: nowMs, hashes: this.hashes });
    while (this.window.length > 2 && nowMs - this.window[0]!.t > windowMs) this.window.shift();
    const first = this.window[0]!;
    const dt = (nowMs - first.t) / 1000;
    return dt > 0 ? (this.hashes - first.hashes) / dt : 0;
  }

  async stop(): Promise<void> {
    this.current = null;
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}

/** The built worker, or, when running from TypeScript source (tests), the source through tsx. */
function spawnHasher(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./hasher-worker.js', import.meta.url));
  const source = new URL('./hasher-worker.ts', import.meta.url).href;
  const boot = `import('tsx/esm/api').then((api) => api.tsImport(${JSON.stringify(source)}, ${JSON.stringify(source)}))`;
  return new Worker(boot, { eval: true });
}
