/** Where a miner points: an Sv2 pool (stratum2+tcp, with its authority key) or an Sv1 pool (stratum+tcp). */
import { PoolUrlError } from '../../net/errors.js';
import { parsePoolUrl, POOL_URL_SCHEME, type PoolUrl } from '../../net/pool-url.js';

export const SV1_URL_SCHEME = 'stratum+tcp';

export type MinerUrl = { protocol: 'sv2'; pool: PoolUrl; host: string; port: number } | { protocol: 'sv1'; host: string; port: number };

export function parseMinerUrl(text: string): MinerUrl {
  const scheme = /^([a-z0-9+.-]+):\/\//i.exec(text.trim())?.[1]?.toLowerCase();
  if (scheme === POOL_URL_SCHEME) {
    const pool = parsePoolUrl(text);
    return { protocol: 'sv2', pool, host: pool.host, port: pool.port };
  }
  if (scheme !== SV1_URL_SCHEME) {
    throw new PoolUrlError(`"${text}" is not a pool URL; expected ${POOL_URL_SCHEME}://host:port/<authority public key> or ${SV1_URL_SCHEME}://host:port`);
  }
  const match = /^[^:]+:\/\/(\[[^\]]*\]|[^/:[\]]*)(?::([^/]*))?\/?$/.exec(text.trim());
  if (!match) throw new PoolUrlError(`"${text}" is not an Sv1 pool URL; expected ${SV1_URL_SCHEME}://host:port`);
  const [, rawHost, rawPort] = match;
  const host = rawHost!.startsWith('[') ? rawHost!.slice(1, -1) : rawHost!;
  if (host === '') throw new PoolUrlError(`pool URL "${text}" has no host`);
  if (rawPort === undefined || rawPort === '') throw new PoolUrlError(`pool URL "${text}" has no port`);
  if (!/^\d{1,5}$/.test(rawPort) || Number(rawPort) < 1 || Number(rawPort) > 65_535) throw new PoolUrlError(`pool URL port must be 1..65535, got "${rawPort}"`);
  return { protocol: 'sv1', host, port: Number(rawPort) };
}
