/** Inputs shared by the channel tests: SRI's captured template and payout, and small builders. */
import { bitsToTarget, targetFromBigInt } from '../../src/bitcoin/target.js';
import type { Messages } from '../../src/messages/index.js';
import type { ServerChannelOptions } from '../../src/channels/index.js';

export const SATS = 5_000_000_000n;

/** The witness commitment output of SRI's test templates (value 0, OP_RETURN aa21a9ed…). */
export const SRI_TEMPLATE_OUTPUTS = Uint8Array.from([
  0, 0, 0, 0, 0, 0, 0, 0, 38, 106, 36, 170, 33, 169, 237, 226, 246, 28, 63, 113, 209, 222, 253, 63, 169, 153, 223, 163, 105, 83, 117, 92, 105, 6, 137,
  121, 153, 98, 180, 139, 235, 216, 54, 151, 78, 140, 249,
]);

/** SRI's payout script: P2WPKH of this key hash. */
export const SRI_PAYOUT_SCRIPT = Uint8Array.from([
  0, 20, 235, 225, 183, 220, 194, 147, 204, 170, 14, 231, 67, 168, 111, 137, 223, 130, 88, 194, 8, 252,
]);

/** "Stratum V2 SRI Pool" followed by zeros and a final 1, `length` bytes long. */
export function sriPrefix(length: number): Uint8Array {
  const out = new Uint8Array(length);
  out.set(new TextEncoder().encode('Stratum V2 SRI Pool'), 0);
  out[length - 1] = 1;
  return out;
}

/** 0…0 1: the extranonce prefix of SRI's extended share tests. */
export function zeroPrefix(length: number): Uint8Array {
  const out = new Uint8Array(length);
  out[length - 1] = 1;
  return out;
}

export function template(overrides: Partial<Messages['NewTemplate']> = {}): Messages['NewTemplate'] {
  return {
    templateId: 1n,
    futureTemplate: false,
    version: 536870912,
    coinbaseTxVersion: 2,
    coinbasePrefix: Uint8Array.of(82, 0),
    coinbaseTxInputSequence: 4294967295,
    coinbaseTxValueRemaining: SATS,
    coinbaseTxOutputsCount: 1,
    coinbaseTxOutputs: SRI_TEMPLATE_OUTPUTS,
    coinbaseTxLocktime: 0,
    merklePath: [],
    ...overrides,
  };
}

/** The template of SRI's standard-channel tests (height 159 push, sequence and locktime set). */
export function standardTemplate(overrides: Partial<Messages['NewTemplate']> = {}): Messages['NewTemplate'] {
  return template({ coinbasePrefix: Uint8Array.of(2, 159, 0, 0), coinbaseTxInputSequence: 4294967294, coinbaseTxLocktime: 158, ...overrides });
}

export const MAX_TARGET = targetFromBigInt((1n << 256n) - 1n);
export const REGTEST_BITS = 0x207fffff;
export const REGTEST_TARGET = bitsToTarget(REGTEST_BITS);

export function channelOptions(overrides: Partial<ServerChannelOptions> = {}): ServerChannelOptions {
  return {
    channelId: 1,
    userIdentity: 'user_identity',
    extranoncePrefix: sriPrefix(32),
    maxTarget: MAX_TARGET,
    nominalHashrate: 1,
    sharesPerMinute: 1,
    shareBatchSize: 100,
    now: 1_745_596_910,
    ...overrides,
  };
}

/** BE display hex of a LE target, as SRI's comments print them. */
export function targetHex(target: Uint8Array): string {
  return Buffer.from(target).reverse().toString('hex');
}

