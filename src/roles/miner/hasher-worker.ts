import { parentPort } from 'node:worker_threads';
import { HeaderSearch } from './hash-search.js';
import type { SearchWork } from './hash-search.js';

/** Messages a hasher thread takes, and what it sends back. */
export type ToHasher = { type: 'work'; work: SearchWork; startNonce: number } | { type: 'idle' } | { type: 'stop' };
export type FromHasher =
  | { type: 'share'; jobKey: number; nonce: number; version: number; ntime: number; hash: Uint8Array }
  | { type: 'progress'; hashes: number };

const BATCH = 2048;
let search: HeaderSearch | undefined;
let running = true;
let scheduled = false;

function loop(): void {
  scheduled = false;
  if (!running || search === undefined) return;
  for (const s of search.run(BATCH)) parentPort!.postMessage({ type: 'share', ...s } satisfies FromHasher);
  parentPort!.postMessage({ type: 'progress', hashes: BATCH } satisfies FromHasher);
  schedule();
}

// setImmediate lets queued messages (new work, stop) in between batches.
function schedule(): void {
  if (!scheduled) {
    scheduled = true;
    setImmediate(loop);
  }
}

parentPort!.on('message', (m: ToHasher) => {
  if (m.type === 'work') {
    search = new HeaderSearch(m.work, m.startNonce);
    schedule();
  } else if (m.type === 'idle') {
    search = undefined;
  } else {
    running = false;
    parentPort!.close();
  }
});
