/** The log flags every long-running command takes, and the logger they make with the role's config. */
import type { Command } from 'commander';
import { pino } from 'pino';
import { createLogger, humanDestination, LOG_FORMATS, LOG_LEVELS, resolveLogLevel, type Logger } from '../roles/common/logger.js';

export interface LogFlags {
  logFile?: string;
  logLevel?: string;
  logFormat?: string;
}

export function withLogOptions(cmd: Command): Command {
  return cmd
    .option('-f, --log-file <file>', 'write JSON logs to this file instead of standard error')
    .option('-l, --log-level <level>', `${LOG_LEVELS.join(', ')} (default: log_level in the config, else SV2_LOG_LEVEL, else info)`)
    .option('--log-format <format>', `${LOG_FORMATS.join(', ')}: auto is human lines on a terminal, JSON otherwise`);
}

/**
 * A tool's logger (miner, node): human lines unless `--log-format json`, as its lines are what
 * its user watches; `stream` 1 is standard output, 2 standard error.
 */
export function toolLogger(role: string, flags: LogFlags, stream: 1 | 2): Logger {
  const level = resolveLogLevel(flags.logLevel, undefined);
  if (flags.logFile !== undefined) return createLogger(role, { level, file: flags.logFile });
  return createLogger(role, { level, destination: flags.logFormat === 'json' ? pino.destination({ fd: stream, sync: true }) : humanDestination(stream === 1 ? process.stdout : process.stderr) });
}

/** Flags win over the config's keys; the level also reads SV2_LOG_LEVEL. */
export function roleLogger(role: string, flags: LogFlags, cfg: { log_level?: string | undefined; log_format?: string | undefined; log_file?: string | null | undefined }): Logger {
  const file = flags.logFile ?? cfg.log_file ?? undefined;
  return createLogger(role, {
    level: resolveLogLevel(flags.logLevel, cfg.log_level),
    format: flags.logFormat ?? cfg.log_format,
    ...(file !== undefined && { file }),
  });
}
