/** `sv2 node`: the embedded regtest node with a bitcoind-compatible RPC server. */
import { InvalidArgumentError, type Command } from 'commander';
import { startNode, type NodeConfig } from '../roles/common/embedded-node.js';
import { DEFAULT_RPC_PORT } from '../bitcoin/network.js';
import { toolLogger, withLogOptions, type LogFlags } from './log-options.js';

function intOption(name: string, min: number, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`--${name} must be an integer in ${min}..${max}, got "${v}"`);
    return n;
  };
}

function numberOption(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`--${name} must be a non-negative number, got "${v}"`);
    return n;
  };
}

function bitsOption(v: string): number {
  if (!/^(0x)?[0-9a-fA-F]{1,8}$/.test(v)) throw new InvalidArgumentError(`--difficulty-bits must be a compact target in hex like 207fffff, got "${v}"`);
  return parseInt(v.replace(/^0x/, ''), 16) >>> 0;
}

export function registerNodeCommand(program: Command): void {
  withLogOptions(program.command('node'))
    .description('run the embedded regtest chain with a bitcoind-compatible JSON-RPC server and a transaction generator')
    .option('--datadir <dir>', 'keep blocks and the RPC cookie here (default: in memory, needs --rpc-user)')
    .option('--rpc-bind <host>', 'RPC listen address', '127.0.0.1')
    .option('--rpc-port <port>', 'RPC port', intOption('rpc-port', 0, 65535), DEFAULT_RPC_PORT.regtest)
    .option('--rpc-user <user>', 'RPC user (default: cookie auth in the data directory)')
    .option('--rpc-password <password>', 'RPC password')
    .option('--tx-rate <n>', 'transactions generated per second (0: none)', numberOption('tx-rate'), 2)
    .option('--difficulty-bits <hex>', 'fixed nBits for every block (default: regtest minimum)', bitsOption)
    .option('--block-interval <seconds>', 'retarget so blocks come this often at the attached hashrate', intOption('block-interval', 1, 86_400))
    .option('--initial-hashrate <hps>', 'with --block-interval: expected hashrate for the first target', numberOption('initial-hashrate'))
    .option('--segwit-height <n>', 'first height where segwit is active (default 0); templates before it carry no witness commitment', intOption('segwit-height', 0, 0x7fffffff))
    .action(async (o: LogFlags & { segwitHeight?: number; datadir?: string; rpcBind: string; rpcPort: number; rpcUser?: string; rpcPassword?: string; txRate: number; difficultyBits?: number; blockInterval?: number; initialHashrate?: number }) => {
      if ((o.rpcUser === undefined) !== (o.rpcPassword === undefined)) throw new Error('--rpc-user and --rpc-password go together');
      if (o.difficultyBits !== undefined && o.blockInterval !== undefined) throw new Error('use either --difficulty-bits or --block-interval, not both');
      const cfg: NodeConfig = {
        dataDir: o.datadir,
        rpc: { host: o.rpcBind, port: o.rpcPort, credentials: o.rpcUser ? { user: o.rpcUser, password: o.rpcPassword! } : undefined },
        txPerSecond: o.txRate,
        segwitHeight: o.segwitHeight,
        difficulty:
          o.difficultyBits !== undefined
            ? { mode: 'fixed', bits: o.difficultyBits }
            : o.blockInterval !== undefined
              ? { mode: 'retarget', blockIntervalSeconds: o.blockInterval, initialHashrate: o.initialHashrate }
              : { mode: 'regtest' },
      };
      const logger = toolLogger('node', o, 2);
      const log = { info: (m: string) => logger.info(m), warn: (m: string) => logger.warn(m) };
      const node = await startNode(cfg, log);
      node.chain.onTip(({ entry }) => log.info(`new block ${entry.height} with ${entry.txids.length} transactions`));
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await node.close();
    });
}
