/** SHA-256 and HMAC-SHA256: node:crypto on Node (the fastest one-shot there), @noble/hashes elsewhere. */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { node } from './node.js';

export interface Hashes {
  sha256(data: Uint8Array): Uint8Array;
  hmacSha256(key: Uint8Array, parts: readonly Uint8Array[]): Uint8Array;
}

export const portableHashes: Hashes = {
  sha256: (data) => nobleSha256(data),
  hmacSha256(key, parts) {
    const mac = hmac.create(nobleSha256, key);
    for (const part of parts) mac.update(part);
    return mac.digest();
  },
};

/** The node:crypto implementation, or undefined off Node. */
export const nodeHashes: Hashes | undefined = node && {
  sha256: (data) => node!.crypto.hash('sha256', data, 'buffer'),
  hmacSha256(key, parts) {
    const mac = node!.crypto.createHmac('sha256', key);
    for (const part of parts) mac.update(part);
    return mac.digest();
  },
};

const hashes = nodeHashes ?? portableHashes;
export const sha256 = hashes.sha256;
export const hmacSha256 = hashes.hmacSha256;
