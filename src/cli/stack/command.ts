import type { Command } from 'commander';
import { LOG_LEVELS, resolveLogLevel } from '../../roles/common/logger.js';
import { runRole } from '../run-role.js';
import { loadStackConfig } from './config.js';
import { startStack } from './stack.js';
import { LiveView, renderSummary, renderView } from './view.js';

export function registerStackCommand(program: Command): void {
  program
    .command('stack')
    .description('run a whole local Stratum V2 system: embedded regtest chain, template provider, pool with its job declarator, JD client, translator, an Sv2 and an Sv1 CPU miner')
    .option('-c, --config <file>', 'stack TOML file (optional; see config-examples/stack.toml)')
    .option('-l, --log-level <level>', `level of the log files in the data directory: ${LOG_LEVELS.join(', ')} (default: log_level, else SV2_LOG_LEVEL, else info)`)
    .action((opts: { config?: string; logLevel?: string }) =>
      runRole('stack', async () => {
        const file = loadStackConfig(opts.config);
        const cfg = { ...file, log_level: resolveLogLevel(opts.logLevel, file.log_level) };
        process.stdout.write(`starting the local stack (embedded regtest chain, template provider, pool, ${file.job_declaration ? 'job declarator, JD client, ' : ''}translator, miners)…\n`);
        // Without a terminal there is no view to show warnings under: they go to standard error.
        const stack = await startStack(cfg, process.stdout.isTTY ? {} : { onWarning: (line) => process.stderr.write(`${line}\n`) });
        for (const e of stack.endpoints) process.stdout.write(`  ${e.name.padEnd(32)} ${e.value}\n`);
        for (const m of stack.monitors) process.stdout.write(`  ${`${m.name} dashboard`.padEnd(32)} ${m.dashboard ?? `${m.url}/api/v1/global`}\n`);
        process.stdout.write(`  ${''.padEnd(32)} (each also serves /api/v1/* and /metrics)\n`);
        process.stdout.write('\n');
        const view = new LiveView(process.stdout);
        const timer = setInterval(() => view.draw(renderView(stack)), cfg.view_interval_secs * 1000);
        view.draw(renderView(stack));
        return {
          async close() {
            clearInterval(timer);
            process.stdout.write('\nstopping…\n');
            const summary = await stack.close();
            for (const l of renderSummary(summary)) process.stdout.write(`${l}\n`);
          },
        };
      }),
    );
}
