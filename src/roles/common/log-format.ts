/** pino's JSON line → one human line: `12:04:05.123 INFO  pool  channel opened  user=alice channel_id=3`. */

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const LEVEL_COLOURS: Record<number, string> = { 10: '90', 20: '36', 30: '32', 40: '33', 50: '31', 60: '35' };
/** Fields every line has, shown in their own places rather than as key=value. */
const PLACED = new Set(['level', 'time', 'msg', 'role', 'pid', 'hostname']);

function clock(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

function value(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  if (typeof v === 'object' && v !== null) {
    const err = v as { message?: unknown; type?: unknown };
    if (typeof err.message === 'string') return JSON.stringify(err.message);
    return JSON.stringify(v);
  }
  return String(v);
}

export function formatLogLine(json: string, colour: boolean): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.trimEnd();
  }
  const level = typeof rec.level === 'number' ? rec.level : 30;
  let name = (LEVEL_NAMES[level] ?? String(level)).padEnd(5);
  if (colour) name = `\x1b[${LEVEL_COLOURS[level] ?? '0'}m${name}\x1b[0m`;
  const time = typeof rec.time === 'number' ? clock(rec.time) : '';
  const role = typeof rec.role === 'string' ? `${rec.role} ` : '';
  const fields = Object.entries(rec)
    .filter(([k, v]) => !PLACED.has(k) && v !== undefined)
    .map(([k, v]) => `${k}=${value(v)}`)
    .join(' ');
  const msg = typeof rec.msg === 'string' ? rec.msg : '';
  return `${time} ${name} ${role}${msg}${fields ? `  ${fields}` : ''}`;
}
