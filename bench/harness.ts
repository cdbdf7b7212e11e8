/** A tiny benchmark harness: calibrates the batch size, then reports the median of several rounds. */
export interface BenchResult {
  suite: string;
  name: string;
  /** nanoseconds per operation (median of rounds) */
  nsPerOp: number;
  opsPerSec: number;
  /** extra figures a suite wants recorded (MB/s, bytes, ms, ...) */
  extra?: Record<string, number | string>;
}

export interface MeasureOptions {
  /** target wall time per round, in ms */
  roundMs?: number;
  rounds?: number;
}

export function measure(suite: string, name: string, fn: () => unknown, opts: MeasureOptions = {}): BenchResult {
  const roundMs = opts.roundMs ?? 200;
  const rounds = opts.rounds ?? 5;
  let batch = 1;
  // Calibrate: grow the batch until one batch takes at least a tenth of a round.
  for (;;) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) fn();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (ms >= roundMs / 10 || batch >= 1 << 30) {
      batch = Math.max(1, Math.round((batch * roundMs) / Math.max(ms, 0.001)));
      break;
    }
    batch *= 4;
  }
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) fn();
    samples.push(Number(process.hrtime.bigint() - t0) / batch);
  }
  samples.sort((a, b) => a - b);
  const nsPerOp = samples[Math.floor(samples.length / 2)]!;
  return { suite, name, nsPerOp, opsPerSec: 1e9 / nsPerOp };
}

/** Async variant for paths that cross the event loop (sockets); fn performs `ops` operations per call. */
export async function measureAsync(
  suite: string,
  name: string,
  fn: () => Promise<number>,
): Promise<BenchResult> {
  const t0 = process.hrtime.bigint();
  const ops = await fn();
  const ns = Number(process.hrtime.bigint() - t0);
  return { suite, name, nsPerOp: ns / ops, opsPerSec: (ops * 1e9) / ns };
}

export type Suite = () => Promise<BenchResult[]> | BenchResult[];
