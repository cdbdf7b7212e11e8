/**
 * Per-interval aggregates behind the dashboards' charts: every `intervalMs` (a minute in a role)
 * a role's cumulative counters become one point of deltas plus its gauges at that moment. The
 * points go to a sink: the pool's accounting database (kept across restarts), or a bounded ring
 * in memory for the other roles.
 */

/** One interval: counts are what happened in it, gauges are read at its end (`t`, ms). */
export interface HistoryPoint {
  t: number;
  /** H/s at the end of the interval (the role's own estimate). */
  hashrate: number;
  accepted: number;
  rejected: number;
  blocks: number;
  connections: number;
  channels: number;
}

/** What a role reads for a point: counters since it started, and gauges now. */
export interface HistoryReading {
  hashrate: number;
  accepted: number;
  rejected: number;
  blocks: number;
  connections: number;
  channels: number;
}

export interface HistorySink {
  appendHistory(p: HistoryPoint): void;
  /** Points with t ≥ sinceMs, oldest first. */
  history(sinceMs: number): HistoryPoint[];
}

/** The last `limit` points in memory (default a week of minutes). */
export class MemoryHistory implements HistorySink {
  private readonly points: HistoryPoint[] = [];

  constructor(private readonly limit = 7 * 24 * 60) {}

  appendHistory(p: HistoryPoint): void {
    this.points.push(p);
    if (this.points.length > this.limit) this.points.splice(0, this.points.length - this.limit);
  }

  history(sinceMs: number): HistoryPoint[] {
    let i = this.points.length;
    while (i > 0 && this.points[i - 1]!.t >= sinceMs) i--;
    return this.points.slice(i);
  }
}

export interface HistoryRecorderOptions {
  /** Default one minute. */
  intervalMs?: number;
  now?: () => number;
}

/** Samples a role's counters on a timer into a sink; counters are taken as deltas from the previous sample. */
export class HistoryRecorder {
  readonly intervalMs: number;
  private readonly now: () => number;
  private last: HistoryReading;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly read: () => HistoryReading,
    readonly sink: HistorySink,
    opts: HistoryRecorderOptions = {},
  ) {
    this.intervalMs = opts.intervalMs ?? 60_000;
    this.now = opts.now ?? Date.now;
    this.last = read();
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.last = this.read();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  /** Records one point now (the timer calls it; tests may too). */
  sample(): HistoryPoint {
    const r = this.read();
    const delta = (k: 'accepted' | 'rejected' | 'blocks'): number => Math.max(0, r[k] - this.last[k]);
    const p: HistoryPoint = {
      t: this.now(),
      hashrate: r.hashrate,
      accepted: delta('accepted'),
      rejected: delta('rejected'),
      blocks: delta('blocks'),
      connections: r.connections,
      channels: r.channels,
    };
    this.last = r;
    this.sink.appendHistory(p);
    return p;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

const WEEK_MINUTES = 7 * 24 * 60;

/** The answer to `/api/v1/history?minutes=N` (1..a week, default 60): the last N minutes' points, oldest first. */
export function historyView(sink: HistorySink, minutesRaw: string | undefined, now: number): { minutes: number; points: HistoryPoint[] } {
  const n = Number(minutesRaw ?? 60);
  const minutes = Number.isFinite(n) && n >= 1 ? Math.min(Math.floor(n), WEEK_MINUTES) : 60;
  return { minutes, points: sink.history(now - minutes * 60_000) };
}
