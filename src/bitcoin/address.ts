/**
 * Output scripts from what an operator writes in a config: an address, or an `addr(...)` /
 * `raw(...)` output descriptor (BIP380 checksum optional, verified when present).
 */
import { Sv2Error } from '../codec/sv2-error.js';
import { Address, OutScript } from '@scure/btc-signer';
import { fromHex } from './bytes.js';
import { bytesToHex } from '../codec/hex.js';
import { ADDRESS_PARAMS, type NetworkName } from './network.js';

/** An address or descriptor that cannot be used on the given network. */
export class AddressError extends Sv2Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SV2_ERR_ADDRESS', message, options);
  }
}

/** Base58 (legacy, P2SH) or Bech32 of one of our networks, by shape only. */
const ADDRESS_SHAPE = /^(?:[1-9A-HJ-NP-Za-km-z]{25,35}|(?:bc|tb|bcrt)1[02-9ac-hj-np-z]{6,86}|(?:BC|TB|BCRT)1[02-9AC-HJ-NP-Z]{6,86})$/;

/**
 * False when `text` cannot be an address of any network we know, by its shape: a cheap test before
 * `addressToScript`, whose refusal (an exception with a stack) costs ~50 µs. Account names such
 * as `alice.rig1` are read on every channel open, so they must not pay it.
 */
export function mayBeAddress(text: string): boolean {
  return ADDRESS_SHAPE.test(text.trim());
}

/** The output script an address pays to; throws AddressError for a malformed or wrong-network address. */
export function addressToScript(address: string, network: NetworkName): Uint8Array {
  let decoded;
  try {
    decoded = Address(ADDRESS_PARAMS[network]).decode(address.trim());
  } catch (e) {
    throw new AddressError(`not a valid ${network} address: "${address}" (${(e as Error).message})`);
  }
  return OutScript.encode(decoded);
}

/** The address of an output script, or undefined when it has none (OP_RETURN, bare multisig, ...). */
export function scriptToAddress(script: Uint8Array, network: NetworkName): string | undefined {
  try {
    return Address(ADDRESS_PARAMS[network]).encode(OutScript.decode(script));
  } catch {
    return undefined;
  }
}

/**
 * The output script for `spec`: a plain address, `addr(ADDRESS)` or `raw(HEX)`, optionally followed by
 * a `#checksum` (as bitcoind prints descriptors), which must then be right.
 */
export function outputScriptFrom(spec: string, network: NetworkName): Uint8Array {
  const text = spec.trim();
  const hash = text.indexOf('#');
  const body = hash >= 0 ? text.slice(0, hash) : text;
  if (hash >= 0) {
    const expected = descriptorChecksum(body);
    if (expected === undefined) throw new AddressError(`descriptor has characters outside the descriptor set: "${body}"`);
    if (text.slice(hash + 1) !== expected) throw new AddressError(`bad descriptor checksum in "${text}" (expected #${expected})`);
  }
  const m = /^([a-z]+)\((.*)\)$/.exec(body);
  if (!m) {
    if (hash >= 0) throw new AddressError(`not an output descriptor: "${text}"`);
    return addressToScript(body, network);
  }
  const [, fn, arg] = m as unknown as [string, string, string];
  if (fn === 'addr') return addressToScript(arg, network);
  if (fn === 'raw') {
    if (arg.length === 0 || !/^([0-9a-fA-F]{2})+$/.test(arg)) throw new AddressError(`raw() needs a non-empty hex script: "${text}"`);
    return fromHex(arg);
  }
  throw new AddressError(`unsupported descriptor ${fn}(...): use addr(...) or raw(...)`);
}

/** The `raw(HEX)#checksum` descriptor of a script. */
export function rawDescriptor(script: Uint8Array): string {
  const body = `raw(${bytesToHex(script)})`;
  return `${body}#${descriptorChecksum(body)!}`;
}

const INPUT_CHARSET = '0123456789()[],\'/*abcdefgh@:$%{}IJKLMNOPQRSTUVWXYZ&+-.;<=>?!^_|~ijklmnopqrstuvwxyzABCDEFGH`#"\\ ';
const CHECKSUM_CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const GENERATOR = [0xf5dee51989n, 0xa9fdca3312n, 0x1bab10e32dn, 0x3706b1677an, 0x644d626ffdn];

function polymod(symbols: number[]): bigint {
  let chk = 1n;
  for (const value of symbols) {
    const top = chk >> 35n;
    chk = ((chk & 0x7ffffffffn) << 5n) ^ BigInt(value);
    for (let i = 0; i < 5; i++) if ((top >> BigInt(i)) & 1n) chk ^= GENERATOR[i]!;
  }
  return chk;
}

/** BIP380 descriptor checksum (8 characters), or undefined for a character outside the descriptor set. */
export function descriptorChecksum(body: string): string | undefined {
  const symbols: number[] = [];
  const groups: number[] = [];
  for (const c of body) {
    const v = INPUT_CHARSET.indexOf(c);
    if (v < 0) return undefined;
    symbols.push(v & 31);
    groups.push(v >> 5);
    if (groups.length === 3) {
      symbols.push(groups[0]! * 9 + groups[1]! * 3 + groups[2]!);
      groups.length = 0;
    }
  }
  if (groups.length === 1) symbols.push(groups[0]!);
  else if (groups.length === 2) symbols.push(groups[0]! * 3 + groups[1]!);
  const chk = polymod([...symbols, 0, 0, 0, 0, 0, 0, 0, 0]) ^ 1n;
  let out = '';
  for (let i = 0; i < 8; i++) out += CHECKSUM_CHARSET[Number((chk >> BigInt(5 * (7 - i))) & 31n)];
  return out;
}
