/** `sv2 jd-client`: the miner's own templates, declared to a pool's JDS, mined by Sv2 devices; solo when no pool is left. */
import type { Command } from 'commander';
import { jdcRoutes } from '../monitor/jdc-views.js';
import { startMonitor } from '../monitor/server.js';
import { loadJdcConfig } from '../roles/jd-client/config.js';
import { JdClient } from '../roles/jd-client/jd-client.js';
import { jdcRegistry } from '../roles/jd-client/metrics.js';
import { roleLogger, withLogOptions, type LogFlags } from './log-options.js';
import { listenKeyed, runRole } from './run-role.js';

export function registerJdClientCommand(program: Command): void {
  withLogOptions(program.command('jd-client'))
    .description("run the Job Declarator client: templates from your node declared to a pool's JDS, Sv2 devices and the translator downstream, solo as the last fallback (SRI jdc-config keys; JDC__KEY environment overrides)")
    .option('-c, --config <file>', 'TOML config file (optional when JDC__ variables give every required key)')
    .action((opts: { config?: string } & LogFlags) =>
      runRole('jd-client', async () => {
        const settings = loadJdcConfig(opts.config);
        const logger = roleLogger('jd-client', opts, { log_file: settings.logFile, log_level: settings.logLevel, log_format: settings.logFormat });
        const jdc = await listenKeyed({ listening_address: settings.listenAddress }, () => JdClient.start({ settings, logger }));
        const m = settings.monitoringAddress;
        const monitor = m === null ? undefined : await listenKeyed({ monitoring_address: `${m.host}:${m.port}` }, () => startMonitor({ ...m, routes: jdcRoutes(jdc), registry: jdcRegistry(jdc), dashboard: 'jd-client' }));
        const up = settings.upstreams.map((u) => `${u.host}:${u.port} (JDS ${u.jds.host}:${u.jds.port})`).join(', then ');
        process.stderr.write(
          `sv2 jd-client: devices on ${settings.listenAddress.replace(/:\d+$/, '')}:${jdc.port}, ${settings.mode}, ` +
            `${up === '' ? 'solo' : `upstream ${up}, then solo`}${monitor ? `, monitoring on ${monitor.url} (dashboard at ${monitor.url}/)` : ''}\n`,
        );
        return {
          async close() {
            await monitor?.close();
            await jdc.close();
          },
        };
      }),
    );
}
