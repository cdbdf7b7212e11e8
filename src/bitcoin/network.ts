/** Network parameters the wire layer needs: address encodings and the genesis blocks we embed. */
import { ByteWriter, concatBytes, fromHex } from './bytes.js';
import { serializeHeader } from './header.js';
import { sha256d } from './hash.js';

export type NetworkName = 'mainnet' | 'testnet' | 'testnet4' | 'signet' | 'regtest';
export const NETWORK_NAMES: readonly NetworkName[] = ['mainnet', 'testnet', 'testnet4', 'signet', 'regtest'];

export interface AddressParams {
  /** Bech32/Bech32m human-readable part. */
  bech32: string;
  /** Base58 version byte of P2PKH addresses. */
  pubKeyHash: number;
  /** Base58 version byte of P2SH addresses. */
  scriptHash: number;
  /** Base58 version byte of WIF private keys. */
  wif: number;
}

export const ADDRESS_PARAMS: Readonly<Record<NetworkName, AddressParams>> = {
  mainnet: { bech32: 'bc', pubKeyHash: 0x00, scriptHash: 0x05, wif: 0x80 },
  testnet: { bech32: 'tb', pubKeyHash: 0x6f, scriptHash: 0xc4, wif: 0xef },
  testnet4: { bech32: 'tb', pubKeyHash: 0x6f, scriptHash: 0xc4, wif: 0xef },
  signet: { bech32: 'tb', pubKeyHash: 0x6f, scriptHash: 0xc4, wif: 0xef },
  regtest: { bech32: 'bcrt', pubKeyHash: 0x6f, scriptHash: 0xc4, wif: 0xef },
};

/** bitcoind's default RPC port per network. */
export const DEFAULT_RPC_PORT: Readonly<Record<NetworkName, number>> = {
  mainnet: 8332,
  testnet: 18332,
  testnet4: 48332,
  signet: 38332,
  regtest: 18443,
};

/** The network of bitcoind's `getblockchaininfo.chain` (main, test, testnet4, signet, regtest). */
export function networkOfChain(chain: string): NetworkName | undefined {
  if (chain === 'main') return 'mainnet';
  if (chain === 'test') return 'testnet';
  return isNetworkName(chain) ? chain : undefined;
}

export function isNetworkName(s: string): s is NetworkName {
  return (NETWORK_NAMES as readonly string[]).includes(s);
}

/** Satoshi's genesis coinbase, shared by mainnet, testnet3 and regtest. */
export const GENESIS_COINBASE = fromHex(
  '01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04ffff001d01044554686520' +
    '54696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f66207365636f6e64206261696c6f75' +
    '7420666f722062616e6b73ffffffff0100f2052a01000000434104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0' +
    'ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000',
);

/** Header fields of the genesis blocks built from {@link GENESIS_COINBASE}. */
const GENESIS_HEADERS = {
  mainnet: { time: 1231006505, bits: 0x1d00ffff, nonce: 2083236893 },
  testnet: { time: 1296688602, bits: 0x1d00ffff, nonce: 414098458 },
  regtest: { time: 1296688602, bits: 0x207fffff, nonce: 2 },
} as const;

/** The serialized genesis block of mainnet, testnet3 or regtest. */
export function genesisBlock(network: 'mainnet' | 'testnet' | 'regtest'): Uint8Array {
  const h = GENESIS_HEADERS[network];
  const header = serializeHeader({ version: 1, prevHash: new Uint8Array(32), merkleRoot: sha256d(GENESIS_COINBASE), ...h });
  return concatBytes(header, new ByteWriter(1).compactSize(1).finish(), GENESIS_COINBASE);
}
