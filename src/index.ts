// Public library surface: the wire and logic layers, one namespace per folder.
export * as bitcoin from './bitcoin/index.js';
export * as chain from './chain/index.js';
export * as channels from './channels/index.js';
export * as codec from './codec/index.js';
export * as framing from './framing/index.js';
export * as messages from './messages/index.js';
export * as noise from './noise/index.js';
export * as sv1 from './sv1/index.js';
