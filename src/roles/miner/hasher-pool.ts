import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { FoundShare, SearchWork } from './hash-search.js';
import type { FromHasher, ToHasher } from './hasher-worker.js';

export interface HasherPoolEvents {
  share: [FoundShare];
  error: [Error];
}

/**
 * SHA256d search on worker threads. Each thread takes a disjoint slice of the nonce range of the
 * same header, so threads never repeat each other's work. Hashrate is measured over a sliding window.
 */
export class HasherPool extends EventEmitter<HasherPoolEvents> {
  private readonly workers: Worker[] = [];
  private hashes = 0;
  private readonly window: { t: number; hashes: number }[] = [];

  constructor(readonly threads: number) {
    super();
    for (let i = 0; i < threads; i++) {
      const w = spawnHasher();
      w.on('message', (m: FromHasher) => {
        if (m.type === 'progress') this.hashes += m.hashes;
        else this.emit('share', { jobKey: m.jobKey, nonce: m.nonce, version: m.version, ntime: m.ntime, hash: new Uint8Array(m.hash) });
      });
      w.on('error', (e) => this.emit('error', e));
      this.workers.push(w);
    }
  }

  /** Starts every thread on this work; the previous work is dropped. */
  setWork(work: SearchWork): void {
    const slice = Math.floor(0x1_0000_0000 / this.threads);
    this.workers.forEach((w, i) => w.postMessage({ type: 'work', work, startNonce: i * slice } satisfies ToHasher));
  }

  idle(): void {
    for (const w of this.workers) w.postMessage({ type: 'idle' } satisfies ToHasher);
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
