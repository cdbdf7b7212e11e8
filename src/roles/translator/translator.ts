/**
 * The running translator: the Sv1 server for miners, the upstream manager for the pool, the core
 * between them and a one-second tick. Monitoring routes and metrics are offered for the edge to
 * serve (the role does not open the HTTP server itself).
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { Sv1Server } from '../../net/sv1-server.js';
import type { Sv1ServerLimits } from '../../net/sv1-server.js';
import { silentLogger } from '../common/logger.js';
import type { TranslatorSettings } from './config.js';
import { sv2Connector } from '../common/upstream-connect.js';
import { TranslatorCore } from './core.js';
import { historyReading, monitoringRegistry, monitoringRoutes } from './monitoring.js';
import { HistoryRecorder, MemoryHistory } from '../common/history.js';
import type { MonitoringRoute } from './monitoring.js';
import { UpstreamManager } from '../common/upstream-manager.js';
import type { BackoffOptions, UpstreamConnector } from '../common/upstream-manager.js';

export interface TranslatorOptions {
  settings: TranslatorSettings;
  /** how to reach a pool; default: Noise NX over TCP with SetupConnection (connect.ts) */
  connect?: UpstreamConnector;
  logger?: Logger;
  sv1Limits?: Partial<Sv1ServerLimits>;
  backoff?: BackoffOptions;
  /** period of keep-alive / vardiff checks */
  tickMs?: number;
}

export interface RunningTranslator {
  readonly core: TranslatorCore;
  readonly upstreams: UpstreamManager;
  readonly sv1: Sv1Server;
  readonly sv1Port: number;
  readonly routes: Record<string, MonitoringRoute>;
  readonly registry: Registry;
  close(): Promise<void>;
}

export async function startTranslator(options: TranslatorOptions): Promise<RunningTranslator> {
  const settings = options.settings;
  const log = options.logger ?? silentLogger();
  const startedAt = Date.now();
  let upstreams: UpstreamManager | null = null;
  const core = new TranslatorCore({
    aggregateChannels: settings.aggregateChannels,
    extranonce2Size: settings.extranonce2Size,
    sharesPerMinute: settings.sharesPerMinute,
    minIndividualMinerHashrate: settings.minIndividualMinerHashrate,
    enableVardiff: settings.enableVardiff,
    jobKeepaliveIntervalSecs: settings.jobKeepaliveIntervalSecs,
    maxPastJobs: settings.maxPastJobs,
    logger: log.child({ component: 'core' }),
    onUpstreamAction: (action) => upstreams?.act(action),
  });
  const minerLog = log.child({ component: 'sv1' });
  const sv1 = await Sv1Server.listen({
    host: settings.downstreamAddress,
    port: settings.downstreamPort,
    limits: {
        maxConnections: settings.maxConnections,
        maxConnectionsPerIp: settings.maxConnectionsPerIp,
        refusedHoldMs: settings.refusedHoldMs,
        maxRefusedHeld: settings.maxRefusedHeld,
        ...options.sv1Limits,
      },
    onConnection: (connection) => {
      const session = core.addMiner({
        id: connection.id,
        remoteAddress: connection.remoteAddress,
        send: (line) => connection.send(line),
        kick: (detail) => connection.close('kicked', detail),
      });
      minerLog.debug({ miner: connection.id, address: connection.remoteAddress }, 'miner connected');
      connection.setHandler({
        onMessage: (message) => core.minerMessage(session, message),
        onBadLine: (error) => minerLog.debug({ miner: connection.id, error: error.message }, 'bad line'),
        onClose: (reason, detail) => core.removeMiner(session, reason === 'peer' ? detail : `${reason}: ${detail}`),
      });
    },
  });
  const connector =
    options.connect ?? sv2Connector({ minVersion: settings.minVersion, maxVersion: settings.maxVersion, firmware: 'sv2 translator', onWarning: (message) => log.warn(message) });
  upstreams = new UpstreamManager(settings.upstreams, connector, core, log.child({ component: 'upstream' }), options.backoff);
  upstreams.start();
  const ticker = setInterval(() => core.tick(), options.tickMs ?? 1_000);
  ticker.unref();

  // A day of minutes in memory for the dashboard's chart.
  const history = new HistoryRecorder(() => historyReading(core, Date.now()), new MemoryHistory(24 * 60));
  history.start();
  const source = { core, upstreams, sv1, extranonce2Size: settings.extranonce2Size, startedAt, perClientMetrics: settings.perClientMetrics, history: history.sink };
  const running: RunningTranslator = {
    core,
    upstreams,
    sv1,
    sv1Port: sv1.port,
    routes: monitoringRoutes(source),
    registry: monitoringRegistry(source),
    async close() {
      clearInterval(ticker);
      history.stop();
      await sv1.close();
      await upstreams!.stop();
    },
  };
  log.info({ sv1: `${settings.downstreamAddress}:${sv1.port}`, mode: settings.aggregateChannels ? 'aggregated' : 'non-aggregated', upstreams: settings.upstreams.length }, 'translator started');
  for (const w of settings.warnings ?? []) log.warn(w);
  if (settings.ignored.length > 0) log.warn({ keys: settings.ignored }, 'config keys accepted for SRI compatibility but not acted on');
  return running;
}
