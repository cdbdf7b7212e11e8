/**
 * An `[[upstreams]]` entry as the translator and the proxy read it (SRI's keys): a host or IP
 * with its port and authority key, or one `stratum2+tcp://host:port/<authority key>` URL.
 */
import { z } from 'zod';
import { AuthorityPublicKey } from '../../noise/authority-key.js';
import { KeyFormatError } from '../../noise/errors.js';
import { ConfigError } from './config.js';
import type { UpstreamEndpoint } from './upstream.js';

export const upstreamSchema = z.strictObject({
  /** an IP or hostname, or a whole `stratum2+tcp://host:port/<authority key>` URL */
  address: z.string().min(1),
  port: z.number().int().min(0).max(65535).optional(),
  authority_pubkey: z.string().min(1).optional(),
  /** newer SRI: the identity for channels opened on this upstream */
  user_identity: z.string().max(255).optional(),
});

export type UpstreamEntry = z.infer<typeof upstreamSchema>;

const URL_FORM = /^stratum2\+tcp:\/\/(\[[0-9a-fA-F:.]+\]|[^:/\s]+)(?::(\d{1,5}))?(?:\/([1-9A-HJ-NP-Za-km-z]+))?\/?$/;

/** One entry, checked: `index` names it in errors; `fallbackIdentity` is the top-level user_identity. */
export function resolveUpstream(raw: UpstreamEntry, index: number, fallbackIdentity: string | undefined): UpstreamEndpoint {
  const key = (k: string): string => `upstreams.${index}.${k}`;
  let host = raw.address;
  let upstreamPort = raw.port;
  let authority = raw.authority_pubkey;
  if (raw.address.includes('://')) {
    const m = URL_FORM.exec(raw.address);
    if (m === null) throw new ConfigError(key('address'), 'must be a host, an IP or stratum2+tcp://host:port/<authority key>');
    host = m[1]!.replace(/^\[(.*)\]$/, '$1');
    if (m[2] !== undefined) upstreamPort = Number(m[2]);
    if (m[3] !== undefined) {
      if (authority !== undefined && authority !== m[3]) throw new ConfigError(key('authority_pubkey'), 'differs from the key in the address URL');
      authority = m[3];
    }
  }
  if (upstreamPort === undefined) throw new ConfigError(key('port'), 'is missing');
  if (upstreamPort < 1 || upstreamPort > 65535) throw new ConfigError(key('port'), 'must be 1..65535');
  if (authority === undefined) throw new ConfigError(key('authority_pubkey'), 'is missing');
  try {
    AuthorityPublicKey.parse(authority);
  } catch (error) {
    if (error instanceof KeyFormatError) throw new ConfigError(key('authority_pubkey'), error.message);
    throw error;
  }
  const userIdentity = raw.user_identity ?? fallbackIdentity;
  if (userIdentity === undefined) throw new ConfigError(key('user_identity'), 'is missing (set it here or as the top-level user_identity)');
  return { host, port: upstreamPort, authorityPubkey: authority, userIdentity };
}
