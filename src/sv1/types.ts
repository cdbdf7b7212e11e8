/**
 * Typed Sv1 (Stratum V1, line-delimited JSON-RPC) messages. Byte fields are decoded: hashes are
 * in header (internal) byte order, u32 fields are numbers, hex strings never leak past the codec.
 */

/** JSON-RPC id as firmware sends it: numbers, strings, or null for notifications. */
export type Sv1Id = number | string | null;

/** A normalised error from a response; on the wire it is `[code, "message", data]`. */
export interface Sv1Error {
  code: number;
  message: string;
  data: unknown;
}

/** The work a `mining.notify` carries. */
export interface Sv1Job {
  jobId: string;
  /** previous block hash in header byte order (the wire form is word-swapped, see hex.ts) */
  prevHash: Uint8Array;
  coinb1: Uint8Array;
  coinb2: Uint8Array;
  /** merkle branches, each 32 bytes in internal byte order, deepest first */
  merkleBranches: Uint8Array[];
  version: number;
  nbits: number;
  ntime: number;
  cleanJobs: boolean;
}

/** The share a `mining.submit` carries. */
export interface Sv1Share {
  workerName: string;
  jobId: string;
  extranonce2: Uint8Array;
  ntime: number;
  nonce: number;
  /** BIP310 6th parameter (bits under the negotiated mask), or null when absent */
  versionBits: number | null;
}

export interface Sv1VersionRollingRequest {
  /** bits the miner can roll; BIP310 default is 0xffffffff when omitted */
  mask: number;
  minBitCount: number;
}

// ---------------------------------------------------------------------------------------------
// What a server receives from a miner
// ---------------------------------------------------------------------------------------------

export interface Sv1SubscribeRequest {
  type: 'subscribe';
  id: Sv1Id;
  userAgent: string | null;
  /** session (or extranonce1) a miner asks to resume, cgminer's second parameter */
  sessionId: string | null;
}

export interface Sv1AuthorizeRequest {
  type: 'authorize';
  id: Sv1Id;
  username: string;
  password: string | null;
}

export interface Sv1ConfigureRequest {
  type: 'configure';
  id: Sv1Id;
  /** every extension code the miner listed, known or not (each needs an answer) */
  extensions: string[];
  versionRolling: Sv1VersionRollingRequest | null;
  minimumDifficulty: number | null;
  subscribeExtranonce: boolean;
  /** the BIP310 "info.*" strings, keyed without the prefix */
  info: Record<string, string>;
  /** the raw extension-parameters map */
  parameters: Record<string, unknown>;
}

export interface Sv1ExtranonceSubscribeRequest {
  type: 'extranonce-subscribe';
  id: Sv1Id;
}

export interface Sv1SuggestDifficultyRequest {
  type: 'suggest-difficulty';
  id: Sv1Id;
  difficulty: number;
}

export interface Sv1SuggestTargetRequest {
  type: 'suggest-target';
  id: Sv1Id;
  /** 32-byte little-endian target (the Sv2 wire form); Sv1 sends it as big-endian hex */
  target: Uint8Array;
}

export interface Sv1SubmitRequest {
  type: 'submit';
  id: Sv1Id;
  share: Sv1Share;
}

/** A well-formed request for a method this library does not model (answer it with an error). */
export interface Sv1UnknownRequest {
  type: 'unknown-request';
  id: Sv1Id;
  method: string;
  params: unknown[];
}

export interface Sv1Response {
  type: 'response';
  id: Sv1Id;
  result: unknown;
  error: Sv1Error | null;
}

export type Sv1ClientMessage =
  | Sv1SubscribeRequest
  | Sv1AuthorizeRequest
  | Sv1ConfigureRequest
  | Sv1ExtranonceSubscribeRequest
  | Sv1SuggestDifficultyRequest
  | Sv1SuggestTargetRequest
  | Sv1SubmitRequest
  | Sv1UnknownRequest
  | Sv1Response;

// ---------------------------------------------------------------------------------------------
// What a miner receives from a server
// ---------------------------------------------------------------------------------------------

export interface Sv1NotifyMessage {
  type: 'notify';
  id: Sv1Id;
  job: Sv1Job;
}

export interface Sv1SetDifficultyMessage {
  type: 'set-difficulty';
  id: Sv1Id;
  difficulty: number;
}

export interface Sv1SetExtranonceMessage {
  type: 'set-extranonce';
  id: Sv1Id;
  extranonce1: Uint8Array;
  extranonce2Size: number;
}

export interface Sv1SetVersionMaskMessage {
  type: 'set-version-mask';
  id: Sv1Id;
  mask: number;
}

export interface Sv1ReconnectMessage {
  type: 'reconnect';
  id: Sv1Id;
  host: string | null;
  port: number | null;
  waitSeconds: number | null;
}

export interface Sv1ShowMessageMessage {
  type: 'show-message';
  id: Sv1Id;
  message: string;
}

export interface Sv1GetVersionMessage {
  type: 'get-version';
  id: Sv1Id;
}

export interface Sv1PingMessage {
  type: 'ping';
  id: Sv1Id;
}

export type Sv1ServerMessage =
  | Sv1NotifyMessage
  | Sv1SetDifficultyMessage
  | Sv1SetExtranonceMessage
  | Sv1SetVersionMaskMessage
  | Sv1ReconnectMessage
  | Sv1ShowMessageMessage
  | Sv1GetVersionMessage
  | Sv1PingMessage
  | Sv1UnknownRequest
  | Sv1Response;

// ---------------------------------------------------------------------------------------------
// Results of requests (responses carry no method: the requester interprets them by id)
// ---------------------------------------------------------------------------------------------

export interface Sv1SubscribeResult {
  /** `[method, subscription id]` pairs; empty when the server sent none */
  subscriptions: Array<[string, string]>;
  extranonce1: Uint8Array;
  extranonce2Size: number;
}

export interface Sv1ConfigureResult {
  /** the granted mask, or null when version rolling was refused or not answered */
  versionRollingMask: number | null;
  /** BIP310 lets a server answer an extension with an error string */
  versionRollingError: string | null;
  minimumDifficulty: boolean | null;
  subscribeExtranonce: boolean | null;
  /** the raw result map */
  results: Record<string, unknown>;
}

/** What a server grants in its `mining.configure` answer. */
export interface Sv1ConfigureGrant {
  /** granted mask, or false to refuse version rolling; omit if it was not requested */
  versionRolling?: { mask: number } | false;
  minimumDifficulty?: boolean;
  subscribeExtranonce?: boolean;
  /** answers for any other requested extension (BIP310: every listed code gets one) */
  other?: Record<string, boolean | string>;
}
