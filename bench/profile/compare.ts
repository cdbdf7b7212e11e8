/**
 * One markdown table from several `bench/results.json` runs before and after a change: the
 * median of each benchmark's runs on either side, with the runs themselves, in suite order.
 *   npx tsx bench/profile/compare.ts before-1.json before-2.json -- after-1.json after-2.json
 */
import { readFileSync } from 'node:fs';

interface Result {
  suite: string;
  name: string;
  nsPerOp: number;
  extra?: Record<string, number | string>;
}

const args = process.argv.slice(2);
const split = args.indexOf('--');
if (split < 0) throw new Error('usage: compare.ts <before.json>… -- <after.json>…');
const load = (files: string[]) => files.map((f) => (JSON.parse(readFileSync(f, 'utf8')) as { results: Result[] }).results);
const before = load(args.slice(0, split));
const after = load(args.slice(split + 1));

/** The figure a row stands for: time per operation, or the bytes of a memory/bytes row (its first figure when it has several). */
function figure(r: Result): number {
  if (r.nsPerOp === 0) return Number(r.extra?.bytes ?? Object.values(r.extra ?? {})[0] ?? 0);
  return r.nsPerOp;
}
function show(r: Result, v: number): string {
  if (r.nsPerOp === 0) return `${Math.round(v).toLocaleString('en-US').replace(/,/g, ' ')} B`;
  if (v >= 1e6) return `${(v / 1e6).toFixed(2)} ms`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(v >= 1e5 ? 0 : 1)} µs`;
  return `${v.toFixed(0)} ns`;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

const keys: string[] = [];
const rows = new Map<string, { ref: Result; before: number[]; after: number[] }>();
for (const [side, runs] of [['before', before], ['after', after]] as const) {
  for (const run of runs) {
    for (const r of run) {
      const key = `${r.suite}\u0000${r.name}`;
      if (!rows.has(key)) {
        rows.set(key, { ref: r, before: [], after: [] });
        keys.push(key);
      }
      rows.get(key)![side].push(figure(r));
    }
  }
}
console.log('| suite | benchmark | before (median; runs) | after (median; runs) | after ÷ before |');
console.log('|---|---|---|---|---|');
for (const key of keys) {
  const { ref, before: b, after: a } = rows.get(key)!;
  const cell = (xs: number[]) => (xs.length === 0 ? '—' : `${show(ref, median(xs))} (${xs.map((x) => show(ref, x)).join(' / ')})`);
  const ratio = a.length > 0 && b.length > 0 ? `${(median(a) / median(b)).toFixed(2)}` : '';
  console.log(`| ${ref.suite} | ${ref.name} | ${cell(b)} | ${cell(a)} | ${ratio} |`);
}
