import { describe, expect, it } from 'vitest';
import { PoolUrlError } from '../../../src/net/errors.js';
import { AuthorityKeyPair } from '../../../src/noise/authority-key.js';
import { parseMinerUrl } from '../../../src/roles/miner/miner-url.js';
import { Backoff } from '../../../src/roles/miner/session.js';

const key = AuthorityKeyPair.generate().publicKey.toString();

describe('miner URLs', () => {
  it('stratum2+tcp is Sv2 with its authority key, stratum+tcp is Sv1', () => {
    const sv2 = parseMinerUrl(`stratum2+tcp://pool.example:34254/${key}`);
    expect(sv2).toMatchObject({ protocol: 'sv2', host: 'pool.example', port: 34254 });
    expect(sv2.protocol === 'sv2' && sv2.pool.authority.toString()).toBe(key);
    expect(parseMinerUrl('stratum+tcp://[::1]:3333')).toEqual({ protocol: 'sv1', host: '::1', port: 3333 });
    expect(parseMinerUrl('STRATUM+TCP://10.0.0.1:3333/')).toEqual({ protocol: 'sv1', host: '10.0.0.1', port: 3333 });
  });

  it('anything else is a PoolUrlError naming the problem', () => {
    const cases: Array<[string, RegExp]> = [
      ['http://x:1', /not a pool URL/],
      ['pool.example:3333', /not a pool URL/],
      ['stratum+tcp://:3333', /no host/],
      ['stratum+tcp://host', /no port/],
      ['stratum+tcp://host:0', /port must be 1\.\.65535/],
      ['stratum+tcp://host:3333/path', /not an Sv1 pool URL/],
      ['stratum2+tcp://host:3333', /authority public key/],
      ['stratum2+tcp://host:3333/xyz', /authority key/],
    ];
    for (const [url, message] of cases) {
      expect(() => parseMinerUrl(url), url).toThrow(PoolUrlError);
      expect(() => parseMinerUrl(url), url).toThrow(message);
    }
  });
});

describe('reconnect backoff', () => {
  it('doubles from the first wait up to the cap, with ±20 % jitter, and starts over on reset', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 1000 });
    const waits = Array.from({ length: 6 }, () => b.next());
    [100, 200, 400, 800, 1000, 1000].forEach((base, i) => {
      expect(waits[i]).toBeGreaterThanOrEqual(base * 0.8);
      expect(waits[i]).toBeLessThanOrEqual(base * 1.2);
    });
    b.reset();
    expect(b.next()).toBeLessThanOrEqual(120);
  });
});
