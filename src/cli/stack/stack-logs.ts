/**
 * The stack's logs: each role writes JSON lines to its own file in the data directory, and its
 * warnings and errors also reach the screen, as human lines under the live view (or, without a
 * terminal, straight to standard error).
 */
import path from 'node:path';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { formatLogLine } from '../../roles/common/log-format.js';
import type { LogLevel } from '../../roles/common/logger.js';

const SHOWN_WARNINGS = 5;
const LEVEL_ORDER: LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export class StackLogs {
  private readonly recent: string[] = [];
  private readonly files = new Map<string, ReturnType<typeof pino.destination>>();
  private shown = 0;

  /**
   * @param onWarning where a warning goes when there is no view to show it under; undefined keeps
   *   them for the view (`warnings()`).
   */
  constructor(
    readonly dir: string,
    private readonly level: LogLevel,
    private readonly onWarning?: (line: string) => void,
    /** One file for every role instead (the stack's `log_file`). */
    private readonly singleFile?: string,
  ) {}

  /** The log file a role writes to. */
  fileOf(role: string): string {
    return this.singleFile ?? path.join(this.dir, `${role}.log`);
  }

  logger(role: string): Logger {
    const dest = this.fileOf(role);
    const file = this.files.get(dest) ?? pino.destination({ dest, mkdir: true, sync: false });
    this.files.set(dest, file);
    const screen = { write: (line: string) => this.warn(formatLogLine(line, false)) };
    const loggerLevel = LEVEL_ORDER.indexOf(this.level) <= LEVEL_ORDER.indexOf('warn') ? this.level : 'warn';
    const streams = pino.multistream([
      ...(this.level === 'silent' ? [] : [{ level: this.level as pino.Level, stream: file }]),
      { level: 'warn' as const, stream: screen },
    ]);
    return pino({ level: loggerLevel, base: { role } }, streams);
  }

  /** The last few warnings and errors, newest last, for the live view. */
  warnings(): string[] {
    return [...this.recent];
  }

  /** How many warnings and errors were logged in all. */
  get count(): number {
    return this.shown;
  }

  flush(): void {
    for (const f of this.files.values()) {
      try {
        f.flushSync();
      } catch {
        // not yet open, or already closed: nothing buffered to lose
      }
    }
  }

  private warn(line: string): void {
    this.shown++;
    if (this.onWarning !== undefined) {
      this.onWarning(line);
      return;
    }
    this.recent.push(line);
    if (this.recent.length > SHOWN_WARNINGS) this.recent.shift();
  }
}
