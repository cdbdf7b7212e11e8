/** `sv2 proxy`: Sv2 devices in, one aggregated channel to a Stratum V2 pool out, with failover. */
import type { Command } from 'commander';
import { proxyRoutes } from '../monitor/proxy-views.js';
import { startMonitor } from '../monitor/server.js';
import { roleLogger, withLogOptions, type LogFlags } from './log-options.js';
import { loadProxyConfig } from '../roles/proxy/config.js';
import { proxyRegistry } from '../roles/proxy/metrics.js';
import { Proxy } from '../roles/proxy/proxy.js';
import { runRole } from './run-role.js';

export function registerProxyCommand(program: Command): void {
  withLogOptions(program.command('proxy'))
    .description('run the Sv2 mining proxy: Sv2 devices to a Stratum V2 pool over one channel (PROXY__KEY environment overrides)')
    .option('-c, --config <file>', 'TOML config file (optional when PROXY__ variables give every required key)')
    .action((opts: { config?: string } & LogFlags) =>
      runRole('proxy', async () => {
        const settings = loadProxyConfig(opts.config);
        const logger = roleLogger('proxy', opts, { log_file: settings.logFile, log_level: settings.logLevel, log_format: settings.logFormat });
        const proxy = await Proxy.start({ settings, logger });
        const monitor = settings.monitoringAddress === null ? undefined : await startMonitor({ ...settings.monitoringAddress, routes: proxyRoutes(proxy), registry: proxyRegistry(proxy), dashboard: 'proxy' });
        process.stderr.write(
          `sv2 proxy: listening on ${settings.listenAddress.replace(/:\d+$/, '')}:${proxy.port}, ` +
            `upstream ${settings.upstreams.map((u) => `${u.host}:${u.port}`).join(', then ')}${monitor ? `, monitoring on ${monitor.url} (dashboard at ${monitor.url}/)` : ''}\n`,
        );
        return {
          async close() {
            await monitor?.close();
            await proxy.close();
          },
        };
      }),
    );
}
