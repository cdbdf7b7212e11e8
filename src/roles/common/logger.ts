import { pino } from 'pino';
import type { Logger } from 'pino';

export type { Logger };

export interface LoggerOptions {
  /** trace, debug, info, warn, error; `SV2_LOG_LEVEL` in the environment wins. */
  level?: string;
  /** Append JSON lines to this file instead of standard error. */
  file?: string;
}

/** One JSON logger per role; components take children of it (`logger.child({ component: 'downstream' })`). */
export function createLogger(role: string, opts: LoggerOptions = {}): Logger {
  const level = process.env.SV2_LOG_LEVEL ?? opts.level ?? 'info';
  const destination = opts.file !== undefined ? pino.destination({ dest: opts.file, mkdir: true, sync: false }) : pino.destination(2);
  return pino({ name: role, level, base: { role } }, destination);
}

/** A logger that drops everything, for library users and tests that don't want output. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
