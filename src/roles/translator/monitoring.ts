/**
 * What the translator shows through the monitoring server: SRI's JSON paths and field names
 * (`/api/v1/health`, `/global`, `/server`, `/server/channels`, `/sv1/clients[/{id}]`, with
 * `?offset=&limit=` paging) and Prometheus metrics read from the live state at scrape time, so
 * the share path never touches a metric object.
 */
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import { SHARE_ERROR_CODES } from '../../messages/index.js';
import { channelPage, paged } from '../common/paging.js';
import { boundedSeries, mirrorCounter, roleRegistry, withKnown } from '../common/metrics.js';
import type { Labels } from '../common/metrics.js';
import { historyView, type HistoryReading, type HistorySink } from '../common/history.js';
import { bytesToHex, targetToDifficulty } from '../../sv1/index.js';
import type { Sv1Server } from '../../net/sv1-server.js';
import type { UpstreamChannel } from './channel.js';
import type { TranslatorCore } from './core.js';
import type { TranslatorTotals } from './totals.js';
import { SHARE_REJECT_REASONS } from './miner.js';
import type { MinerSession } from './miner.js';
import type { UpstreamManager } from '../common/upstream-manager.js';

export type MonitoringRoute = (params: Record<string, string>) => unknown;

/** A target as big-endian hex, the way people read targets. */
function targetHex(target: Uint8Array): string {
  return bytesToHex(target.slice().reverse());
}

export function sv1ClientInfo(s: MinerSession, now: number, extranonce2Size: number): Record<string, unknown> {
  return {
    client_id: s.id,
    channel_id: s.channel?.channelId ?? null,
    connection_ip: s.link.remoteAddress,
    sv1_username: s.username ?? '',
    sv1_worker_name: s.workerName,
    user_agent: s.userAgent,
    target_hex: targetHex(s.target),
    difficulty: s.difficulty,
    hashrate: s.meter.hashrate(now),
    stable_hashrate: s.meter.stable(now),
    extranonce1_hex: s.extranonce1Hex,
    extranonce2_len: extranonce2Size,
    version_rolling_mask: s.versionMask === null ? null : s.versionMask.toString(16).padStart(8, '0'),
    version_rolling_min_bit: s.versionMinBitCount === null ? null : s.versionMinBitCount.toString(16).padStart(8, '0'),
    connected_secs: Math.floor((now - s.connectedAt) / 1000),
    shares_accepted: s.stats.sharesAccepted,
    shares_rejected: s.stats.sharesRejected,
    shares_rejected_by_reason: s.stats.rejectedBy,
    shares_forwarded: s.stats.sharesForwarded,
    shares_accepted_upstream: s.stats.upstreamAccepted,
    shares_rejected_upstream: s.stats.upstreamRejected,
    best_diff: s.stats.bestDifficulty,
  };
}

export function serverChannelInfo(c: UpstreamChannel): Record<string, unknown> {
  return {
    channel_id: c.channelId,
    user_identity: c.userIdentity,
    nominal_hashrate: c.nominalHashrate,
    target_hex: targetHex(c.target),
    difficulty: targetToDifficulty(c.target),
    extranonce_prefix_hex: bytesToHex(c.extranoncePrefix),
    full_extranonce_size: c.extranoncePrefix.length + c.extranonceSize,
    rollable_extranonce_size: c.extranonceSize,
    version_rolling: c.sv2.activeJob?.versionRollingAllowed ?? true,
    shares_acknowledged: c.stats.sharesAcknowledged,
    shares_submitted: c.stats.sharesSubmitted,
    shares_rejected: c.stats.sharesRejected,
    share_work_sum: c.stats.shareWorkSum,
    best_diff: c.stats.bestDifficulty,
    blocks_found: c.stats.blocksFound,
    miners: c.miners.size,
  };
}

export interface TranslatorMonitoringSource {
  core: TranslatorCore;
  upstreams: UpstreamManager | null;
  sv1?: Sv1Server;
  extranonce2Size: number;
  startedAt: number;
  perClientMetrics: boolean;
  now?: () => number;
  /** Per-minute points for the dashboard's chart (in memory). */
  history?: HistorySink;
}

/** What a history point of the translator is made of. */
export function historyReading(core: TranslatorCore, now: number): HistoryReading {
  const t = core.totals;
  let rejected = 0;
  for (const n of Object.values(t.sharesRejected)) rejected += n ?? 0;
  return { hashrate: totalHashrate(core, now), accepted: t.sharesAccepted, rejected, blocks: t.blocksFound, connections: core.minerCount, channels: [...core.upstreamChannels].length };
}

function totalHashrate(core: TranslatorCore, now: number): number {
  let total = 0;
  for (const s of core.sessions) total += s.meter.hashrate(now) ?? 0;
  return total;
}

/** The running totals in the API's snake_case. */
function sharesView(t: TranslatorTotals): Record<string, unknown> {
  return {
    shares_accepted: t.sharesAccepted,
    shares_rejected: t.sharesRejected,
    shares_forwarded: t.sharesForwarded,
    upstream_accepted: t.upstreamAccepted,
    upstream_rejected: t.upstreamRejected,
    blocks_found: t.blocksFound,
    jobs_sent: t.jobsSent,
    keepalive_jobs: t.keepaliveJobs,
    endpoint_changes: t.endpointChanges,
    miners_connected: t.minersConnected,
    miners_refused: t.minersRefused,
  };
}

export function monitoringRoutes(src: TranslatorMonitoringSource): Record<string, MonitoringRoute> {
  const now = src.now ?? Date.now;
  const core = src.core;
  const channels = (): UpstreamChannel[] => [...core.upstreamChannels];
  const server = (): Record<string, unknown> => {
    const list = channels();
    return { extended_channels_count: list.length, standard_channels_count: 0, total_hashrate: list.reduce((t, c) => t + c.nominalHashrate, 0) };
  };
  return {
    '/api/v1/health': () => ({ status: 'ok', timestamp: Math.floor(now() / 1000), upstream_connected: core.upstreamLabel !== null }),
    '/api/v1/global': () => {
      const t = now();
      const list = channels();
      return {
        uptime_secs: Math.floor((t - src.startedAt) / 1000),
        server: { total_channels: list.length, extended_channels: list.length, standard_channels: 0, total_hashrate: list.reduce((s, c) => s + c.nominalHashrate, 0) },
        sv1_clients: { total_clients: core.minerCount, total_hashrate: totalHashrate(core, t) },
        upstream: src.upstreams?.status() ?? { connected: core.upstreamLabel !== null, address: core.upstreamLabel },
        shares: sharesView(core.totals),
      };
    },
    '/api/v1/server': server,
    ...(src.history !== undefined && { '/api/v1/history': ({ minutes }: Record<string, string>) => historyView(src.history!, minutes, now()) }),
    '/api/v1/server/channels': (params) => channelPage(channels().map(serverChannelInfo), [], params),
    '/api/v1/sv1/clients': (params) => {
      const t = now();
      return paged(core.sessions, params, (s) => sv1ClientInfo(s, t, src.extranonce2Size));
    },
    '/api/v1/sv1/clients/{id}': ({ id }) => {
      const s = core.miner(Number(id));
      return s === undefined ? undefined : sv1ClientInfo(s, now(), src.extranonce2Size);
    },
  };
}

/** Prometheus metrics (SRI's names where SRI has one), computed when scraped. */
export function monitoringRegistry(src: TranslatorMonitoringSource): Registry {
  const now = src.now ?? Date.now;
  const core = src.core;
  const registry = roleRegistry('translator', () => src.startedAt, now);
  const registers = [registry];
  const mirror = mirrorCounter;

  new Gauge({
    name: 'sv2_translator_sv1_clients',
    help: 'Connected Sv1 miners',
    registers,
    collect() {
      this.set(core.minerCount);
    },
  });
  new Gauge({
    name: 'sv2_translator_sv1_hashrate',
    help: 'Measured hashrate of all Sv1 miners (H/s, from accepted shares)',
    registers,
    collect() {
      this.set(totalHashrate(core, now()));
    },
  });
  new Gauge({
    name: 'sv2_translator_upstream_channels',
    help: 'Upstream channels by type',
    labelNames: ['channel_type'],
    registers,
    collect() {
      this.set({ channel_type: 'extended' }, [...core.upstreamChannels].length);
      this.set({ channel_type: 'standard' }, 0);
    },
  });
  new Gauge({
    name: 'sv2_translator_upstream_connected',
    help: '1 while the translator has a pool connection',
    registers,
    collect() {
      this.set(core.upstreamLabel === null ? 0 : 1);
    },
  });
  new Counter({
    name: 'sv2_translator_upstream_connections_total',
    help: 'Pool connections established (a rise means reconnects or fallbacks)',
    registers,
    collect() {
      mirror(this, [[{}, src.upstreams?.status().connections ?? 0]]);
    },
  });
  new Counter({
    name: 'sv2_translator_sv1_connections_refused_total',
    help: 'Sv1 connections refused by max_connections or max_connections_per_ip',
    registers,
    collect() {
      mirror(this, [[{}, src.sv1?.refused ?? 0]]);
    },
  });
  new Gauge({
    name: 'sv2_translator_sv1_refused_connections_held',
    help: 'Refused Sv1 connections held open, unread, until their refused_hold_secs is up',
    registers,
    collect() {
      this.set(src.sv1?.refusedHeld ?? 0);
    },
  });
  new Counter({
    name: 'sv2_translator_sv1_shares_accepted_total',
    help: 'Sv1 shares answered true (met the miner target on a live job)',
    registers,
    collect() {
      mirror(this, [[{}, core.totals.sharesAccepted]]);
    },
  });
  new Counter({
    name: 'sv2_translator_sv1_shares_rejected_total',
    help: 'Sv1 shares answered false, by reason',
    labelNames: ['reason'],
    registers,
    collect() {
      mirror(this, withKnown('reason', SHARE_REJECT_REASONS, Object.entries(core.totals.sharesRejected).map(([reason, v]) => [reason, v ?? 0])));
    },
  });
  new Counter({
    name: 'sv2_translator_upstream_shares_submitted_total',
    help: 'Shares forwarded to the pool (met the upstream target)',
    registers,
    collect() {
      mirror(this, [[{}, core.totals.sharesForwarded]]);
    },
  });
  new Counter({
    name: 'sv2_translator_upstream_shares_accepted_total',
    help: 'Forwarded shares the pool acknowledged',
    registers,
    collect() {
      mirror(this, [[{}, core.totals.upstreamAccepted]]);
    },
  });
  new Counter({
    name: 'sv2_translator_upstream_shares_rejected_total',
    help: 'Forwarded shares the pool rejected, by error code',
    labelNames: ['reason'],
    registers,
    collect() {
      mirror(this, withKnown('reason', SHARE_ERROR_CODES, Object.entries(core.totals.upstreamRejected)));
    },
  });
  new Counter({
    name: 'sv2_translator_blocks_found_total',
    help: 'Shares that met the network target',
    registers,
    collect() {
      mirror(this, [[{}, core.totals.blocksFound]]);
    },
  });
  new Counter({
    name: 'sv2_translator_sv1_disconnects_total',
    help: 'Sv1 connections ended, by reason (peer, bad-lines, line-too-long, write-buffer-full, idle, kicked, ...)',
    labelNames: ['reason'],
    registers,
    collect() {
      mirror(this, Object.entries(src.sv1?.disconnects ?? {}).map(([reason, v]) => [{ reason }, v ?? 0]));
    },
  });
  new Counter({
    name: 'sv2_translator_sv1_jobs_sent_total',
    help: 'mining.notify lines sent (keep-alive jobs included)',
    registers,
    collect() {
      mirror(this, [[{}, core.totals.jobsSent]]);
    },
  });
  if (src.perClientMetrics) {
    const labelNames = ['client_id', 'worker'];
    // one series per miner, the largest MAX_LABELLED_SERIES kept: a farm cannot blow up the scrape
    const each = (f: (s: MinerSession, t: number) => number): Array<[Labels, number]> => {
      const t = now();
      return boundedSeries(
        [...core.sessions].map((s) => [{ client_id: s.id, worker: s.workerName }, f(s, t)]),
        { client_id: 'other', worker: 'other' },
      );
    };
    new Gauge({
      name: 'sv2_translator_sv1_client_hashrate',
      help: 'Measured hashrate of one Sv1 miner (H/s, from accepted shares)',
      labelNames,
      registers,
      collect() {
        this.reset();
        for (const [labels, v] of each((s, t) => s.meter.hashrate(t) ?? 0)) this.set(labels, v);
      },
    });
    new Gauge({
      name: 'sv2_translator_sv1_client_difficulty',
      help: 'Current difficulty of one Sv1 miner',
      labelNames,
      registers,
      collect() {
        this.reset();
        for (const [labels, v] of each((s) => s.difficulty)) this.set(labels, v);
      },
    });
    new Counter({
      name: 'sv2_translator_sv1_client_shares_accepted_total',
      help: 'Shares of one Sv1 miner answered true',
      labelNames,
      registers,
      collect() {
        mirror(this, each((s) => s.stats.sharesAccepted));
      },
    });
    new Counter({
      name: 'sv2_translator_sv1_client_shares_rejected_total',
      help: 'Shares of one Sv1 miner answered false',
      labelNames,
      registers,
      collect() {
        mirror(this, each((s) => s.stats.sharesRejected));
      },
    });
    new Counter({
      name: 'sv2_translator_sv1_client_shares_rejected_upstream_total',
      help: 'Shares of one Sv1 miner the pool rejected after they were answered true',
      labelNames,
      registers,
      collect() {
        mirror(this, each((s) => s.stats.upstreamRejected));
      },
    });
  }
  return registry;
}
