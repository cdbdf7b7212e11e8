import { describe, expect, it } from 'vitest';
import { formatPoolUrl, parsePoolUrl, PoolUrlError } from '../../src/net/index.js';

const KEY = '9bXiEd8boQVhq7WddEcERUL5tyyJVFYdU8th3HfbNXK3Yw6GRXh';

describe('pool URLs', () => {
  it("parses the spec's example", () => {
    const url = parsePoolUrl(`stratum2+tcp://thepool.com:34254/${KEY}`);
    expect(url.host).toBe('thepool.com');
    expect(url.port).toBe(34254);
    expect(Buffer.from(url.authority.x).toString('hex')).toBe('76637000979c1c11af0c300bcd8c7fe48610fce9b9c11e3daee35ae0b08a7455');
    expect(formatPoolUrl(url)).toBe(`stratum2+tcp://thepool.com:34254/${KEY}`);
  });

  it('takes IPv4 and bracketed IPv6 hosts', () => {
    expect(parsePoolUrl(`stratum2+tcp://127.0.0.1:3333/${KEY}`).host).toBe('127.0.0.1');
    const v6 = parsePoolUrl(`stratum2+tcp://[::1]:3333/${KEY}`);
    expect(v6.host).toBe('::1');
    expect(formatPoolUrl(v6)).toBe(`stratum2+tcp://[::1]:3333/${KEY}`);
  });

  it.each([
    ['stratum+tcp://pool:3333/' + KEY, 'scheme must be stratum2+tcp'],
    ['stratum2+tcp://pool/' + KEY, 'has no port'],
    ['stratum2+tcp://pool:/' + KEY, 'has no port'],
    ['stratum2+tcp://pool:70000/' + KEY, 'port must be 1..65535'],
    ['stratum2+tcp://pool:0/' + KEY, 'port must be 1..65535'],
    ['stratum2+tcp://pool:33a/' + KEY, 'port must be 1..65535'],
    ['stratum2+tcp://:3333/' + KEY, 'has no host'],
    ['stratum2+tcp://pool:3333', 'has no authority public key'],
    ['stratum2+tcp://pool:3333/' + KEY.slice(0, -1) + 'i', 'authority key'],
    ['pool:3333', 'is not a pool URL'],
  ])('refuses %s (%s)', (text, fragment) => {
    expect(() => parsePoolUrl(text)).toThrow(PoolUrlError);
    expect(() => parsePoolUrl(text)).toThrow(fragment);
  });
});
