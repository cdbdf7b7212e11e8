import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { REFUSED_REASONS } from '../../net/server.js';

/**
 * Metric names follow one scheme in every role: `sv2_<role>_<what>[_total]`, counters end in
 * `_total`, and a labelled series whose label values are known in advance (share error codes,
 * channel kinds, block verdicts) is present at zero from the start, so a dashboard can rate() it
 * before the first event.
 */
export type MetricRole = 'pool' | 'tp' | 'translator' | 'proxy' | 'jdc' | 'node';

/** Labelled series per metric at most; beyond it, one `other` series carries the rest. */
export const MAX_LABELLED_SERIES = 500;

/**
 * A role's own Prometheus registry (several roles can share a process, as in the local stack),
 * with the process metrics an operator looks at first (CPU, memory, event-loop lag, GC) and
 * `sv2_<role>_uptime_seconds`.
 */
export function roleRegistry(role: MetricRole, startedAtMs: () => number, now: () => number = Date.now): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const uptime: Gauge = new Gauge({
    name: `sv2_${role}_uptime_seconds`,
    help: `Seconds since the ${role} started`,
    registers: [registry],
    collect: () => uptime.set(Math.max(0, (now() - startedAtMs()) / 1000)),
  });
  return registry;
}

export type Labels = Record<string, string | number>;

/** A counter's values are its owner's counts: set them (prom-client counters only go up), zeros included. */
export function mirrorCounter(c: Counter<string>, values: Iterable<readonly [Labels, number]>): void {
  c.reset();
  for (const [labels, v] of values) c.inc(labels, v);
}

/** An unlabelled counter set to its owner's count. */
export function setCounter(c: Counter<string>, value: number): void {
  c.reset();
  if (value > 0) c.inc(value);
}

/** `counts` by one label, with every `known` value present (at zero when it never happened). */
export function withKnown(label: string, known: readonly string[], counts: Iterable<readonly [string, number]>): Array<[Labels, number]> {
  const all = new Map<string, number>(known.map((k) => [k, 0]));
  for (const [k, n] of counts) all.set(k, (all.get(k) ?? 0) + n);
  return [...all].map(([k, n]) => [{ [label]: k }, n]);
}

/**
 * At most `max` series (the largest values kept); the rest summed into one series whose labels
 * are `other`, so a farm of 10 000 workers cannot blow up the scrape.
 */
export function boundedSeries(entries: Array<[Labels, number]>, other: Labels, max = MAX_LABELLED_SERIES): Array<[Labels, number]> {
  if (entries.length <= max) return entries;
  const sorted = [...entries].sort((a, b) => b[1] - a[1]);
  const kept = sorted.slice(0, max - 1);
  const rest = sorted.slice(max - 1).reduce((s, [, v]) => s + v, 0);
  kept.push([other, rest]);
  return kept;
}

/** What a role's listeners refused (DownstreamServer.refusals). */
export interface Refusals {
  byReason: Readonly<Record<string, number>>;
  held: number;
}

/**
 * `sv2_<role>_connections_refused_total{reason}` (every admission limit's reason at zero from the
 * start) and `sv2_<role>_refused_connections_held`: what an operator under attack looks at first.
 */
export function refusalMetrics(registry: Registry, role: MetricRole, read: () => Refusals | undefined): void {
  const refused: Counter = new Counter({
    name: `sv2_${role}_connections_refused_total`,
    help: 'Connections refused before any handshake work, by the limit that refused them',
    labelNames: ['reason'],
    registers: [registry],
    collect: () => mirrorCounter(refused, withKnown('reason', REFUSED_REASONS, Object.entries(read()?.byReason ?? {}))),
  });
  const held: Gauge = new Gauge({
    name: `sv2_${role}_refused_connections_held`,
    help: 'Refused connections held open, unread, until their refused_hold_secs is up',
    registers: [registry],
    collect: () => held.set(read()?.held ?? 0),
  });
}
