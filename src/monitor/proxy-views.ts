/**
 * The proxy's monitoring views (SRI's /api/v1 shapes): devices from the downstream server, their
 * channels and share counts from the device channels, the upstream from the upstream channel and
 * manager.
 */
import { hashToDisplay } from '../bitcoin/bytes.js';
import { rejectedTotal } from '../channels/share-accounting.js';
import { channelPage } from '../roles/common/paging.js';
import { deviceRoutes } from './device-views.js';
import type { Proxy } from '../roles/proxy/proxy.js';
import { historyRoute } from './history-route.js';
import type { RouteHandler } from './server.js';

export function proxyGlobal(proxy: Proxy) {
  const totals = proxy.devices.totals();
  const c = proxy.upstream.counts;
  const gap = proxy.switchGaps.at(-1);
  return {
    uptime_secs: Math.round((proxy.now() - proxy.startedAt) / 1000),
    devices: proxy.downstreams.size,
    channels: proxy.devices.channelCount,
    devices_hashrate: proxy.devices.totalHashrate(),
    shares_accepted: totals.accepted,
    shares_rejected: rejectedTotal(totals),
    upstream: {
      ...proxy.upstreams.status(),
      channel_open: proxy.upstream.open,
      aggregate_channels: proxy.aggregateChannels,
      // the aggregated channel's id; without aggregation one channel per device channel
      channel_id: proxy.aggregateChannels ? (proxy.upstream.channels[0]?.channel.channelId ?? null) : null,
      channels: proxy.upstream.channels.length,
      nominal_hashrate: proxy.upstream.nominalHashrate,
      shares_forwarded: c.forwarded,
      shares_accepted: c.accepted,
      shares_rejected: Object.fromEntries(c.rejected),
      shares_unanswered: c.unanswered,
      switches: c.switches,
      // the old upstream's last job → the new one's first job on the devices; and its loss → that job
      last_switch_gap_ms: gap === undefined || gap.lastJobAt === null ? null : gap.firstJobAt - gap.lastJobAt,
      last_switch_lost_to_job_ms: gap === undefined || gap.lostAt === null ? null : gap.firstJobAt - gap.lostAt,
    },
    prev_hash: proxy.devices.tip === null ? null : hashToDisplay(proxy.devices.tip.prevHash),
    history_interval_secs: proxy.history.intervalMs / 1000,
    now: proxy.now(),
  };
}

/** The proxy's JSON API on SRI's paths. */
export function proxyRoutes(proxy: Proxy): Record<string, RouteHandler> {
  return {
    '/api/v1/health': () => ({ status: 'ok', upstream: proxy.upstream.open ? 'connected' : 'down' }),
    '/api/v1/global': () => proxyGlobal(proxy),
    '/api/v1/history': historyRoute(proxy.history.sink, proxy.now),
    '/api/v1/server': () => ({ ...proxy.upstreams.status(), channel_open: proxy.upstream.open, upstream: proxy.upstream.label }),
    '/api/v1/server/channels': (params) => {
      const open = proxy.upstream.channels.map(({ channel: ch, device, userIdentity }) => ({
        channel_id: ch.channelId,
        group_channel_id: ch.groupChannelId,
        upstream: proxy.upstream.label,
        user_identity: userIdentity,
        // the device channel it serves (null: the aggregated channel serves every device)
        client_id: device?.connectionId ?? null,
        client_channel_id: device?.channelId ?? null,
        extranonce_size: ch.extranonceSize,
        target: hashToDisplay(ch.target),
      }));
      return channelPage(open, [], params);
    },
    ...deviceRoutes(proxy),
  };
}
