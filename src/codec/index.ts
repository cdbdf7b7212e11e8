export * from './errors.js';
export * from './hex.js';
export * from './message.js';
export * from './reader.js';
export * from './tlv.js';
export * from './types.js';
