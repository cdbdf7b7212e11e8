/**
 * Bitcoin primitives (wire layer, pure): hashing, headers, transactions, merkle trees, coinbase
 * construction and BIP141 handling, targets/difficulty/hashrate, addresses and block assembly.
 * Hashes are raw 32-byte Uint8Arrays in internal byte order throughout; use hashToDisplay /
 * hashFromDisplay only at the edges (RPC, logs).
 */
export * from './bytes.js';
export * from './hash.js';
export * from './header.js';
export * from './tx.js';
export * from './merkle.js';
export * from './script.js';
export * from './witness.js';
export * from './bip141.js';
export * from './coinbase.js';
export * from './target.js';
export * from './network.js';
export * from './address.js';
export * from './block.js';
export * from './sighash.js';
