/**
 * Prints where a CPU profile's time goes: the functions with the most self time, and the ones
 * with the most total time (self + callees), from a `.cpuprofile` written by `node --cpu-prof`.
 *   npx tsx bench/profile/top.ts <file.cpuprofile> [rows] [filter]
 * `filter` keeps only samples whose stack passes through a function whose name contains it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const [file, rowsArg, filter] = process.argv.slice(2);
if (file === undefined) throw new Error('usage: top.ts <file.cpuprofile> [rows] [filter]');
const rows = Number(rowsArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const label = (n: Node): string => {
  const f = n.callFrame;
  const where = f.url === '' ? '' : ` ${path.basename(f.url)}:${f.lineNumber + 1}`;
  return `${f.functionName || '(anonymous)'}${where}`;
};

const self = new Map<string, number>();
const total = new Map<string, number>();
let all = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  const stack: string[] = [];
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) stack.push(label(byId.get(at)!));
  if (filter !== undefined && !stack.some((s) => s.includes(filter))) return;
  if (stack[0] === '(idle)') return;
  all += dt;
  self.set(stack[0]!, (self.get(stack[0]!) ?? 0) + dt);
  for (const s of new Set(stack)) total.set(s, (total.get(s) ?? 0) + dt);
});

function print(title: string, m: Map<string, number>): void {
  console.log(`\n${title} (of ${(all / 1000).toFixed(0)} ms busy)`);
  for (const [name, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, rows)) {
    console.log(`${((100 * us) / all).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(1).padStart(8)} ms  ${name}`);
  }
}
print('self time', self);
print('total time', total);
