/** `sv2 miner <url>`: the CPU miner, with a status line every report period and a summary on exit. */
import { InvalidArgumentError, type Command } from 'commander';
import { hashToDisplay } from '../bitcoin/bytes.js';
import { Miner, type MinerStats } from '../roles/miner/miner.js';
import { toolLogger, withLogOptions, type LogFlags } from './log-options.js';
import { runRole } from './run-role.js';

interface MinerCliOptions extends LogFlags {
  user: string;
  password: string;
  threads?: number;
  extended?: boolean;
  hashrateReportSecs: number;
  nominalHashrate?: number;
}

function positiveInt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`--${name} must be a positive integer, got "${v}"`);
    return n;
  };
}

function positiveNumber(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`--${name} must be a positive number, got "${v}"`);
    return n;
  };
}

export function formatHashrate(hps: number): string {
  const units = ['H/s', 'kH/s', 'MH/s', 'GH/s', 'TH/s', 'PH/s'];
  let v = hps;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(v >= 100 || i === 0 ? 0 : 2)} ${units[i]}`;
}

function formatDifficulty(d: number): string {
  return d >= 1000 || d < 0.001 ? d.toExponential(3) : d.toPrecision(4);
}

function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h ${m}m ${s % 60}s` : m > 0 ? `${m}m ${s % 60}s` : `${s}s`;
}

function rejections(s: MinerStats): string {
  const reasons = Object.entries(s.rejectReasons).map(([r, n]) => `${r} ${n}`);
  return reasons.length > 0 ? ` (${reasons.join(', ')})` : '';
}

export function statusLine(s: MinerStats): string {
  const where = s.upstream === null ? 'not connected' : `${s.upstream}${s.channel ? ` ${s.channel.kind}${s.channel.kind === 'sv1' ? '' : ` channel ${s.channel.channelId}`}` : ''}`;
  return `${formatHashrate(s.hashrate)} | diff ${formatDifficulty(s.difficulty)} | accepted ${s.accepted} rejected ${s.rejected} | blocks ${s.blocks} | ${where}`;
}

export function summaryLine(s: MinerStats): string {
  const average = s.uptimeSeconds > 0 ? s.totalHashes / s.uptimeSeconds : 0;
  return `mined ${formatDuration(s.uptimeSeconds)} at ${formatHashrate(average)} on ${s.threads} thread${s.threads === 1 ? '' : 's'}: ${s.submitted} shares submitted, ${s.accepted} accepted, ${s.rejected} rejected${rejections(s)}, ${s.blocks} blocks`;
}

export function registerMinerCommand(program: Command): void {
  withLogOptions(program.command('miner'))
    .description('CPU miner for tests and demos: Sv2 (standard or extended channel) or Sv1')
    .argument('<url>', 'stratum2+tcp://host:port/<authority public key> (Sv2) or stratum+tcp://host:port (Sv1)')
    .option('-u, --user <name>', 'user identity (Sv2) / worker name (Sv1)', 'sv2-cpu-miner')
    .option('-p, --password <password>', 'Sv1 password', 'x')
    .option('-t, --threads <n>', 'hashing threads (default: one per core)', positiveInt('threads'))
    .option('--extended', 'Sv2: open an extended channel and roll the extranonce instead of header-only mining')
    .option('--hashrate-report-secs <s>', 'seconds between status lines (and hashrate checks)', positiveNumber('hashrate-report-secs'), 10)
    .option('--nominal-hashrate <h>', 'H/s announced when the channel opens (default: measured); corrected once measured', positiveNumber('nominal-hashrate'))
    .action((url: string, o: MinerCliOptions) =>
      runRole('miner', async () => {
        const miner = Miner.start({
          url,
          user: o.user,
          password: o.password,
          threads: o.threads,
          extended: o.extended,
          hashrateReportSecs: o.hashrateReportSecs,
          nominalHashrate: o.nominalHashrate,
        });
        const log = toolLogger('miner', o, 1);
        const say = (line: string): void => log.info(line);
        say(`mining over ${miner.url.protocol === 'sv2' ? 'Sv2' : 'Sv1'} on ${miner.threads} thread${miner.threads === 1 ? '' : 's'}, pool ${miner.url.host}:${miner.url.port}`);
        miner.on('connected', (c) => say(`connected to ${c.host}:${c.port}`));
        miner.on('connect-failed', (f) => say(`cannot connect to ${f.host}:${f.port}: ${f.reason}`));
        miner.on('disconnected', (d) => say(`disconnected (${d.reason})${d.retryInMs === null ? '' : `; retrying in ${(d.retryInMs / 1000).toFixed(1)} s`}`));
        miner.on('reconnect', (r) => say(`moving to ${r.host}:${r.port}: ${r.reason}`));
        miner.on('channel', (c) => say(`${c.kind === 'sv1' ? 'subscribed' : `${c.kind} channel ${c.channelId} open`}, difficulty ${formatDifficulty(c.difficulty)}`));
        miner.on('target', (t) => say(`difficulty now ${formatDifficulty(t.difficulty)}`));
        miner.on('nominal-hashrate', (h) => say(`announced hashrate updated to ${formatHashrate(h)}`));
        miner.on('block', (b) => say(`block found: ${hashToDisplay(b.hash)}`));
        miner.on('share-rejected', (r) => log.warn(`share rejected: ${r.reason}`));
        miner.on('notice', (n) => say(n));
        miner.on('hashrate', () => say(statusLine(miner.stats())));
        return {
          async close() {
            await miner.close();
            process.stdout.write(`sv2 miner: ${summaryLine(miner.stats())}\n`);
          },
        };
      }),
    );
}
