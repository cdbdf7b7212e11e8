/** The authority key pair a role that serves Sv2 takes from its config, checked against the configured public key. */
import { AuthorityKeyPair, AuthorityPublicKey } from '../../noise/authority-key.js';
import { ConfigError } from './config.js';

export interface AuthorityKeysConfig {
  authority_secret_key: string;
  authority_public_key: string;
}

/** The authority key pair; a ConfigError names the key at fault, or the public key that does not match the secret. */
export function authorityKeyPairOf(cfg: AuthorityKeysConfig): AuthorityKeyPair {
  let pair: AuthorityKeyPair;
  try {
    pair = AuthorityKeyPair.parseSecret(cfg.authority_secret_key);
  } catch (e) {
    throw new ConfigError('authority_secret_key', (e as Error).message);
  }
  let pub: AuthorityPublicKey;
  try {
    pub = AuthorityPublicKey.parse(cfg.authority_public_key);
  } catch (e) {
    throw new ConfigError('authority_public_key', (e as Error).message);
  }
  if (!pub.equals(pair.publicKey)) throw new ConfigError('authority_public_key', 'is not the public key of authority_secret_key');
  return pair;
}
