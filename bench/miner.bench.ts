import { HeaderSearch } from '../src/roles/miner/hash-search.js';
import { measure } from './harness.js';
import type { BenchResult } from './harness.js';

export default function minerSuite(): BenchResult[] {
  const header = new Uint8Array(80).fill(7);
  const target = new Uint8Array(32); // nothing meets it: pure hashing cost
  const search = new HeaderSearch({ jobKey: 0, header, target, versionRollingMask: 0x1fffffe0 });
  const r = measure('miner', 'sha256d of one header (CPU miner inner loop)', () => search.run(1000));
  return [{ ...r, nsPerOp: r.nsPerOp / 1000, opsPerSec: r.opsPerSec * 1000, extra: { 'kH/s per thread': Math.round(r.opsPerSec) } }];
}
