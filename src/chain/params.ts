/** Consensus parameters of the embedded chain (Bitcoin Core's regtest values). */
import { MAX_FUTURE_BLOCK_TIME } from '../bitcoin/header.js';
import { genesisBlock } from '../bitcoin/network.js';

export interface ChainParams {
  /** The genesis block, serialized. */
  genesis: Uint8Array;
  /** Highest allowed target, as nBits. */
  powLimitBits: number;
  subsidyHalvingInterval: number;
  coinbaseMaturity: number;
  /** Blocks may be at most this far ahead of the node's clock (MAX_FUTURE_BLOCK_TIME). */
  maxFutureBlockTime: number;
  /** Heights from which BIP34 (height in coinbase) and segwit rules apply. */
  bip34Height: number;
  segwitHeight: number;
}

export const REGTEST_PARAMS: ChainParams = {
  genesis: genesisBlock('regtest'),
  powLimitBits: 0x207fffff,
  subsidyHalvingInterval: 150,
  coinbaseMaturity: 100,
  maxFutureBlockTime: MAX_FUTURE_BLOCK_TIME,
  bip34Height: 1,
  segwitHeight: 0,
};

export const COIN = 100_000_000n;
export const MAX_MONEY = 21_000_000n * COIN;

/** Block subsidy at `height`: 50 BTC halved every `interval` blocks. */
export function blockSubsidy(height: number, interval: number): bigint {
  const halvings = Math.floor(height / interval);
  if (halvings >= 64) return 0n;
  return (50n * COIN) >> BigInt(halvings);
}
