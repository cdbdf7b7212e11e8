/**
 * What a server's channel manager reads of its connections for monitoring (the pool's and the
 * shared device side's): a connection's channels as a list, and the shares counted since start,
 * open channels and closed ones alike. One reading, so both count the same way.
 */
import { ShareTally } from '../../channels/share-accounting.js';
import type { Channel } from './job-fanout.js';

/** A connection as these readings see it: its open channels, and what its closed ones counted. */
export interface TalliedConnection {
  readonly channels: ReadonlyMap<number, Channel>;
  readonly retired: ShareTally;
}

/** The open channels of one connection (none for one that is gone). */
export function channelList(connections: ReadonlyMap<number, TalliedConnection>, id: number): readonly Channel[] {
  return [...(connections.get(id)?.channels.values() ?? [])];
}

/** What one connection's channels counted, open and closed; undefined for one that is gone. */
export function connectionShares(conn: TalliedConnection | undefined): ShareTally | undefined {
  if (conn === undefined) return undefined;
  const t = new ShareTally().fold(conn.retired);
  for (const ch of conn.channels.values()) t.fold(ch.accounting);
  return t;
}

/** Every share counted since start: `retired` (connections that are gone) and every connection's. */
export function allShares(retired: ShareTally, connections: ReadonlyMap<number, TalliedConnection>): ShareTally {
  const t = new ShareTally().fold(retired);
  for (const conn of connections.values()) t.fold(connectionShares(conn)!);
  return t;
}
