/** `npm run bench`: runs every suite, prints a table and writes bench/results.json. */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import type { BenchResult, Suite } from './harness.js';
import { sriFigures } from './sri.js';

const suites: Record<string, () => Promise<{ default: Suite }>> = {
  codec: () => import('./codec.bench.js'),
  miner: () => import('./miner.bench.js'),
  noise: () => import('./noise.bench.js'),
  net: () => import('./net.bench.js'),
  sv1: () => import('./sv1.bench.js'),
  translator: () => import('./translator.bench.js'),
  bitcoin: () => import('./bitcoin.bench.js'),
  chain: () => import('./chain.bench.js'),
  channels: () => import('./channels.bench.js'),
  payouts: () => import('./payouts.bench.js'),
  pool: () => import('./pool.bench.js'),
  tp: () => import('./tp.bench.js'),
  proxy: () => import('./proxy.bench.js'),
  jdc: () => import('./jdc.bench.js'),
  jds: () => import('./jds.bench.js'),
};

function fmt(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} ms`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(2)} µs`;
  return `${n.toFixed(0)} ns`;
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const results: BenchResult[] = [];
  for (const [name, load] of Object.entries(suites)) {
    if (only.length > 0 && !only.includes(name)) continue;
    const suite = (await load()).default;
    for (const r of await suite()) {
      results.push(r);
      const sri = sriFigures[r.name];
      if (sri !== undefined) r.extra = { ...r.extra, vsSri: `${(r.nsPerOp / sri.ns).toFixed(2)}× (${fmt(sri.ns)} ${sri.what})` };
      const extra = r.extra ? '  ' + Object.entries(r.extra).map(([k, v]) => `${k}=${v}`).join(' ') : '';
      console.log(`${r.suite.padEnd(10)} ${r.name.padEnd(58)} ${fmt(r.nsPerOp).padStart(11)}/op ${Math.round(r.opsPerSec).toLocaleString('en-US').padStart(13)} op/s${extra}`);
    }
  }
  const machine = { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, node: process.version, date: new Date().toISOString() };
  writeFileSync(new URL('./results.json', import.meta.url), JSON.stringify({ machine, results }, null, 2) + '\n');
  console.log(`\n${machine.cpu}, ${machine.cores} cores, Node ${machine.node}; results in bench/results.json`);
}

await main();
