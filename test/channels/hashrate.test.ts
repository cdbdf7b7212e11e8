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

describe('hashrate meter read from another start', () => {
  it('divides by the time since that start while the window fills, then by the window', () => {
    const m = new HashrateMeter(0);
    const poolStart = 1_700_000_000_000;
    m.record(600, poolStart + 30_000);
    // 600 difficulty-1 shares in the 60 s since the pool started
    expect(m.hashrate(poolStart + 60_000, poolStart)).toBeCloseTo((600 * 2 ** 32) / 60, 0);
    // an hour later the work is out of the window
    expect(m.hashrate(poolStart + 3_600_000, poolStart)).toBeNull();
  });
});
