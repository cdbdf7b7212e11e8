import { Sv2Error } from '../../codec/sv2-error.js';
import { readFileSync } from 'node:fs';
import { parse as parseToml } from 'smol-toml';
import { z } from 'zod';

/** A config value that is missing or wrong; `key` is its dotted TOML path. Roles exit with code 2 on it. */
export class ConfigError extends Sv2Error {
  constructor(
    readonly key: string,
    readonly problem: string,
  ) {
    super('SV2_ERR_CONFIG', `${key}: ${problem}`);
  }
}

export interface LoadConfigOptions<S extends z.ZodType> {
  /** TOML file; optional when the environment supplies every required key. */
  file?: string;
  /** Environment prefix: `POOL` reads `POOL__SHARES_PER_MINUTE`, `POOL__TEMPLATE_PROVIDER_TYPE__SV2TP__ADDRESS`. */
  envPrefix: string;
  schema: S;
  env?: NodeJS.ProcessEnv;
  /** Values applied before the file (embedded defaults for generated configs). */
  base?: Record<string, unknown>;
}

type Table = Record<string, unknown>;

/** Reads TOML, applies `PREFIX__KEY` environment overrides, and validates; the first problem becomes a ConfigError. */
export function loadConfig<S extends z.ZodType>(opts: LoadConfigOptions<S>): z.infer<S> {
  const raw: Table = structuredClone(opts.base ?? {});
  if (opts.file !== undefined) mergeInto(raw, readToml(opts.file));
  applyEnv(raw, opts.envPrefix, opts.env ?? process.env, opts.schema);
  const result = opts.schema.safeParse(raw);
  if (!result.success) {
    const issue = innermost(result.error.issues[0]!);
    const key = issue.path.map(String).join('.') || '(root)';
    throw new ConfigError(key, issue.code === 'invalid_union' ? describeUnion(issue) : describeIssue(issue, raw));
  }
  return result.data;
}

function readToml(file: string): Table {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError('config', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return parseToml(text) as Table;
  } catch (e) {
    const first = (e as Error).message.split('\n')[0];
    throw new ConfigError('config', `${file} is not valid TOML: ${first}`);
  }
}

function mergeInto(target: Table, source: Table): void {
  for (const [k, v] of Object.entries(source)) {
    const cur = target[k];
    if (isTable(cur) && isTable(v)) mergeInto(cur, v);
    else target[k] = v;
  }
}

function isTable(v: unknown): v is Table {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/**
 * Environment keys are upper case; config keys are snake_case and table names may be
 * CamelCase (`Sv2Tp`), so each segment is matched case-insensitively against the schema's keys.
 */
function applyEnv(raw: Table, prefix: string, env: NodeJS.ProcessEnv, schema: z.ZodType): void {
  const head = `${prefix}__`;
  const names = Object.keys(env).filter((k) => k.startsWith(head)).sort();
  for (const name of names) {
    const segments = name.slice(head.length).split('__').filter((s) => s.length > 0);
    if (segments.length === 0) continue;
    let table = raw;
    let shapes = objectShapes(schema);
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i]!.toLowerCase();
      const candidates = [...shapes.flatMap((s) => Object.keys(s)), ...Object.keys(table)];
      const key = candidates.find((k) => k.toLowerCase() === seg) ?? seg;
      if (i === segments.length - 1) {
        table[key] = parseEnvValue(env[name]!);
      } else if (Array.isArray(table) && /^\d+$/.test(key)) {
        // an element of an array of tables (`TPROXY__UPSTREAMS__0__ADDRESS`): same shapes as its siblings
        if (!isTable(table[key])) table[key] = {};
        table = table[key] as Table;
      } else {
        if (!isTable(table[key]) && !Array.isArray(table[key])) table[key] = /^\d+$/.test(segments[i + 1]!) ? [] : {};
        table = table[key] as Table;
        shapes = shapes.flatMap((s) => (s[key] ? objectShapes(s[key] as z.ZodType) : []));
      }
    }
  }
}

type Shape = Record<string, unknown>;

/** The object shapes a schema can take, looking through optional, default, nullable and union wrappers. */
function objectShapes(schema: z.ZodType): Shape[] {
  const def = (schema as unknown as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
  if (def === undefined) return [];
  switch (def.type) {
    case 'object':
      return [def.shape as Shape];
    case 'optional':
    case 'default':
    case 'nullable':
    case 'prefault':
      return objectShapes(def.innerType as z.ZodType);
    case 'union':
      return (def.options as z.ZodType[]).flatMap(objectShapes);
    case 'pipe':
      return objectShapes(def.in as z.ZodType);
    case 'array':
      return objectShapes(def.element as z.ZodType);
    default:
      return [];
  }
}

/** An environment value is read as a TOML value when it parses as one (numbers, booleans, arrays), else as a string. */
function parseEnvValue(value: string): unknown {
  try {
    return (parseToml(`v = ${value}`) as Table).v;
  } catch {
    return value;
  }
}

type Issue = z.core.$ZodIssue;

/**
 * A union of tables (`[template_provider_type.Sv2Tp]` or `.Embedded`…) fails as a whole; the useful
 * problem is inside the one branch whose table name matched. Its issue gets the full path.
 */
function innermost(issue: Issue): Issue {
  if (issue.code !== 'invalid_union') return issue;
  const matched = issue.errors.filter((branch) => branch.length > 0 && !branch.some((i) => i.code === 'unrecognized_keys' && i.path.length === 0));
  if (matched.length !== 1) return issue;
  const inner = innermost(matched[0]![0]!);
  return { ...inner, path: [...issue.path, ...inner.path] } as Issue;
}

/** No branch matched: name the tables it may be. */
function describeUnion(issue: Issue & { code: 'invalid_union' }): string {
  const names = new Set<string>();
  for (const branch of issue.errors) for (const i of branch) if (i.code === 'invalid_type' && i.path.length === 1) names.add(String(i.path[0]));
  return names.size > 0 ? `must be one table of ${[...names].map((n) => `[${[...issue.path, n].join('.')}]`).join(', ')}` : issue.message;
}

function describeIssue(issue: Issue, raw: Table): string {
  let v: unknown = raw;
  for (const p of issue.path) v = isTable(v) ? v[String(p)] : undefined;
  if (v === undefined && issue.code === 'invalid_type') return 'is missing';
  if (issue.code === 'unrecognized_keys') return `unknown key(s) ${issue.keys.join(', ')}`;
  return issue.message;
}

/** A `host:port` config value (IPv6 hosts in brackets). */
export const hostPort = z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'must be host:port');

export function splitHostPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  const host = address.slice(0, i).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(address.slice(i + 1)) };
}
