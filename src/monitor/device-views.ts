/**
 * The device side of a role that serves Sv2 devices through `DeviceChannels` (the proxy, the JD
 * client): each device connection and its channels, in SRI's /api/v1 shapes.
 */
import { hashToDisplay } from '../bitcoin/bytes.js';
import { bytesToHex } from '../codec/hex.js';
import type { DeviceChannels } from '../roles/common/device-channels.js';
import type { DownstreamServer } from '../roles/common/downstream-server.js';
import type { Channel } from '../roles/common/job-fanout.js';
import { channelPage, paged } from '../roles/common/paging.js';
import type { RouteHandler } from './server.js';

export interface DeviceSide {
  downstreams: Pick<DownstreamServer<unknown>, 'get' | 'all'>;
  devices: Pick<DeviceChannels, 'channelsOf' | 'upstreamStatsOf'>;
  now: () => number;
}

export function deviceChannelView(devices: DeviceSide['devices'], ch: Channel) {
  const up = devices.upstreamStatsOf(ch);
  return {
    channel_id: ch.channelId,
    kind: ch.kind,
    group_channel_id: ch.groupChannelId,
    user_identity: ch.userIdentity,
    nominal_hashrate: ch.nominalHashrate,
    difficulty: ch.difficulty,
    target: hashToDisplay(ch.target),
    extranonce_prefix: bytesToHex(ch.extranoncePrefix),
    shares_accepted: ch.accounting.accepted,
    share_difficulty_sum: ch.accounting.difficultySum,
    rejected: Object.fromEntries(ch.accounting.rejected),
    upstream: { forwarded: up.forwarded, accepted: up.acceptedUpstream, rejected: Object.fromEntries(up.rejectedUpstream), below_upstream_target: up.belowUpstreamTarget },
  };
}

export function deviceClientView(side: DeviceSide, id: number) {
  const d = side.downstreams.get(id);
  if (d === undefined) return undefined;
  return {
    id: d.id,
    address: d.peer,
    vendor: d.setup?.vendor ?? null,
    flags: d.setup?.flags ?? null,
    connected_secs: Math.round((side.now() - d.connectedAt) / 1000),
    channels: side.devices.channelsOf(id).map((ch) => deviceChannelView(side.devices, ch)),
  };
}

/** `/api/v1/clients`, `/clients/{id}` and `/clients/{id}/channels` of the devices. */
export function deviceRoutes(side: DeviceSide): Record<string, RouteHandler> {
  const client = (raw: string | undefined) => (raw !== undefined && /^\d+$/.test(raw) ? deviceClientView(side, Number(raw)) : undefined);
  return {
    '/api/v1/clients': (params) => paged(side.downstreams.all(), params, (d) => deviceClientView(side, d.id)!),
    '/api/v1/clients/{id}': ({ id }) => client(id),
    '/api/v1/clients/{id}/channels': (params) => {
      const c = client(params.id);
      if (c === undefined) return undefined;
      return channelPage(
        c.channels.filter((ch) => ch.kind === 'extended'),
        c.channels.filter((ch) => ch.kind === 'standard'),
        params,
      );
    },
  };
}
