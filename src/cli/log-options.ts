/** The log flags every long-running command takes, and the logger they make with the role's config. */
import type { Command } from 'commander';
import { createLogger, LOG_FORMATS, LOG_LEVELS, resolveLogLevel, type Logger } from '../roles/common/logger.js';

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

/** Flags win over the config's keys; the level also reads SV2_LOG_LEVEL. */
export function roleLogger(role: string, flags: LogFlags, cfg: { log_level?: string | undefined; log_format?: string | undefined; log_file?: string | null | undefined }): Logger {
  const file = flags.logFile ?? cfg.log_file ?? undefined;
  return createLogger(role, {
    level: resolveLogLevel(flags.logLevel, cfg.log_level),
    format: flags.logFormat ?? cfg.log_format,
    ...(file !== undefined && { file }),
  });
}
