import type { Command } from 'commander';
import { splitHostPort } from '../roles/common/config.js';
import { roleLogger, withLogOptions, type LogFlags } from './log-options.js';
import { startBackend } from '../roles/template-provider/backend.js';
import { loadTpConfig } from '../roles/template-provider/config.js';
import { TemplateProvider } from '../roles/template-provider/template-provider.js';
import { startMonitor } from '../monitor/server.js';
import { tpRoutes } from '../monitor/tp-routes.js';
import { listenKeyed, runRole } from './run-role.js';

export function registerTemplateProviderCommand(program: Command): void {
  withLogOptions(program.command('template-provider'))
    .description('run a Stratum V2 Template Provider over the embedded chain or a bitcoind RPC node (TP__KEY environment overrides)')
    .option('-c, --config <file>', 'TOML config file (optional: defaults serve the embedded chain on 127.0.0.1:8442, given keys or plaintext)')
    .action((opts: { config?: string } & LogFlags) =>
      runRole('template-provider', async () => {
        const cfg = loadTpConfig(opts.config);
        const log = roleLogger('template-provider', opts, cfg);
        const backend = await startBackend(cfg, log);
        // On a failed start the provider closes the backend itself.
        const tp = await listenKeyed({ listen_address: cfg.listen_address }, () => TemplateProvider.start({ config: cfg, backend, logger: log }));
        const monitor = cfg.monitoring_address === undefined ? undefined : await listenKeyed({ monitoring_address: cfg.monitoring_address }, () => startMonitor({ ...splitHostPort(cfg.monitoring_address!), routes: tpRoutes(tp), registry: tp.metrics.registry , dashboard: 'template-provider' }));
        const where = `${cfg.listen_address.replace(/:\d+$/, '')}:${tp.port}`;
        const security = cfg.plaintext ? 'plaintext' : `noise, authority ${cfg.authority_public_key}`;
        process.stderr.write(`sv2 template-provider: listening on ${where} (${security}), backend ${backend.kind}${monitor ? `, monitoring on ${monitor.url} (dashboard at ${monitor.url}/)` : ''}\n`);
        return {
          async close() {
            await monitor?.close();
            await tp.close();
          },
        };
      }),
    );
}
