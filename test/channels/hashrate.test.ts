import { describe, expect, it } from 'vitest';
import { HashrateMeter } from '../../src/channels/hashrate.js';

describe('hashrate meter', () => {
  it('measures accepted work over the last ten minutes', () => {
    const m = new HashrateMeter(0);
    expect(m.hashrate(1000)).toBeNull();
    // 1 TH/s at difficulty 1024: one share every 4.4 s
    const interval = (1024 * 2 ** 32) / 1e12;
    let t = 0;
    for (; t < 20 * 60_000; t += interval * 1000) m.record(1024, t);
    expect(m.hashrate(t)! / 1e12).toBeGreaterThan(0.85);
    expect(m.hashrate(t)! / 1e12).toBeLessThan(1.15);
    expect(m.stable(t)).toBe(true);
    // silence: the old work ages out
    expect(m.hashrate(t + 11 * 60_000)).toBeNull();
  });
});
