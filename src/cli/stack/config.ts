/**
 * The local stack's one TOML file. Top-level keys are the stack's own; the [template_provider],
 * [pool], [translator], [jd_client] and [proxy] tables take each role's own keys (the same as in its config file) and
 * override the stack's defaults for that role. Environment overrides: STACK__KEY.
 */
import { z } from 'zod';
import { hostPort, loadConfig } from '../../roles/common/config.js';
import { LOG_LEVELS } from '../../roles/common/logger.js';

const roleTable = z.record(z.string(), z.unknown()).default({});

export const stackConfigSchema = z.strictObject({
  /** Keys, the chain and the pool's database live here (created on first start). */
  data_dir: z.string().min(1).default('.sv2-data'),
  /** Address every listener binds to. */
  host: z.string().min(1).default('127.0.0.1'),
  /** Ports; 0 picks a free one. */
  template_provider_port: z.number().int().min(0).max(65535).default(8442),
  pool_port: z.number().int().min(0).max(65535).default(34254),
  translator_port: z.number().int().min(0).max(65535).default(34255),
  /** The pool's Job Declarator, and the JD client the Sv2 miner mines through. */
  jds_port: z.number().int().min(0).max(65535).default(34265),
  jd_client_port: z.number().int().min(0).max(65535).default(34266),
  /** The Sv2 mining proxy the Sv2 miner connects to, as a farm's device would. */
  proxy_port: z.number().int().min(0).max(65535).default(34267),
  /** The Sv2 miner mines through the stack's Sv2 mining proxy; false: straight to the JD client or the pool. */
  sv2_proxy: z.boolean().default(true),
  /** The Sv2 miner mines templates of the stack's own JD client, declared to the pool's JDS; false: it mines the pool's templates. */
  job_declaration: z.boolean().default(true),
  /** First of five consecutive ports for the pool, translator, template provider, JD client and proxy APIs; 0: free ports. */
  monitoring_port: z.number().int().min(0).max(65535).default(9090),
  /** Seconds between blocks the chain retargets toward, at the miners' hashrate. */
  target_block_interval_secs: z.number().positive().default(10),
  /** Transactions per second the embedded chain's generator adds to the mempool. */
  tx_per_second: z.number().nonnegative().default(2),
  sv2_miner_threads: z.number().int().min(0).max(64).default(1),
  sv1_miner_threads: z.number().int().min(0).max(64).default(1),
  /** Redraw the live view this often (seconds); without a terminal a status line is printed this often × 10. */
  view_interval_secs: z.number().positive().default(1),
  template_provider: roleTable,
  pool: roleTable,
  translator: roleTable,
  jd_client: roleTable,
  proxy: roleTable,
  /** One file for every role's JSON logs, instead of `<data_dir>/logs/<role>.log`. */
  log_file: z.string().optional(),
  /** Level of the log files; warnings and errors are also shown on screen, under the live view. */
  log_level: z.enum(LOG_LEVELS).optional(),
  monitoring_host: hostPort.optional(),
});

export type StackConfig = z.infer<typeof stackConfigSchema>;

export function loadStackConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): StackConfig {
  return loadConfig({ file, envPrefix: 'STACK', schema: stackConfigSchema, env });
}
