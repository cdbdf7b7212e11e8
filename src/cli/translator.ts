/** `sv2 translator`: Sv1 mining firmware in, a Stratum V2 pool out (SRI tProxy config keys). */
import type { Command } from 'commander';
import { startMonitor } from '../monitor/server.js';
import { roleLogger, withLogOptions, type LogFlags } from './log-options.js';
import { loadTranslatorConfig } from '../roles/translator/config.js';
import { startTranslator } from '../roles/translator/translator.js';
import { listenKeyed, runRole } from './run-role.js';

export function registerTranslatorCommand(program: Command): void {
  withLogOptions(program.command('translator'))
    .description('run the translator proxy: Sv1 miners to a Stratum V2 pool (SRI tproxy-config.toml keys; TPROXY__KEY environment overrides)')
    .option('-c, --config <file>', 'TOML config file (optional when TPROXY__ variables give every required key)')
    .action((opts: { config?: string } & LogFlags) =>
      runRole('translator', async () => {
        const settings = loadTranslatorConfig(opts.config);
        const logger = roleLogger('translator', opts, { log_file: settings.logFile, log_level: settings.logLevel, log_format: settings.logFormat });
        const translator = await listenKeyed({ downstream_port: `${settings.downstreamAddress}:${settings.downstreamPort}` }, () => startTranslator({ settings, logger }));
        const monitor =
          settings.monitoringAddress === null ? undefined : await listenKeyed({ monitoring_address: `${settings.monitoringAddress.host}:${settings.monitoringAddress.port}` }, () => startMonitor({ ...settings.monitoringAddress!, routes: translator.routes, registry: translator.registry, dashboard: 'translator' }));
        process.stderr.write(
          `sv2 translator: Sv1 miners on ${settings.downstreamAddress}:${translator.sv1Port}, ${settings.aggregateChannels ? 'aggregated' : 'non-aggregated'}, ` +
            `upstream ${settings.upstreams.map((u) => `${u.host}:${u.port}`).join(', then ')}${monitor ? `, monitoring on ${monitor.url} (dashboard at ${monitor.url}/)` : ''}\n`,
        );
        return {
          async close() {
            await monitor?.close();
            await translator.close();
          },
        };
      }),
    );
}
