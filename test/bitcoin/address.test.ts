import { sha256 } from '@noble/hashes/sha2.js';
import { createBase58check } from '@scure/base';
import { describe, expect, it } from 'vitest';
import { AddressError, addressToScript, descriptorChecksum, mayBeAddress, outputScriptFrom, rawDescriptor, scriptToAddress } from '../../src/bitcoin/index.js';
import { fromHex } from '../../src/bitcoin/bytes.js';
import { ADDRESS_PARAMS } from '../../src/bitcoin/network.js';
import { bytesToHex } from '../../src/codec/hex.js';

describe('addresses', () => {
  it('turns addresses of every type and network into output scripts', () => {
    expect(bytesToHex(addressToScript('bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq', 'mainnet'))).toBe('0014e8df018c7e326cc253faac7e46cdc51e68542c42');
    // Base58: the payload after the version byte is the hash in the script.
    const b58 = createBase58check(sha256);
    const p2pkh = b58.decode('1BoatSLRHtKNngkdXEeobR76b53LETtpyT');
    expect(bytesToHex(addressToScript('1BoatSLRHtKNngkdXEeobR76b53LETtpyT', 'mainnet'))).toBe(`76a914${bytesToHex(p2pkh.subarray(1))}88ac`);
    const p2sh = b58.decode('3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy');
    expect(p2sh[0]).toBe(5);
    expect(bytesToHex(addressToScript('3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy', 'mainnet'))).toBe(`a914${bytesToHex(p2sh.subarray(1))}87`);
    // BIP350 test vector: taproot on mainnet.
    expect(bytesToHex(addressToScript('bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0', 'mainnet'))).toBe(
      '512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798',
    );
    expect(bytesToHex(addressToScript('tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx', 'testnet'))).toBe('0014751e76e8199196d454941c45d1b3a323f1433bd6');
    expect(bytesToHex(addressToScript('tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx', 'signet'))).toBe('0014751e76e8199196d454941c45d1b3a323f1433bd6');
    const regtest = scriptToAddress(addressToScript('bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq', 'mainnet'), 'regtest')!;
    expect(regtest).toMatch(/^bcrt1q/);
    expect(bytesToHex(addressToScript(regtest, 'regtest'))).toBe('0014e8df018c7e326cc253faac7e46cdc51e68542c42');
  });

  it('rejects a wrong-network or malformed address with a one-line AddressError', () => {
    expect(() => addressToScript('bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq', 'regtest')).toThrow(AddressError);
    expect(() => addressToScript('tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx', 'mainnet')).toThrow(/not a valid mainnet address/);
    expect(() => addressToScript('bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdx', 'mainnet')).toThrow(AddressError);
    expect(scriptToAddress(Uint8Array.of(0x6a, 1, 2), 'mainnet')).toBeUndefined();
  });
});

describe('descriptors', () => {
  it('computes the BIP380 checksum (spec vector)', () => {
    expect(descriptorChecksum('raw(deadbeef)')).toBe('89f8spxm');
    expect(rawDescriptor(Uint8Array.of(0xde, 0xad, 0xbe, 0xef))).toBe('raw(deadbeef)#89f8spxm');
  });

  it('accepts addr() and raw(), with or without a checksum', () => {
    expect(bytesToHex(outputScriptFrom('raw(deadbeef)#89f8spxm', 'mainnet'))).toBe('deadbeef');
    expect(bytesToHex(outputScriptFrom('raw(deadbeef)', 'regtest'))).toBe('deadbeef');
    const addr = 'addr(bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq)';
    expect(bytesToHex(outputScriptFrom(addr, 'mainnet'))).toBe('0014e8df018c7e326cc253faac7e46cdc51e68542c42');
    expect(bytesToHex(outputScriptFrom(`${addr}#${descriptorChecksum(addr)!}`, 'mainnet'))).toBe('0014e8df018c7e326cc253faac7e46cdc51e68542c42');
    expect(bytesToHex(outputScriptFrom(' bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq ', 'mainnet'))).toBe('0014e8df018c7e326cc253faac7e46cdc51e68542c42');
  });

  it('rejects bad checksums, unsupported descriptors and bad raw hex', () => {
    expect(() => outputScriptFrom('raw(deadbeef)#89f8spxn', 'mainnet')).toThrow(/checksum/);
    expect(() => outputScriptFrom('raw(deedbeef)#89f8spxm', 'mainnet')).toThrow(/checksum/);
    expect(() => outputScriptFrom('wpkh(02aabb)', 'mainnet')).toThrow(/unsupported descriptor/);
    expect(() => outputScriptFrom('raw(abc)', 'mainnet')).toThrow(AddressError);
    expect(() => outputScriptFrom('raw()', 'mainnet')).toThrow(AddressError);
  });
});

describe('mayBeAddress', () => {
  it('passes every address of every type and network, and not account names', () => {
    // Scripts of every kind with the extreme hashes (all zero bytes make the shortest base58).
    const scripts = [0x00, 0xff, 0x5a].flatMap((b) => {
      const h20 = bytesToHex(new Uint8Array(20).fill(b));
      const h32 = bytesToHex(new Uint8Array(32).fill(b));
      return [`76a914${h20}88ac`, `a914${h20}87`, `0014${h20}`, `0020${h32}`];
    });
    scripts.push('512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798'); // taproot needs a key on the curve
    const networks = ['mainnet', 'testnet', 'testnet4', 'signet', 'regtest'] as const;
    let checked = 0;
    for (const n of networks) {
      for (const s of scripts) {
        const address = scriptToAddress(fromHex(s), n)!;
        expect(mayBeAddress(address), `${n} ${address}`).toBe(true);
        expect(mayBeAddress(address.toUpperCase()) || !address.startsWith(ADDRESS_PARAMS[n].bech32)).toBe(true);
        checked++;
      }
    }
    expect(checked).toBe(65);
    for (const name of ['alice', 'bench', 'flood', 'honest12', 'sri', 'pool-account_1', 'bc1', 'Bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq']) expect(mayBeAddress(name), name).toBe(false);
    // Its refusals are addressToScript's too.
    for (const name of ['alice', 'bc1']) expect(() => addressToScript(name, 'mainnet')).toThrow(AddressError);
  });
});
