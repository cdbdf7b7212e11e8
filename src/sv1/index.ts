// Sv1 (Stratum V1) wire layer: codec, line framing, difficulty, header rebuild, Sv2 mapping, client state machine.
export { Sv1ProtocolError } from './errors.js';
export type { Sv1ErrorCode } from './errors.js';
export type * from './types.js';
export { parseClientLine, parseServerLine, MAX_EXTRANONCE_BYTES, MAX_MERKLE_BRANCHES } from './parse.js';
export type { Sv1ParseOptions } from './parse.js';
export {
  SV1_ERROR,
  buildSubscribe,
  buildAuthorize,
  buildConfigure,
  buildExtranonceSubscribe,
  buildSuggestDifficulty,
  buildSuggestTarget,
  buildSubmit,
  buildNotify,
  buildSetDifficulty,
  buildSetExtranonce,
  buildSetVersionMask,
  buildReconnect,
  buildShowMessage,
  buildGetVersion,
  buildPing,
  buildResult,
  buildError,
  buildSubscribeResult,
  buildConfigureResult,
} from './build.js';
export type { Sv1ConfigureOptions, Sv1SubscribeAnswer } from './build.js';
export { readSubscribeResult, readConfigureResult, readBooleanResult, negotiateVersionMask, grantConfigure } from './results.js';
export type { Sv1ServerPolicy } from './results.js';
export { LineSplitter, DEFAULT_MAX_LINE_BYTES } from './line-splitter.js';
export { BadLineBudget } from './bad-line-budget.js';
export { difficultyToTarget, targetToDifficulty, powerOfTwoDifficulty } from './difficulty.js';
export type { PowerOfTwoRounding } from './difficulty.js';
export {
  BIP320_VERSION_MASK,
  BIP323_VERSION_MASK,
  merkleRootFromCoinbase,
  buildHeader,
  rolledVersion,
  sv1MerkleRoot,
  sv1ShareHeader,
} from './header.js';
export type { HeaderFields } from './header.js';
export { sv1JobFromSv2, sv1Extranonce2Size, sv2ShareFromSv1 } from './translation.js';
export type { Sv2ExtendedJobFields, Sv2PrevHashFields, Sv1JobOptions, Sv1ShareContext, Sv2ShareFields } from './translation.js';
export { Sv1Client } from './client.js';
export type { Sv1ClientOptions, Sv1ClientEvent, Sv1ClientStep } from './client.js';
export { swapWords32 } from './hex.js';
// What checking an Sv1 share takes besides the above, offered here too: the one implementation
// of each lives in codec/ and bitcoin/.
export { bytesToHex, hexToBytesOrNull } from '../codec/hex.js';
export { sha256d } from '../bitcoin/hash.js';
export { hashMeetsTarget } from '../bitcoin/target.js';
