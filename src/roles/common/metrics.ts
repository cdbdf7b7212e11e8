import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * A role's own Prometheus registry (several roles can share a process, as in the local stack),
 * with the process metrics an operator looks at first: CPU, memory, event-loop lag, GC.
 */
export function roleRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}
