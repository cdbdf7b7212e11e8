/**
 * The JD client's monitoring views (SRI's /api/v1 shapes where SRI has them): its devices and
 * their channels from the device channels, the upstream in use and its custom jobs from the
 * declarator, the blocks our devices found and who built their template.
 */
import { hashToDisplay } from '../bitcoin/bytes.js';
import { rejectedTotal } from '../channels/share-accounting.js';
import { channelPage } from '../roles/common/paging.js';
import { deviceRoutes } from './device-views.js';
import type { JdClient } from '../roles/jd-client/jd-client.js';
import type { RouteHandler } from './server.js';

export function jdcGlobal(jdc: JdClient) {
  const totals = jdc.devices.totals();
  const d = jdc.declarator;
  const tip = jdc.templates.tip;
  return {
    uptime_secs: Math.round((jdc.now() - jdc.startedAt) / 1000),
    mode: jdc.upstreamInUse === null ? 'solo' : 'pool',
    jd_mode: jdc.settings.mode,
    devices: jdc.downstreams.size,
    channels: jdc.devices.channelCount,
    devices_hashrate: jdc.devices.totalHashrate(),
    shares_accepted: totals.accepted,
    shares_rejected: rejectedTotal(totals),
    template_source_connected: jdc.templates.feed.connected,
    prev_hash: tip === null ? null : hashToDisplay(tip.prevHash),
    current_template: jdc.templates.current === null ? null : String(jdc.templates.current.templateId),
    fallbacks: jdc.counts.fallbacks,
    blocks_found: jdc.counts.blocksFound,
    blocks_solo: jdc.counts.soloBlocks,
    upstream: {
      ...(jdc.upstreams?.status() ?? { connected: false, address: null }),
      in_use: jdc.upstreamInUse,
      channel_id: d?.channelId ?? null,
      jobs_declared: d?.counts.declared ?? 0,
      custom_jobs_accepted: d?.counts.accepted ?? 0,
      shares_forwarded: d?.shares.forwarded ?? 0,
      shares_accepted: d?.shares.accepted ?? 0,
      shares_rejected: Object.fromEntries(d?.shares.rejected ?? []),
    },
  };
}

export function jdcRoutes(jdc: JdClient): Record<string, RouteHandler> {
  return {
    '/api/v1/health': () => ({ status: jdc.templates.feed.connected ? 'ok' : 'degraded', mode: jdc.upstreamInUse === null ? 'solo' : 'pool' }),
    '/api/v1/global': () => jdcGlobal(jdc),
    '/api/v1/server': () => ({ ...(jdc.upstreams?.status() ?? { connected: false, address: null }), in_use: jdc.upstreamInUse, mode: jdc.upstreamInUse === null ? 'solo' : 'pool' }),
    '/api/v1/server/channels': (params) => {
      const d = jdc.declarator;
      const open = d === null || d.channelId === null ? [] : [{ channel_id: d.channelId, upstream: d.label, target: d.channelTarget === null ? null : hashToDisplay(d.channelTarget), jobs: d.jobStates().map((j) => ({ template_id: String(j.template), state: j.state, job_id: j.jobId })) }];
      return channelPage(open, [], params);
    },
    ...deviceRoutes(jdc),
    '/api/v1/blocks': () => [...jdc.blocks].reverse().map((b) => ({ hash: b.hash, template_id: b.templateId, upstream: b.upstream, template_by: 'jd-client', at: new Date(b.at).toISOString(), accepted: b.accepted, reason: b.reason, pushed_to_jds: b.pushedToJds })),
  };
}
