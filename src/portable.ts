/**
 * The layers that run on any JavaScript runtime (Node, browsers, Deno, Bun): the wire layer
 * (bytes in, values out) and the logic layer (channels, the embedded chain). No sockets, no
 * files: bring your own transport. Node users get these and the transport from the package root.
 */
export { Sv2Error } from './codec/sv2-error.js';
export * as bitcoin from './bitcoin/index.js';
export * as chain from './chain/index.js';
export * as channels from './channels/index.js';
export * as codec from './codec/index.js';
export * as framing from './framing/index.js';
export * as messages from './messages/index.js';
export * as noise from './noise/index.js';
export * as sv1 from './sv1/index.js';
