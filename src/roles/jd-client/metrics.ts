import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import { refusalMetrics, roleRegistry } from '../common/metrics.js';
import type { JdClient } from './jd-client.js';

/** The JD client's Prometheus metrics, read at scrape time from the parts that own each count. */
export function jdcRegistry(jdc: JdClient): Registry {
  const registry = roleRegistry('jdc', () => jdc.startedAt, () => jdc.now());
  const r = [registry];
  refusalMetrics(registry, 'jdc', () => jdc.downstreams.refusals());
  const gauge = (name: string, help: string, read: () => number): void => {
    const g: Gauge = new Gauge({ name, help, registers: r, collect: () => g.set(read()) });
  };
  const counter = (name: string, help: string, read: () => number): void => {
    const c: Counter = new Counter({
      name,
      help,
      registers: r,
      collect: () => {
        c.reset();
        const v = read();
        if (v > 0) c.inc(v);
      },
    });
  };
  gauge('sv2_jdc_devices', 'Device connections open', () => jdc.downstreams.size);
  gauge('sv2_jdc_channels', 'Device channels open', () => jdc.devices.channelCount);
  gauge('sv2_jdc_pool_mode', '1 while the devices mine declared jobs for an upstream, 0 while solo', () => (jdc.upstreamInUse === null ? 0 : 1));
  counter('sv2_jdc_shares_accepted_total', "Device shares accepted by the JD client's own check", () => jdc.devices.totals().accepted);
  counter('sv2_jdc_fallbacks_total', 'Upstreams left after a refusal or a missing answer', () => jdc.counts.fallbacks);
  counter('sv2_jdc_blocks_found_total', 'Blocks our devices found (solo or on declared jobs)', () => jdc.counts.blocksFound);
  counter('sv2_jdc_custom_jobs_accepted_total', 'Custom jobs the pool in use took (this connection)', () => jdc.declarator?.counts.accepted ?? 0);
  counter('sv2_jdc_upstream_shares_forwarded_total', 'Shares sent up on custom jobs (this connection)', () => jdc.declarator?.shares.forwarded ?? 0);
  return registry;
}
