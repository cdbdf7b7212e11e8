import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import { SHARE_ERROR_CODES } from '../../messages/index.js';
import { boundedSeries, mirrorCounter, refusalMetrics, roleRegistry, setCounter, withKnown } from '../common/metrics.js';
import type { Labels } from '../common/metrics.js';
import type { Proxy } from './proxy.js';

/**
 * The proxy's Prometheus metrics, read at scrape time from the parts that own each count (the
 * device channels, the upstream channel, the upstream manager): a share costs the metrics nothing.
 */
export function proxyRegistry(proxy: Proxy): Registry {
  const registry = roleRegistry('proxy', () => proxy.startedAt, () => proxy.now());
  const r = [registry];
  refusalMetrics(registry, 'proxy', () => proxy.downstreams.refusals());
  const devices: Gauge = new Gauge({ name: 'sv2_proxy_devices', help: 'Device connections open', registers: r, collect: () => devices.set(proxy.downstreams.size) });
  const channels: Gauge = new Gauge({
    name: 'sv2_proxy_channels',
    help: 'Device channels open, by kind',
    labelNames: ['kind'],
    registers: r,
    collect: () => {
      const n = { standard: 0, extended: 0 };
      for (const id of proxy.devices.connectionIds()) for (const ch of proxy.devices.channelsOf(id)) n[ch.kind]++;
      channels.set({ kind: 'standard' }, n.standard);
      channels.set({ kind: 'extended' }, n.extended);
    },
  });
  const hashrate: Gauge = new Gauge({
    name: 'sv2_proxy_device_hashrate',
    help: 'Each device channel\'s hashrate as its vardiff estimates it (H/s)',
    labelNames: ['client', 'channel', 'user'],
    registers: r,
    collect: () => {
      hashrate.reset();
      const series: Array<[Labels, number]> = [];
      for (const id of proxy.devices.connectionIds()) {
        for (const ch of proxy.devices.channelsOf(id)) series.push([{ client: String(id), channel: String(ch.channelId), user: ch.userIdentity }, ch.nominalHashrate]);
      }
      for (const [labels, v] of boundedSeries(series, { client: 'other', channel: 'other', user: 'other' })) hashrate.set(labels, v);
    },
  });
  const accepted: Counter = new Counter({
    name: 'sv2_proxy_shares_accepted_total',
    help: 'Device shares accepted by the proxy\'s own check',
    registers: r,
    collect: () => setCounter(accepted, proxy.devices.totals().accepted),
  });
  const rejected: Counter = new Counter({
    name: 'sv2_proxy_shares_rejected_total',
    help: 'Device shares refused by the proxy\'s own check (never sent up), by error code',
    labelNames: ['reason'],
    registers: r,
    collect: () => mirrorCounter(rejected, withKnown('reason', SHARE_ERROR_CODES, proxy.devices.totals().rejected)),
  });
  const upstream: Counter = new Counter({
    name: 'sv2_proxy_upstream_shares_total',
    help: 'Shares sent up, and what the upstream said (accepted, rejected by reason, unanswered)',
    labelNames: ['result', 'reason'],
    registers: r,
    collect: () => {
      const c = proxy.upstream.counts;
      upstream.reset();
      upstream.inc({ result: 'forwarded', reason: '' }, c.forwarded);
      upstream.inc({ result: 'accepted', reason: '' }, c.accepted);
      upstream.inc({ result: 'unanswered', reason: '' }, c.unanswered);
      for (const [labels, n] of withKnown('reason', SHARE_ERROR_CODES, c.rejected)) upstream.inc({ result: 'rejected', ...labels }, n);
    },
  });
  const connected: Gauge = new Gauge({
    name: 'sv2_proxy_upstream_connected',
    help: '1 while an upstream channel is open, with the index of the upstream in use',
    labelNames: ['index'],
    registers: r,
    collect: () => {
      connected.reset();
      connected.set({ index: String(proxy.upstreams.status().index) }, proxy.upstream.open ? 1 : 0);
    },
  });
  const switches: Counter = new Counter({
    name: 'sv2_proxy_upstream_switches_total',
    help: 'Upstream connections or channels replaced while the proxy ran',
    registers: r,
    collect: () => setCounter(switches, proxy.upstream.counts.switches),
  });
  return registry;
}
