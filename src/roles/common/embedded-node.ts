/**
 * The embedded node role: an EmbeddedChain (in memory or in a data directory), its
 * bitcoind-compatible RPC server, and a transaction generator paced by a timer so templates carry
 * real transactions. On a fresh chain it mines bootstrap blocks to the generator's wallet so the
 * wallet has mature coins to spend.
 */
import { Sv2Error } from '../../codec/sv2-error.js';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MemoryBlockStore } from '../../chain/block-store.js';
import { FileBlockStore } from './file-block-store.js';
import { EmbeddedChain } from '../../chain/chain.js';
import type { DifficultyConfig } from '../../chain/difficulty.js';
import { EmbeddedTemplateSource } from '../../chain/embedded-source.js';
import { REGTEST_PARAMS } from '../../chain/params.js';
import type { TemplateHubOptions } from '../../chain/template-source.js';
import { TxGenerator } from '../../chain/tx-generator.js';
import { RpcServer } from '../../net/bitcoind/rpc-server.js';
import type { RpcCredentials } from '../../net/bitcoind/jsonrpc.js';
import { ConfigError } from './config.js';

export interface NodeConfig {
  /** Blocks (and the RPC cookie) live here; in memory when absent. */
  dataDir?: string;
  /** RPC server; omitted: no RPC. Auth: user/password, else a cookie in dataDir. */
  rpc?: { host?: string; port?: number; credentials?: RpcCredentials; longpollMempoolSeconds?: number };
  difficulty?: DifficultyConfig;
  /** Transactions generated per second (0 disables the generator). */
  txPerSecond?: number;
  generatorSeed?: string;
  /** Blocks mined at start on an empty chain so the generator's coins mature (default 101). */
  bootstrapBlocks?: number;
  /** First height where segwit rules apply (default 0, as regtest); a later one tests chains where segwit is not active yet. */
  segwitHeight?: number;
  /** The template source's fee delta and template cache (a template provider sets them). */
  templates?: TemplateHubOptions;
}

/** The difficulty keys of a role's embedded-chain table (the pool's and the template provider's). */
export interface EmbeddedDifficultyKeys {
  /** Fixed nBits, as hex. */
  nbits?: string;
  target_block_interval_secs?: number;
  /** With target_block_interval_secs: the hashrate (H/s) the first target assumes. */
  initial_hashrate?: number;
}

/** The embedded chain's difficulty rule from those keys; a ConfigError names `${table}.nbits` when both rules are given. */
export function embeddedDifficulty(e: EmbeddedDifficultyKeys, table: string): DifficultyConfig {
  if (e.nbits !== undefined && e.target_block_interval_secs !== undefined) {
    throw new ConfigError(`${table}.nbits`, 'give nbits or target_block_interval_secs, not both');
  }
  if (e.nbits !== undefined) return { mode: 'fixed', bits: parseInt(e.nbits.replace(/^0x/, ''), 16) >>> 0 };
  if (e.target_block_interval_secs !== undefined) return { mode: 'retarget', blockIntervalSeconds: e.target_block_interval_secs, initialHashrate: e.initial_hashrate };
  return { mode: 'regtest' };
}

export interface NodeLogger {
  info(msg: string): void;
  warn(msg: string): void;
}

export interface RunningNode {
  chain: EmbeddedChain;
  source: EmbeddedTemplateSource;
  generator?: TxGenerator;
  rpc?: { url: string; port: number; cookieFile?: string };
  /** Runs one generator round now (what the timer does each second). */
  tick(): number;
  close(): Promise<void>;
}

export class NodeConfigError extends Sv2Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SV2_ERR_CONFIG', message, options);
  }
}

export async function startNode(cfg: NodeConfig, log: NodeLogger = { info() {}, warn() {} }): Promise<RunningNode> {
  if (cfg.rpc && !cfg.rpc.credentials && !cfg.dataDir) throw new NodeConfigError('RPC needs a user and password, or a data directory for its cookie file');
  const rate = cfg.txPerSecond ?? 2;
  if (!(rate >= 0) || !Number.isFinite(rate)) throw new NodeConfigError(`transactions per second must be ≥ 0, got ${rate}`);
  if (cfg.dataDir) mkdirSync(cfg.dataDir, { recursive: true });
  const bootstrap = cfg.bootstrapBlocks ?? 101;
  // With a retargeting chain the bootstrap blocks are mined at the pow limit (at once), and the
  // retarget starts after them; a chain with a generator always has them, so this is stable across restarts.
  const configured =
    cfg.difficulty?.mode === 'retarget' && cfg.difficulty.easyBlocks === undefined && rate > 0 ? { ...cfg.difficulty, easyBlocks: bootstrap } : cfg.difficulty;
  const difficulty = cfg.dataDir ? chainDifficulty(cfg.dataDir, configured, log) : configured;
  const params = cfg.segwitHeight === undefined ? REGTEST_PARAMS : { ...REGTEST_PARAMS, segwitHeight: cfg.segwitHeight };
  const chain = new EmbeddedChain({ store: cfg.dataDir ? new FileBlockStore(cfg.dataDir) : new MemoryBlockStore(), difficulty, params });
  const report = chain.loadReport;
  if (report.droppedFrom) log.warn(`stored block at height ${report.droppedFrom.height} is invalid (${report.droppedFrom.reason}); it and later blocks were dropped`);
  if (report.blocksReplayed > 0) log.info(`loaded ${report.blocksReplayed} blocks from ${cfg.dataDir}: ${chain.describeTip()}`);

  const generator = rate > 0 ? new TxGenerator(chain, { seed: cfg.generatorSeed }) : undefined;
  if (generator && chain.height === 0 && bootstrap > 0) {
    chain.generate(bootstrap, generator.script);
    if (chain.height < bootstrap) throw new NodeConfigError(`could not mine the ${bootstrap} bootstrap blocks at this difficulty (got ${chain.height}): use the regtest minimum, a retarget, or tx_per_second = 0`);
    log.info(`mined ${bootstrap} bootstrap blocks to the transaction generator: ${chain.describeTip()}`);
  }

  const source = new EmbeddedTemplateSource(chain, cfg.templates);
  await source.start();

  let server: RpcServer | undefined;
  let rpc: RunningNode['rpc'];
  if (cfg.rpc) {
    server = new RpcServer({
      chain,
      host: cfg.rpc.host,
      port: cfg.rpc.port,
      auth: cfg.rpc.credentials ?? { cookieDir: cfg.dataDir! },
      longpollMempoolSeconds: cfg.rpc.longpollMempoolSeconds,
      onError: (m) => log.warn(m),
    });
    const bound = await server.listen();
    rpc = { url: bound.url, port: bound.port, cookieFile: bound.cookieFile };
    log.info(`bitcoind-compatible RPC on ${bound.url}${bound.cookieFile ? ` (cookie ${bound.cookieFile})` : ''}`);
  }

  // Whole transactions per tick; fractional rates accumulate.
  let owed = 0;
  const tick = (): number => {
    if (!generator) return 0;
    owed += rate;
    const n = Math.floor(owed);
    owed -= n;
    return n > 0 ? generator.generate(n) : 0;
  };
  const timer = generator ? setInterval(tick, 1000) : undefined;
  timer?.unref();

  return {
    chain,
    source,
    generator,
    rpc,
    tick,
    async close() {
      if (timer) clearInterval(timer);
      generator?.close();
      await source.close();
      await server?.close();
      chain.close();
    },
  };
}

const DIFFICULTY_FILE = 'difficulty.json';

/**
 * The difficulty rule is part of the chain: blocks stored under one rule are invalid under
 * another (a retarget's first target comes from a hashrate measured when the chain began), so the
 * rule is kept beside the blocks and a restart validates them with it, whatever is configured now.
 */
function chainDifficulty(dataDir: string, configured: DifficultyConfig | undefined, log: NodeLogger): DifficultyConfig | undefined {
  const file = path.join(dataDir, DIFFICULTY_FILE);
  const rule = configured ?? { mode: 'regtest' as const };
  if (!existsSync(file)) {
    writeFileSync(file, JSON.stringify(rule) + '\n');
    return configured;
  }
  let stored: DifficultyConfig;
  try {
    stored = JSON.parse(readFileSync(file, 'utf8')) as DifficultyConfig;
  } catch (e) {
    throw new NodeConfigError(`${file} is not valid JSON (${(e as Error).message}): fix it, or delete the data directory to start a new chain`);
  }
  if (JSON.stringify(stored) !== JSON.stringify(rule)) {
    log.info(`the chain in ${dataDir} keeps the difficulty rule it was made with (${JSON.stringify(stored)}); delete the directory to start a chain with the configured one`);
  }
  return stored;
}

