// Public library surface: the wire and logic layers, re-exported for embedders.
export * as bitcoin from './bitcoin/index.js';
export * as chain from './chain/index.js';
