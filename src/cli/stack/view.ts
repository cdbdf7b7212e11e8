/** The stack's live terminal view and its exit summary: plain text, no dependencies. */
import { poolGlobal } from '../../monitor/pool-views.js';
import type { Stack, StackSummary } from './stack.js';

function rate(hs: number): string {
  const units = ['H/s', 'kH/s', 'MH/s', 'GH/s', 'TH/s', 'PH/s'];
  let v = hs;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}

/** One screen of the stack's state. */
export function renderView(stack: Stack): string[] {
  const g = poolGlobal(stack.pool);
  const miners = [
    ...(stack.sv2Miner ? [{ name: 'sv2 miner', s: stack.sv2Miner.stats() }] : []),
    ...(stack.sv1Miner ? [{ name: 'sv1 miner', s: stack.sv1Miner.stats() }] : []),
  ];
  // Every line fits 80 columns with figures of any likely size.
  const lines = [
    `stratum-v2 local stack: chain height ${stack.height()}, ${stack.height() - stack.startHeight} blocks this run`,
    `pool ${rate(g.estimated_hashrate)}: ${g.connections} connections, ${g.channels} channels, ${g.blocks_found} blocks found`,
    `  shares ${g.shares_accepted} accepted, ${g.shares_rejected} rejected; translator: ${stack.translator.core.minerCount} Sv1 miners`,
  ];
  const proxy = stack.proxy;
  if (proxy !== undefined) {
    const c = proxy.upstream.counts;
    const up = proxy.upstream.open ? 'up' : 'down';
    lines.push(`proxy: ${proxy.downstreams.size} devices, upstream ${up}; ${c.forwarded} shares sent up, ${c.accepted} accepted${c.switches > 0 ? `, ${c.switches} switches` : ''}`);
  }
  const jdc = stack.jdc;
  if (jdc !== undefined) {
    const c = jdc.counts;
    lines.push(`jd-client ${jdc.upstreamInUse === null ? 'solo' : 'declaring to the pool'}: ${c.customJobs} custom jobs, ${c.upstreamAccepted} shares accepted upstream, ${c.fallbacks} fallbacks`);
    // Who built the template of each block found this run.
    lines.push(`  blocks this run by template: jd-client ${c.blocksFound}${c.soloBlocks > 0 ? ` (${c.soloBlocks} solo)` : ''}, pool ${stack.poolTemplateBlocks()}`);
  }
  for (const m of miners) {
    lines.push(`${m.name}  ${rate(m.s.hashrate).padStart(10)}  diff ${m.s.difficulty.toPrecision(3).padStart(9)}  ok ${String(m.s.accepted).padStart(6)}  rejected ${String(m.s.rejected).padStart(4)}  blocks ${m.s.blocks}`);
    const reasons = Object.entries(m.s.rejectReasons).map(([k, v]) => `${k} ${v}`).join(', ');
    if (reasons) lines.push(`  rejected: ${reasons}`);
  }
  const warnings = stack.logs.warnings();
  if (warnings.length > 0) {
    lines.push(`warnings and errors (${stack.logs.count}; every log in ${stack.cfg.log_file ?? stack.logs.dir}):`);
    for (const w of warnings) lines.push(`  ${w}`);
  }
  lines.push('Ctrl-C stops everything cleanly.');
  return lines;
}

export function renderSummary(s: StackSummary): string[] {
  return [
    `stack stopped after ${s.runSeconds} s: chain height ${s.chainHeight}, ${s.blocksThisRun} blocks this run`,
    `pool: ${s.pool.sharesAccepted} shares accepted, ${s.pool.sharesRejected} rejected, ${s.pool.blocksFound} blocks found; accounting in ${s.pool.accountingDb}`,
    ...s.miners.map((m) => `${m.name}: ${m.accepted} accepted, ${m.rejected} rejected, ${m.blocks} blocks, last ${rate(m.hashrate)}`),
  ];
}

/** Redraws the view in place on a terminal; elsewhere prints it as a log line every `logEvery` frames. */
export class LiveView {
  private drawn = 0;
  private frames = 0;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly logEvery = 10,
  ) {}

  draw(lines: string[]): void {
    if (this.out.isTTY) {
      const width = this.out.columns ?? 80;
      let text = this.drawn > 0 ? `\x1b[${this.drawn}A` : '';
      for (const l of lines) text += `\x1b[2K${l.length > width ? l.slice(0, width - 1) : l}\n`;
      // A shorter view than the last one: clear what is left below it.
      text += '\x1b[J';
      this.out.write(text);
      this.drawn = lines.length;
    } else if (this.frames++ % this.logEvery === 0) {
      this.out.write(`${new Date().toISOString()} ${lines.slice(0, -1).join(' | ')}\n`);
    }
  }
}
