/**
 * One way every role's API pages a list: `?offset=N&limit=M` (limit 100 by default, 1000 at most)
 * and the answer `{ offset, limit, total, items }`. Channel lists keep SRI's shape, with the
 * extended and standard channels apart.
 */
export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

export interface PageRequest {
  offset: number;
  limit: number;
}

export interface Page<T> extends PageRequest {
  total: number;
  items: T[];
}

export interface ChannelPage<E, S> extends PageRequest {
  total_extended: number;
  total_standard: number;
  extended_channels: E[];
  standard_channels: S[];
}

/** The page asked for; anything unreadable falls back to the defaults. */
export function pageRequest(params: Record<string, string>): PageRequest {
  const offset = Math.max(0, Number.parseInt(params.offset ?? '0', 10) || 0);
  const asked = Number.parseInt(params.limit ?? '', 10);
  const limit = Number.isFinite(asked) && asked >= 0 ? Math.min(MAX_LIMIT, asked) : DEFAULT_LIMIT;
  return { offset, limit };
}

/** One page of `all`, each item made by `view` only when it is on the page. */
export function paged<A, T>(all: Iterable<A>, params: Record<string, string>, view: (a: A) => T): Page<T> {
  const { offset, limit } = pageRequest(params);
  const items: T[] = [];
  let total = 0;
  for (const a of all) {
    if (total >= offset && items.length < limit) items.push(view(a));
    total++;
  }
  return { offset, limit, total, items };
}

/** SRI's channel list: the extended and the standard channels, each paged by the same request. */
export function channelPage<E, S>(extended: E[], standard: S[], params: Record<string, string>): ChannelPage<E, S> {
  const { offset, limit } = pageRequest(params);
  return {
    offset,
    limit,
    total_extended: extended.length,
    total_standard: standard.length,
    extended_channels: extended.slice(offset, offset + limit),
    standard_channels: standard.slice(offset, offset + limit),
  };
}
