import { describe, expect, it } from 'vitest';
import { PenaltyBox } from '../../src/net/penalty-box.js';

describe('PenaltyBox', () => {
  it('makes an address wait 1 s after a cut, doubling with each cut, up to the cap', () => {
    const box = new PenaltyBox(10_000);
    let t = 0;
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      waits.push(box.strike('10.0.0.1', t));
      t += 500;
    }
    expect(waits).toEqual([1_000, 2_000, 4_000, 8_000, 10_000, 10_000]);
    expect(box.waiting('10.0.0.1', t)).toBe(true);
    expect(box.waiting('10.0.0.1', t - 500 + 10_000)).toBe(false);
    expect(box.waiting('10.0.0.2', t)).toBe(false);
  });

  it('forgets the strikes after ten quiet minutes', () => {
    const box = new PenaltyBox(60_000);
    box.strike('a', 0);
    expect(box.strike('a', 1_000)).toBe(2_000);
    expect(box.strike('a', 1_000 + 10 * 60_000)).toBe(1_000);
  });

  it('does nothing when turned off (cap 0)', () => {
    const box = new PenaltyBox(0);
    expect(box.strike('a', 0)).toBe(0);
    expect(box.waiting('a', 0)).toBe(false);
  });

  it('stays bounded under a spray of addresses', () => {
    const box = new PenaltyBox(60_000);
    for (let i = 0; i < 70_000; i++) box.strike(`a${i}`, 0);
    expect(box.waiting('a69999', 1)).toBe(true);
    expect(box.waiting('a0', 1)).toBe(false); // forgotten first: the oldest strike
  });
});
