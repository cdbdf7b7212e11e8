import { describe, expect, it } from 'vitest';
import { HistoryRecorder, MemoryHistory, historyView, type HistoryReading } from '../../../src/roles/common/history.js';

const point = (t: number) => ({ t, hashrate: t, accepted: 0, rejected: 0, blocks: 0, connections: 0, channels: 0 });

describe('MemoryHistory', () => {
  it('keeps the last `limit` points and answers from a time on', () => {
    const h = new MemoryHistory(3);
    for (let t = 1; t <= 5; t++) h.appendHistory(point(t * 1000));
    expect(h.history(0).map((p) => p.t)).toEqual([3000, 4000, 5000]);
    expect(h.history(4000).map((p) => p.t)).toEqual([4000, 5000]);
    expect(h.history(6000)).toEqual([]);
  });
});

describe('HistoryRecorder', () => {
  it('turns counters into per-interval deltas and reads gauges as they are', () => {
    let now = 0;
    const r: HistoryReading = { hashrate: 0, accepted: 10, rejected: 1, blocks: 0, connections: 2, channels: 3 };
    const sink = new MemoryHistory();
    const rec = new HistoryRecorder(() => ({ ...r }), sink, { now: () => now });
    now = 60_000;
    r.accepted = 25;
    r.rejected = 2;
    r.blocks = 1;
    r.hashrate = 5e6;
    expect(rec.sample()).toEqual({ t: 60_000, hashrate: 5e6, accepted: 15, rejected: 1, blocks: 1, connections: 2, channels: 3 });
    now = 120_000;
    r.connections = 0;
    expect(rec.sample()).toMatchObject({ t: 120_000, accepted: 0, rejected: 0, blocks: 0, connections: 0 });
    expect(sink.history(0)).toHaveLength(2);
  });
});

describe('historyView', () => {
  it('serves the last N minutes, N in 1..a week (60 when missing or bad)', () => {
    const h = new MemoryHistory();
    for (let m = 0; m <= 120; m++) h.appendHistory(point(m * 60_000));
    const now = 120 * 60_000;
    expect(historyView(h, undefined, now).points).toHaveLength(61);
    expect(historyView(h, '10', now).points.map((p) => p.t)).toEqual(Array.from({ length: 11 }, (_, i) => (110 + i) * 60_000));
    expect(historyView(h, 'x', now).minutes).toBe(60);
    expect(historyView(h, '0', now).minutes).toBe(60);
    expect(historyView(h, '99999999', now).minutes).toBe(7 * 24 * 60);
  });
});
