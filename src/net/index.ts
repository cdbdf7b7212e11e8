// Transport: Sv2 connections over TCP (Noise NX or explicit plaintext), for every role.
export * from './errors.js';
export { Connection, type CloseInfo, type ConnectionEvents, type ConnectionStats, type UnknownFrame } from './connection.js';
export { Sv2Server, type ServerOptions, type ServerEvents, type PeerAddress, type RefusedReason } from './server.js';
export { connect, connectUrl, type ClientOptions } from './client.js';
export { parsePoolUrl, formatPoolUrl, POOL_URL_SCHEME, type PoolUrl } from './pool-url.js';
export { DEFAULT_HANDSHAKE_TIMEOUT_MS, DEFAULT_MAX_FRAME_PAYLOAD, type ConnectionOptions } from './options.js';
