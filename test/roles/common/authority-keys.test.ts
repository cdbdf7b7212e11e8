import { describe, expect, it } from 'vitest';
import { AuthorityKeyPair } from '../../../src/noise/authority-key.js';
import { authorityKeyPairOf } from '../../../src/roles/common/authority-keys.js';
import { configError } from '../../support/config.js';

const pair = AuthorityKeyPair.generate();
const keys = { authority_secret_key: pair.secretToString(), authority_public_key: pair.publicKey.toString() };

describe('a server role’s authority keys', () => {
  it('gives the pair when the public key is the secret’s', () => {
    expect(authorityKeyPairOf(keys).publicKey.equals(pair.publicKey)).toBe(true);
  });

  it('names the key at fault', () => {
    expect(configError(() => authorityKeyPairOf({ ...keys, authority_secret_key: 'not base58' })).key).toBe('authority_secret_key');
    expect(configError(() => authorityKeyPairOf({ ...keys, authority_public_key: 'not base58' })).key).toBe('authority_public_key');
    const other = AuthorityKeyPair.generate().publicKey.toString();
    expect(configError(() => authorityKeyPairOf({ ...keys, authority_public_key: other })).message).toBe('authority_public_key: is not the public key of authority_secret_key');
  });
});

