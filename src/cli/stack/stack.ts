/**
 * The local stack: embedded chain + Template Provider, pool, translator, one Sv2 and one Sv1 CPU
 * miner, all on one host, started in dependency order and stopped in reverse. Keys are made once
 * and kept in the data directory, and so are the chain and the pool's database, so a restart
 * carries on where the last run stopped.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AuthorityKeyPair } from '../../noise/authority-key.js';
import { ConfigError } from '../../roles/common/config.js';
import { estimateHashrate, Miner } from '../../roles/miner/miner.js';
import { TdpTemplateFeed } from '../../roles/common/tdp-client.js';
import { loadPoolConfig } from '../../roles/pool/config.js';
import { Pool } from '../../roles/pool/pool.js';
import { startBackend } from '../../roles/template-provider/backend.js';
import { loadTpConfig } from '../../roles/template-provider/config.js';
import { TemplateProvider } from '../../roles/template-provider/template-provider.js';
import { resolveTranslatorConfig, translatorConfigSchema } from '../../roles/translator/config.js';
import type { RunningTranslator } from '../../roles/translator/translator.js';
import { startTranslator } from '../../roles/translator/translator.js';
import { loadConfig } from '../../roles/common/config.js';
import { startMonitor } from '../../monitor/server.js';
import type { MonitorServer } from '../../monitor/server.js';
import { poolRoutes } from '../../monitor/pool-routes.js';
import { poolGlobal } from '../../monitor/pool-views.js';
import { tpRoutes } from '../../monitor/tp-routes.js';
import type { StackConfig } from './config.js';
import { StackLogs } from './stack-logs.js';
import { resolveLogLevel } from '../../roles/common/logger.js';
import { listenKeyed } from '../run-role.js';
import { jdcRoutes } from '../../monitor/jdc-views.js';
import type { JdClient } from '../../roles/jd-client/jd-client.js';
import { jdcRegistry } from '../../roles/jd-client/metrics.js';
import { jdcSettings, poolFeedOnChain, startStackJdc } from './jd.js';
import { proxyRoutes } from '../../monitor/proxy-views.js';
import { proxyRegistry } from '../../roles/proxy/metrics.js';
import { Proxy } from '../../roles/proxy/proxy.js';
import { proxySettings } from './proxy.js';

/** The pool's payout address on regtest (a well-known test vector address; regtest coins only). */
const REGTEST_REWARD = 'addr(bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080)';
export const SV2_MINER_USER = 'stack.sv2-miner';
export const TRANSLATOR_USER = 'stack.translator';

export interface StackKeys {
  public_key: string;
  secret_key: string;
}

export interface Stack {
  readonly cfg: StackConfig;
  readonly keys: StackKeys;
  readonly tp: TemplateProvider;
  readonly pool: Pool;
  readonly translator: RunningTranslator;
  /** The JD client the Sv2 miner mines through (unless job_declaration = false). */
  readonly jdc: JdClient | undefined;
  readonly proxy: Proxy | undefined;
  /** Blocks found this run on templates the pool built (the JD client's are in `jdc.blocks`). */
  poolTemplateBlocks(): number;
  readonly sv2Miner: Miner | undefined;
  readonly sv1Miner: Miner | undefined;
  /** Each role's monitoring server: `url` serves /api/v1/* and /metrics, `dashboard` the web page. */
  readonly monitors: { name: string; url: string; dashboard: string | undefined }[];
  readonly endpoints: { name: string; value: string }[];
  readonly logs: StackLogs;
  /** Blocks the chain accepted since this run started. */
  readonly startHeight: number;
  height(): number;
  close(): Promise<StackSummary>;
}

export interface StackSummary {
  runSeconds: number;
  chainHeight: number;
  blocksThisRun: number;
  pool: { sharesAccepted: number; sharesRejected: number; blocksFound: number; accountingDb: string };
  /** What each pool user was told was accepted (SubmitShares.Success counts), by user identity. */
  toldAccepted: Record<string, number>;
  miners: { name: string; accepted: number; rejected: number; blocks: number; hashrate: number }[];
}

/** The authority key pair of this data directory, made on first start. */
export function stackKeys(dataDir: string): StackKeys {
  const file = path.join(dataDir, 'authority-keys.json');
  if (existsSync(file)) {
    const keys = JSON.parse(readFileSync(file, 'utf8')) as StackKeys;
    // Refuse a damaged file rather than run with a key nobody can verify.
    if (AuthorityKeyPair.parseSecret(keys.secret_key).publicKey.toString() !== keys.public_key) {
      throw new ConfigError('data_dir', `${file}: public_key is not the key of secret_key`);
    }
    return keys;
  }
  mkdirSync(dataDir, { recursive: true });
  const pair = AuthorityKeyPair.generate();
  const keys = { public_key: pair.publicKey.toString(), secret_key: pair.secretToString() };
  writeFileSync(file, JSON.stringify(keys, null, 2) + '\n', { mode: 0o600 });
  return keys;
}

function roleError(role: string, fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(`${role}.${e.key}`, e.problem);
    throw e;
  }
}

export interface StackOptions {
  /** Where warnings and errors go when there is no live view to show them under. */
  onWarning?: (line: string) => void;
}

export async function startStack(cfg: StackConfig, opts: StackOptions = {}): Promise<Stack> {
  const dataDir = path.resolve(cfg.data_dir);
  const logs = new StackLogs(path.join(dataDir, 'logs'), cfg.log_level ?? resolveLogLevel(undefined, undefined), opts.onWarning, cfg.log_file);
  const log = logs.logger('stack');
  mkdirSync(dataDir, { recursive: true });
  const keys = stackKeys(dataDir);
  const host = cfg.host;
  const monitorPort = (i: number): number => (cfg.monitoring_port === 0 ? 0 : cfg.monitoring_port + i);
  const minerThreads = cfg.sv2_miner_threads + cfg.sv1_miner_threads;
  const closers: (() => Promise<unknown>)[] = [];
  const monitors: { name: string; url: string; dashboard: string | undefined }[] = [];
  const addMonitor = (m: MonitorServer, name: string): void => {
    monitors.push({ name, url: m.url, dashboard: m.dashboardUrl });
    closers.push(() => m.close());
  };
  const closeAll = async (): Promise<void> => {
    for (const c of closers.splice(0).reverse()) await c().catch((e: unknown) => log.warn({ err: (e as Error).message }, 'error while stopping'));
    logs.flush();
  };

  try {
    // 1. Chain + Template Provider.
    let tpCfg!: ReturnType<typeof loadTpConfig>;
    roleError('template_provider', () => {
      tpCfg = loadTpConfig(undefined, {}, {
        listen_address: `${host}:${cfg.template_provider_port}`,
        authority_public_key: keys.public_key,
        authority_secret_key: keys.secret_key,
        backend: {
          Embedded: {
            data_dir: path.join(dataDir, 'chain'),
            target_block_interval_secs: cfg.target_block_interval_secs,
            initial_hashrate: Math.max(1, estimateHashrate(Math.max(1, minerThreads))),
            tx_per_second: cfg.tx_per_second,
          },
        },
        ...cfg.template_provider,
      });
    });
    const tpLog = logs.logger('template-provider');
    const backend = await startBackend(tpCfg, tpLog);
    const tp = await listenKeyed({ template_provider_port: tpCfg.listen_address }, () => TemplateProvider.start({ config: tpCfg, backend, logger: tpLog }));
    closers.push(() => tp.close());
    const chainHeight = (): number => backend.node?.chain.height ?? tp.source.tip()?.height ?? 0;
    const startHeight = chainHeight();

    // 2. Pool, fed by the Template Provider over Sv2.
    let poolCfg!: ReturnType<typeof loadPoolConfig>;
    roleError('pool', () => {
      poolCfg = loadPoolConfig(undefined, {}, {
        listen_address: `${host}:${cfg.pool_port}`,
        authority_public_key: keys.public_key,
        authority_secret_key: keys.secret_key,
        coinbase_reward_script: REGTEST_REWARD,
        pool_signature: 'stratum-v2-ts local stack',
        // Lively: a share every two seconds or so per channel.
        shares_per_minute: 30,
        accounting_db: path.join(dataDir, 'pool.sqlite'),
        // With job declaration the pool checks declared jobs against the chain, so it reads it in-process.
        template_provider_type: cfg.job_declaration ? { Embedded: {} } : { Sv2Tp: { address: `${host}:${tp.port}`, public_key: keys.public_key } },
        ...(cfg.job_declaration && { jds: { listen_address: `${host}:${cfg.jds_port}` } }),
        ...cfg.pool,
      });
    });
    const tpAddress = 'Sv2Tp' in poolCfg.template_provider_type ? poolCfg.template_provider_type.Sv2Tp : undefined;
    const poolLog = logs.logger('pool');
    const feed = tpAddress === undefined ? poolFeedOnChain(backend.node) : new TdpTemplateFeed({ address: tpAddress.address, authorityPublicKey: tpAddress.public_key, logger: poolLog });
    const pool = await listenKeyed({ pool_port: poolCfg.listen_address, jds_port: poolCfg.jds?.listen_address }, () => Pool.start({ config: poolCfg, feed, logger: poolLog }));
    closers.push(() => pool.close());

    // 2b. The JD client: the Sv2 miner's templates, from the TP, declared to the pool's JDS.
    let jdc: JdClient | undefined;
    if (pool.jd !== undefined) {
      const settings = jdcSettings(cfg, keys, tp.port, pool, SV2_MINER_USER);
      const started = await listenKeyed({ jd_client_port: settings.listenAddress }, () => startStackJdc(settings, logs.logger('jd-client')));
      jdc = started;
      closers.push(() => started.close());
    }

    // 2c. The Sv2 mining proxy: the Sv2 miner is a device of a farm that speaks upstream as one unit.
    let proxy: Proxy | undefined;
    if (cfg.sv2_proxy) {
      const settings = proxySettings(cfg, keys, jdc?.port ?? pool.port, SV2_MINER_USER);
      const started = await listenKeyed({ proxy_port: settings.listenAddress }, () => Proxy.start({ settings, logger: logs.logger('proxy') }));
      proxy = started;
      closers.push(() => started.close());
    }

    // 3. Translator for Sv1 miners, upstream to the pool.
    let tSettings!: ReturnType<typeof resolveTranslatorConfig>;
    roleError('translator', () => {
      const raw = loadConfig({
        envPrefix: 'TPROXY',
        env: {},
        schema: translatorConfigSchema,
        base: {
          downstream_address: host,
          downstream_port: cfg.translator_port,
          aggregate_channels: true,
          downstream_difficulty_config: { min_individual_miner_hashrate: Math.max(1, estimateHashrate(Math.max(1, cfg.sv1_miner_threads))), shares_per_minute: 30, enable_vardiff: true },
          upstreams: [{ address: host, port: pool.port, authority_pubkey: keys.public_key, user_identity: TRANSLATOR_USER }],
          ...cfg.translator,
        },
      });
      tSettings = resolveTranslatorConfig(raw);
    });
    const translator = await listenKeyed({ translator_port: `${host}:${tSettings.downstreamPort}` }, () => startTranslator({ settings: tSettings, logger: logs.logger('translator') }));
    closers.push(() => translator.close());

    // 4. Monitoring: pool, translator, template provider.
    // Each page links the others: read when asked, so the list is complete once all three listen.
    const linked = <T extends object>(routes: T) => ({ ...routes, '/api/v1/dashboards': () => monitors.map((m) => ({ name: m.name, url: m.dashboard })) });
    const monitorOn = (i: number, make: () => Promise<MonitorServer>): Promise<MonitorServer> =>
      listenKeyed({ monitoring_port: `${host}:${monitorPort(i)}` }, make);
    addMonitor(await monitorOn(0, () => startMonitor({ host, port: monitorPort(0), routes: linked(poolRoutes(pool)), registry: pool.metrics.registry, dashboard: 'pool' })), 'pool');
    addMonitor(await monitorOn(1, () => startMonitor({ host, port: monitorPort(1), routes: linked(translator.routes), registry: translator.registry, dashboard: 'translator' })), 'translator');
    addMonitor(await monitorOn(2, () => startMonitor({ host, port: monitorPort(2), routes: linked(tpRoutes(tp)), registry: tp.metrics.registry, dashboard: 'template-provider' })), 'template-provider');
    if (proxy !== undefined) {
      const p = proxy;
      addMonitor(await monitorOn(4, () => startMonitor({ host, port: monitorPort(4), routes: linked(proxyRoutes(p)), registry: proxyRegistry(p), dashboard: 'proxy' })), 'proxy');
    }
    if (jdc !== undefined) addMonitor(await monitorOn(3, () => startMonitor({ host, port: monitorPort(3), routes: linked(jdcRoutes(jdc)), registry: jdcRegistry(jdc), dashboard: 'jd-client' })), 'jd-client');

    // 5. Miners.
    const sv2Miner =
      cfg.sv2_miner_threads > 0
        ? await Miner.start({ url: `stratum2+tcp://${host}:${proxy?.port ?? jdc?.port ?? pool.port}/${keys.public_key}`, user: SV2_MINER_USER, threads: cfg.sv2_miner_threads })
        : undefined;
    if (sv2Miner) closers.push(() => sv2Miner.close());
    const sv1Miner =
      cfg.sv1_miner_threads > 0 ? await Miner.start({ url: `stratum+tcp://${host}:${translator.sv1Port}`, user: 'stack.sv1-miner', threads: cfg.sv1_miner_threads }) : undefined;
    if (sv1Miner) closers.push(() => sv1Miner.close());

    const startedAt = Date.now();
    const height = chainHeight;
    const endpoints = [
      { name: 'template provider (Sv2, Noise)', value: `${host}:${tp.port}` },
      { name: 'pool (Sv2, Noise)', value: `stratum2+tcp://${host}:${pool.port}/${keys.public_key}` },
      ...(jdc !== undefined ? [{ name: 'JD client (Sv2, the Sv2 miner)', value: `stratum2+tcp://${host}:${jdc.port}/${keys.public_key}` }, { name: 'job declarator (pool)', value: `${host}:${pool.jd!.port}` }] : []),
      ...(proxy !== undefined ? [{ name: 'Sv2 mining proxy (the Sv2 miner)', value: `stratum2+tcp://${host}:${proxy.port}/${keys.public_key}` }] : []),
      { name: 'translator (Sv1)', value: `stratum+tcp://${host}:${translator.sv1Port}` },
      { name: 'data directory', value: dataDir },
      { name: 'logs', value: cfg.log_file ?? logs.dir },
    ];
    return {
      cfg,
      keys,
      tp,
      pool,
      translator,
      jdc,
      proxy,
      poolTemplateBlocks: () => pool.store.blocks().filter((b) => b.timeMs >= startedAt && /^\d+$/.test(b.templateId)).length,
      sv2Miner,
      sv1Miner,
      monitors,
      endpoints,
      logs,
      startHeight,
      height,
      async close(): Promise<StackSummary> {
        const told: Record<string, number> = {};
        // The pool's user behind the Sv2 miner is the JD client when it runs: what the pool told it.
        if (jdc !== undefined) told[SV2_MINER_USER] = jdc.counts.upstreamAccepted;
        else if (proxy !== undefined) told[SV2_MINER_USER] = proxy.upstream.counts.accepted;
        else if (sv2Miner) told[SV2_MINER_USER] = sv2Miner.stats().accepted;
        let translatorAcked = 0;
        for (const ch of translator.core.upstreamChannels) translatorAcked += ch.stats.sharesAcknowledged;
        told[TRANSLATOR_USER] = translatorAcked;
        const miners = [
          ...(sv2Miner ? [{ name: 'sv2 miner', m: sv2Miner }] : []),
          ...(sv1Miner ? [{ name: 'sv1 miner', m: sv1Miner }] : []),
        ].map(({ name, m }) => {
          const s = m.stats();
          return { name, accepted: s.accepted, rejected: s.rejected, blocks: s.blocks, hashrate: s.hashrate };
        });
        const g = poolGlobal(pool);
        await closeAll();
        const summary: StackSummary = {
          runSeconds: Math.round((Date.now() - startedAt) / 1000),
          chainHeight: height(),
          blocksThisRun: height() - startHeight,
          pool: { sharesAccepted: g.shares_accepted, sharesRejected: g.shares_rejected, blocksFound: g.blocks_found, accountingDb: poolCfg.accounting_db },
          toldAccepted: told,
          miners,
        };
        writeFileSync(path.join(dataDir, 'last-run.json'), JSON.stringify(summary, null, 2) + '\n');
        return summary;
      },
    };
  } catch (e) {
    await closeAll();
    throw e;
  }
}
