import { AuthorityPublicKey } from '../noise/authority-key.js';
import { KeyFormatError } from '../noise/errors.js';
import { PoolUrlError } from './errors.js';

export const POOL_URL_SCHEME = 'stratum2+tcp';

export interface PoolUrl {
  host: string;
  port: number;
  /** the authority whose certificate the server must present */
  authority: AuthorityPublicKey;
}

/** Parses `stratum2+tcp://host:port/<base58check authority key>` (spec §4.7); IPv6 hosts go in brackets. */
export function parsePoolUrl(text: string): PoolUrl {
  const match = /^([a-z0-9+.-]+):\/\/(\[[^\]]*\]|[^/:[\]]*)(?::([^/]*))?(?:\/(.*))?$/i.exec(text.trim());
  if (!match) throw new PoolUrlError(`"${text}" is not a pool URL; expected ${POOL_URL_SCHEME}://host:port/<authority public key>`);
  const [, scheme, rawHost, rawPort, rawKey] = match;
  if (scheme!.toLowerCase() !== POOL_URL_SCHEME) throw new PoolUrlError(`pool URL scheme must be ${POOL_URL_SCHEME}, got "${scheme}"`);
  const host = rawHost!.startsWith('[') ? rawHost!.slice(1, -1) : rawHost!;
  if (host === '') throw new PoolUrlError(`pool URL "${text}" has no host`);
  if (rawPort === undefined || rawPort === '') throw new PoolUrlError(`pool URL "${text}" has no port`);
  if (!/^\d{1,5}$/.test(rawPort) || Number(rawPort) < 1 || Number(rawPort) > 65_535) {
    throw new PoolUrlError(`pool URL port must be 1..65535, got "${rawPort}"`);
  }
  if (rawKey === undefined || rawKey === '') throw new PoolUrlError(`pool URL "${text}" has no authority public key after the port`);
  try {
    return { host, port: Number(rawPort), authority: AuthorityPublicKey.parse(rawKey) };
  } catch (err) {
    if (err instanceof KeyFormatError) throw new PoolUrlError(`pool URL authority key: ${err.message}`, { cause: err });
    throw err;
  }
}

export function formatPoolUrl(url: PoolUrl): string {
  const host = url.host.includes(':') ? `[${url.host}]` : url.host;
  return `${POOL_URL_SCHEME}://${host}:${url.port}/${url.authority.toString()}`;
}
