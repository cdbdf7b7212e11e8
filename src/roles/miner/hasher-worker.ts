import { parentPort } from 'node:worker_threads';
import { HeaderSearch } from './hash-search.js';
import type { SearchLane, SearchWork } from './hash-search.js';
import { packShares, transferList, type PackedShares } from './share-packing.js';

/** Messages a hasher thread takes, and what it sends back. */
export type ToHasher =
  | { type: 'work'; work: SearchWork; lane: SearchLane }
  /** A new share target for the work being hashed (only if it still is `jobKey`). */
  | { type: 'target'; jobKey: number; target: Uint8Array }
  | { type: 'idle' }
  | { type: 'stop' };
/**
 * One report per batch: hashes done, and the shares found in it packed into transferable arrays
 * (per share: nonce, version, ntime words; 32 hash bytes; the extranonce bytes, if any), so even
 * a flood of shares crosses threads without a structured clone per share.
 */
export type FromHasher = { type: 'batch'; hashes: number; found: PackedShares | null };

// ~5 ms of hashing: new work waits at most that long.
const BATCH = 4096;
let search: HeaderSearch | undefined;
let running = true;
let scheduled = false;

function loop(): void {
  scheduled = false;
  if (!running || search === undefined) return;
  const found = packShares(search.work.jobKey, search.run(BATCH));
  const message: FromHasher = { type: 'batch', hashes: BATCH, found };
  parentPort!.postMessage(message, transferList(found));
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
  switch (m.type) {
    case 'work':
      search = new HeaderSearch(m.work, m.lane);
      schedule();
      break;
    case 'target':
      if (search?.work.jobKey === m.jobKey) search.target = m.target;
      break;
    case 'idle':
      search = undefined;
      break;
    case 'stop':
      running = false;
      parentPort!.close();
      break;
  }
});
