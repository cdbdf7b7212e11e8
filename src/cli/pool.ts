import type { Command } from 'commander';
import { splitHostPort } from '../roles/common/config.js';
import { roleLogger, withLogOptions, type LogFlags } from './log-options.js';
import { loadPoolConfig } from '../roles/pool/config.js';
import { templateFeedFor } from '../roles/pool/feeds.js';
import { Pool } from '../roles/pool/pool.js';
import { startMonitor } from '../monitor/server.js';
import { poolRoutes } from '../monitor/pool-routes.js';
import { listenKeyed, runRole } from './run-role.js';

export function registerPoolCommand(program: Command): void {
  withLogOptions(program.command('pool'))
    .description('run a Stratum V2 pool (SRI pool-config.toml keys; POOL__KEY environment overrides)')
    .option('-c, --config <file>', 'TOML config file (optional when POOL__ variables give every required key)')
    .action((opts: { config?: string } & LogFlags) =>
      runRole('pool', async () => {
        const cfg = loadPoolConfig(opts.config);
        const log = roleLogger('pool', opts, cfg);
        const { feed } = await templateFeedFor(cfg, log);
        const pool = await listenKeyed({ listen_address: cfg.listen_address, test_only_listen_adress_plain: cfg.test_only_listen_adress_plain, 'jds.listen_address': cfg.jds?.listen_address }, () => Pool.start({ config: cfg, feed, logger: log }));
        const monitor = cfg.monitoring_address === undefined ? undefined : await listenKeyed({ monitoring_address: cfg.monitoring_address }, () => startMonitor({ ...splitHostPort(cfg.monitoring_address!), routes: poolRoutes(pool), registry: pool.metrics.registry , dashboard: 'pool' }));
        process.stderr.write(`sv2 pool: listening on ${cfg.listen_address.replace(/:\d+$/, '')}:${pool.port}${pool.jd ? `, job declarator on ${cfg.jds!.listen_address.replace(/:\d+$/, '')}:${pool.jd.port}` : ''}${monitor ? `, monitoring on ${monitor.url} (dashboard at ${monitor.url}/)` : ''}\n`);
        return {
          async close() {
            await monitor?.close();
            await pool.close();
          },
        };
      }),
    );
}
