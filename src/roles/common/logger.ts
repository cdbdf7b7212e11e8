import { pino } from 'pino';
import type { DestinationStream, Logger } from 'pino';
import { z } from 'zod';
import { ConfigError } from './config.js';
import { formatLogLine } from './log-format.js';

export type { Logger };

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['auto', 'human', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** The log keys every role's config takes. */
export const logKeys = {
  log_level: z.enum(LOG_LEVELS).optional(),
  /** human lines, JSON lines, or auto: human on a terminal, JSON otherwise. */
  log_format: z.enum(LOG_FORMATS).optional(),
  log_file: z.string().min(1).optional(),
};

export interface LoggerOptions {
  /** trace, debug, info, warn, error, fatal, silent; when absent, `SV2_LOG_LEVEL` or info. */
  level?: string;
  /** Append JSON lines to this file instead of standard error. */
  file?: string;
  format?: string;
  /** Write here instead (the stack's shared sink); `file` and `format` are then ignored. */
  destination?: DestinationStream;
}

/** The level to run at: the command line's, else `SV2_LOG_LEVEL`, else the config's; checked. */
export function resolveLogLevel(flag: string | undefined, configured: string | undefined, env: NodeJS.ProcessEnv = process.env): LogLevel {
  if (flag !== undefined) return checkLevel(flag, '--log-level');
  if (env.SV2_LOG_LEVEL !== undefined) return checkLevel(env.SV2_LOG_LEVEL, 'SV2_LOG_LEVEL');
  return checkLevel(configured ?? 'info', 'log_level');
}

function checkLevel(value: string, source: string): LogLevel {
  if (!(LOG_LEVELS as readonly string[]).includes(value)) throw new ConfigError(source, `"${value}" is not a log level; use one of ${LOG_LEVELS.join(', ')}`);
  return value as LogLevel;
}

function checkFormat(format: string | undefined): LogFormat {
  const f = format ?? 'auto';
  if (!(LOG_FORMATS as readonly string[]).includes(f)) throw new ConfigError('log_format', `"${f}" is not a log format; use one of ${LOG_FORMATS.join(', ')}`);
  return f as LogFormat;
}

/** A sink that turns pino's JSON lines into human lines (colours on a terminal). */
export function humanDestination(out: NodeJS.WritableStream & { isTTY?: boolean }): DestinationStream {
  const colour = out.isTTY === true;
  return {
    write(line: string): void {
      out.write(formatLogLine(line, colour) + '\n');
    },
  };
}

/**
 * One logger per role, `role` in every line; components take children of it
 * (`logger.child({ component: 'downstream' })`). Human lines on a terminal, JSON otherwise.
 */
export function createLogger(role: string, opts: LoggerOptions = {}): Logger {
  const level = opts.level !== undefined ? checkLevel(opts.level, 'log_level') : resolveLogLevel(undefined, undefined);
  const format = checkFormat(opts.format);
  let destination = opts.destination;
  if (destination === undefined) {
    if (opts.file !== undefined) destination = pino.destination({ dest: opts.file, mkdir: true, sync: false });
    else if (format === 'human' || (format === 'auto' && process.stderr.isTTY === true)) destination = humanDestination(process.stderr);
    else destination = pino.destination(2);
  }
  return pino({ level, base: { role } }, destination);
}

/** A logger that drops everything, for library users and tests that don't want output. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
