/**
 * The library, as a user imports it: one namespace per layer folder, each also importable on its
 * own (`stratum-v2/messages`, `stratum-v2/net`, …; see package.json `exports`).
 *
 * | namespace | what it holds |
 * |---|---|
 * | codec | Sv2 data types, `defineMessage`, TLVs, hex; `Sv2DecodeError` / `Sv2EncodeError` |
 * | framing | the 6-byte frame header and `FrameDecoder` |
 * | messages | every message of the four protocols; `encodeFrame`, `decodeFrame`, error codes |
 * | noise | Noise NX handshake, `NoiseSession`, authority keys and certificates |
 * | sv1 | Stratum V1 parsing, building, difficulty and the Sv2 mapping |
 * | bitcoin | hashes, headers, transactions, merkle trees, coinbases, targets, addresses |
 * | channels | server and client channel state: jobs, share validation, vardiff, extranonces |
 * | chain | the embedded regtest chain, templates and template sources |
 * | net | Node only: `connect`, `Sv2Server` and `Connection` (typed messages over Noise and TCP) |
 *
 * Every error raised on purpose is an `Sv2Error` with a stable `SV2_ERR_*` code.
 * `stratum-v2/portable` is everything but `net`, for browsers, Deno and Bun.
 */
export * from './portable.js';
export * as net from './net/index.js';
