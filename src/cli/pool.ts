import type { Command } from 'commander';
import { splitHostPort } from '../roles/common/config.js';
import { createLogger } from '../roles/common/logger.js';
import { loadPoolConfig } from '../roles/pool/config.js';
import { templateFeedFor } from '../roles/pool/feeds.js';
import { Pool } from '../roles/pool/pool.js';
import { startMonitor } from '../monitor/server.js';
import { poolRoutes } from '../monitor/pool-routes.js';
import { runRole } from './run-role.js';

export function registerPoolCommand(program: Command): void {
  program
    .command('pool')
    .description('run a Stratum V2 pool (SRI pool-config.toml keys; POOL__KEY environment overrides)')
    .option('-c, --config <file>', 'TOML config file (optional when POOL__ variables give every required key)')
    .option('-f, --log-file <file>', 'write JSON logs to this file instead of standard error')
    .action((opts: { config?: string; logFile?: string }) =>
      runRole('pool', async () => {
        const cfg = loadPoolConfig(opts.config);
        const log = createLogger('pool', { file: opts.logFile ?? cfg.log_file });
        const { feed } = await templateFeedFor(cfg, log);
        const pool = await Pool.start({ config: cfg, feed, logger: log });
        const monitor = cfg.monitoring_address === undefined ? undefined : await startMonitor({ ...splitHostPort(cfg.monitoring_address), routes: poolRoutes(pool), registry: pool.metrics.registry });
        process.stderr.write(`sv2 pool: listening on ${cfg.listen_address.replace(/:\d+$/, '')}:${pool.port}${monitor ? `, monitoring on ${monitor.url}` : ''}\n`);
        return {
          async close() {
            await monitor?.close();
            await pool.close();
          },
        };
      }),
    );
}
