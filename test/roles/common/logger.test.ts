import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { formatLogLine } from '../../../src/roles/common/log-format.js';
import { createLogger, humanDestination, resolveLogLevel } from '../../../src/roles/common/logger.js';
import { configError } from '../../support/config.js';

function sink(): { out: Writable & { isTTY?: boolean }; lines: string[] } {
  const lines: string[] = [];
  const out = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter((l) => l.length > 0));
      done();
    },
  });
  return { out, lines };
}

describe('log lines for people', () => {
  it('prints time, level, role, message and fields, one line each', () => {
    const { out, lines } = sink();
    const log = createLogger('pool', { level: 'debug', destination: humanDestination(out) });
    log.info({ user: 'alice.bitaxe', channel: 3, target: 'ff00', err: { message: 'bad nonce' } }, 'channel opened');
    log.debug({ reason: 'difficulty-too-low' }, 'share rejected');
    log.trace('not shown');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}pool channel opened {2}user=alice\.bitaxe channel=3 target=ff00 err="bad nonce"$/);
    expect(lines[1]).toMatch(/ DEBUG pool share rejected {2}reason=difficulty-too-low$/);
  });

  it('quotes values with spaces, colours the level only on a terminal, and passes non-JSON through', () => {
    const line = JSON.stringify({ level: 40, time: 0, role: 'tp', msg: 'node down', peer: 'a b' });
    expect(formatLogLine(line, false)).toMatch(/ WARN {2}tp node down {2}peer="a b"$/);
    expect(formatLogLine(line, true)).toContain('\x1b[33mWARN \x1b[0m');
    expect(formatLogLine('not json\n', false)).toBe('not json');
  });

  it('carries the role once (JSON)', () => {
    const { out, lines } = sink();
    createLogger('translator', { destination: out as never }).child({ component: 'upstream' }).warn('switching');
    const rec = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(rec).toMatchObject({ role: 'translator', component: 'upstream', msg: 'switching', level: 40 });
    expect(lines[0]!.match(/"role"/g)).toHaveLength(1);
  });
});

describe('log level', () => {
  it('the command line wins, then SV2_LOG_LEVEL, then the config', () => {
    expect(resolveLogLevel('debug', 'warn', { SV2_LOG_LEVEL: 'error' })).toBe('debug');
    expect(resolveLogLevel(undefined, 'warn', { SV2_LOG_LEVEL: 'error' })).toBe('error');
    expect(resolveLogLevel(undefined, 'warn', {})).toBe('warn');
    expect(resolveLogLevel(undefined, undefined, {})).toBe('info');
  });

  it('a bad level names where it came from and the levels there are', () => {
    expect(configError(() => resolveLogLevel('bogus', undefined, {})).message).toBe('--log-level: "bogus" is not a log level; use one of trace, debug, info, warn, error, fatal, silent');
    expect(configError(() => resolveLogLevel(undefined, undefined, { SV2_LOG_LEVEL: 'loud' })).key).toBe('SV2_LOG_LEVEL');
    expect(configError(() => createLogger('pool', { format: 'xml' })).key).toBe('log_format');
  });
});
