/**
 * An Sv1 miner's protocol state machine, free of sockets and timers: feed it the server's lines,
 * send the lines it returns, react to its events. The CPU miner and the tests mine through the
 * translator with it. It pipelines its handshake the way firmware does (no waiting between
 * configure, subscribe, suggest_difficulty and authorize), which is the harder case for a server.
 */
import {
  SV1_ERROR,
  buildAuthorize,
  buildConfigure,
  buildError,
  buildExtranonceSubscribe,
  buildResult,
  buildSubmit,
  buildSubscribe,
  buildSuggestDifficulty,
} from './build.js';
import { Sv1ProtocolError } from './errors.js';
import { parseServerLine } from './parse.js';
import { readConfigureResult, readSubscribeResult } from './results.js';
import type { Sv1ConfigureResult, Sv1Error, Sv1Id, Sv1Job, Sv1Response, Sv1Share } from './types.js';

export interface Sv1ClientOptions {
  userAgent: string;
  username: string;
  password?: string;
  /** session id offered on subscribe (cgminer resumes its extranonce1 this way) */
  sessionId?: string;
  /** request BIP310 version rolling with this mask; omit to not roll */
  versionRolling?: { mask: number; minBitCount?: number };
  /** where mining.configure goes (BIP310 says first; some firmware sends it after subscribe) */
  configureOrder?: 'before-subscribe' | 'after-subscribe';
  minimumDifficulty?: number;
  /** advertise BIP310 subscribe-extranonce in mining.configure */
  configureSubscribeExtranonce?: boolean;
  /** send mining.extranonce.subscribe after authorize (the NiceHash-era request) */
  extranonceSubscribe?: boolean;
  /** send mining.suggest_difficulty before authorize */
  suggestDifficulty?: number;
  /** jobs remembered for submits (oldest dropped first) */
  maxJobs?: number;
}

export type Sv1ClientEvent =
  | { type: 'configured'; versionRollingMask: number | null; result: Sv1ConfigureResult | null; error: Sv1Error | null }
  | { type: 'subscribed'; extranonce1: Uint8Array; extranonce2Size: number; subscriptions: Array<[string, string]> }
  | { type: 'subscribe-failed'; reason: string }
  | { type: 'authorized'; username: string }
  | { type: 'authorize-failed'; username: string; error: Sv1Error | null }
  | { type: 'job'; job: Sv1Job; difficulty: number }
  | { type: 'difficulty'; difficulty: number }
  | { type: 'extranonce'; extranonce1: Uint8Array; extranonce2Size: number }
  | { type: 'version-mask'; mask: number }
  | { type: 'share-accepted'; id: Sv1Id; share: Sv1Share }
  | { type: 'share-rejected'; id: Sv1Id; share: Sv1Share; error: Sv1Error | null }
  | { type: 'reconnect'; host: string | null; port: number | null; waitSeconds: number | null }
  | { type: 'message'; message: string }
  /** an answer to a request with no outcome of its own (suggest_difficulty, extranonce.subscribe) or to an unknown id */
  | { type: 'response'; id: Sv1Id; method: string | null; result: unknown; error: Sv1Error | null }
  | { type: 'unknown-request'; id: Sv1Id; method: string };

export interface Sv1ClientStep {
  /** lines to write to the server, in order */
  send: string[];
  events: Sv1ClientEvent[];
}

type Pending =
  | { method: 'mining.configure' | 'mining.subscribe' | 'mining.suggest_difficulty' | 'mining.extranonce.subscribe' }
  | { method: 'mining.authorize'; username: string }
  | { method: 'mining.submit'; share: Sv1Share };

/** Unanswered requests kept; beyond this the oldest are forgotten (a server that never answers). */
const MAX_PENDING = 1024;

export class Sv1Client {
  private readonly options: Sv1ClientOptions;
  private nextId = 1;
  private readonly pending = new Map<string, Pending>();
  private readonly jobs = new Map<string, Sv1Job>();
  private started = false;

  extranonce1: Uint8Array | null = null;
  extranonce2Size = 0;
  /** Sv1's difficulty before any set_difficulty is 1 */
  difficulty = 1;
  /** granted version-rolling mask, null when not rolling */
  versionMask: number | null = null;
  subscribed = false;
  authorized = false;
  latestJob: Sv1Job | null = null;

  constructor(options: Sv1ClientOptions) {
    this.options = options;
  }

  /** The opening lines, pipelined as firmware does. */
  start(): Sv1ClientStep {
    if (this.started) throw new Sv1ProtocolError('invalid-value', 'Sv1Client.start called twice');
    this.started = true;
    const o = this.options;
    const send: string[] = [];
    const wantsConfigure = o.versionRolling !== undefined || o.minimumDifficulty !== undefined || o.configureSubscribeExtranonce === true;
    const configure = (): void => {
      if (!wantsConfigure) return;
      const options: Parameters<typeof buildConfigure>[1] = {};
      if (o.versionRolling !== undefined) options.versionRolling = o.versionRolling;
      if (o.minimumDifficulty !== undefined) options.minimumDifficulty = o.minimumDifficulty;
      if (o.configureSubscribeExtranonce !== undefined) options.subscribeExtranonce = o.configureSubscribeExtranonce;
      send.push(buildConfigure(this.track({ method: 'mining.configure' }), options));
    };
    if ((o.configureOrder ?? 'before-subscribe') === 'before-subscribe') configure();
    send.push(buildSubscribe(this.track({ method: 'mining.subscribe' }), o.userAgent, o.sessionId ?? null));
    if (o.configureOrder === 'after-subscribe') configure();
    if (o.suggestDifficulty !== undefined) send.push(buildSuggestDifficulty(this.track({ method: 'mining.suggest_difficulty' }), o.suggestDifficulty));
    send.push(buildAuthorize(this.track({ method: 'mining.authorize', username: o.username }), o.username, o.password ?? 'x'));
    if (o.extranonceSubscribe) send.push(buildExtranonceSubscribe(this.track({ method: 'mining.extranonce.subscribe' })));
    return { send, events: [] };
  }

  /** A job received earlier and not yet cleared, by Sv1 job id. */
  job(jobId: string): Sv1Job | undefined {
    return this.jobs.get(jobId);
  }

  /** The line submitting a share; its outcome arrives later as share-accepted/share-rejected. */
  submit(share: Omit<Sv1Share, 'workerName'> & { workerName?: string }): { id: Sv1Id; line: string } {
    const full: Sv1Share = { ...share, workerName: share.workerName ?? this.options.username };
    const id = this.track({ method: 'mining.submit', share: full });
    return { id, line: buildSubmit(id, full) };
  }

  /** Feeds one line from the server. Throws Sv1ProtocolError for a line that is not Sv1. */
  receive(line: string): Sv1ClientStep {
    const message = parseServerLine(line);
    const step: Sv1ClientStep = { send: [], events: [] };
    switch (message.type) {
      case 'response':
        this.onResponse(message, step);
        break;
      case 'notify':
        if (message.job.cleanJobs) this.jobs.clear();
        this.remember(message.job);
        this.latestJob = message.job;
        step.events.push({ type: 'job', job: message.job, difficulty: this.difficulty });
        break;
      case 'set-difficulty':
        this.difficulty = message.difficulty;
        step.events.push({ type: 'difficulty', difficulty: message.difficulty });
        break;
      case 'set-extranonce':
        this.extranonce1 = message.extranonce1;
        this.extranonce2Size = message.extranonce2Size;
        step.events.push({ type: 'extranonce', extranonce1: message.extranonce1, extranonce2Size: message.extranonce2Size });
        break;
      case 'set-version-mask':
        this.versionMask = message.mask;
        step.events.push({ type: 'version-mask', mask: message.mask });
        break;
      case 'reconnect':
        step.events.push({ type: 'reconnect', host: message.host, port: message.port, waitSeconds: message.waitSeconds });
        break;
      case 'show-message':
        step.events.push({ type: 'message', message: message.message });
        break;
      case 'get-version':
        step.send.push(buildResult(message.id, this.options.userAgent));
        break;
      case 'ping':
        step.send.push(buildResult(message.id, 'pong'));
        break;
      case 'unknown-request':
        if (message.id !== null) step.send.push(buildError(message.id, SV1_ERROR.METHOD_NOT_FOUND, 'Method not found'));
        step.events.push({ type: 'unknown-request', id: message.id, method: message.method });
        break;
    }
    return step;
  }

  private onResponse(response: Sv1Response, step: Sv1ClientStep): void {
    const key = String(response.id);
    const pending = this.pending.get(key);
    if (pending === undefined) {
      step.events.push({ type: 'response', id: response.id, method: null, result: response.result, error: response.error });
      return;
    }
    this.pending.delete(key);
    switch (pending.method) {
      case 'mining.configure': {
        let result: Sv1ConfigureResult | null = null;
        if (response.error === null) {
          try {
            result = readConfigureResult(response.result);
          } catch (error) {
            if (!(error instanceof Sv1ProtocolError)) throw error;
          }
        }
        this.versionMask = result?.versionRollingMask ?? null;
        step.events.push({ type: 'configured', versionRollingMask: this.versionMask, result, error: response.error });
        break;
      }
      case 'mining.subscribe': {
        if (response.error !== null) {
          step.events.push({ type: 'subscribe-failed', reason: `${response.error.code} ${response.error.message}` });
          break;
        }
        try {
          const result = readSubscribeResult(response.result);
          this.extranonce1 = result.extranonce1;
          this.extranonce2Size = result.extranonce2Size;
          this.subscribed = true;
          step.events.push({ type: 'subscribed', ...result });
        } catch (error) {
          if (!(error instanceof Sv1ProtocolError)) throw error;
          step.events.push({ type: 'subscribe-failed', reason: error.message });
        }
        break;
      }
      case 'mining.authorize':
        if (response.result === true && response.error === null) {
          this.authorized = true;
          step.events.push({ type: 'authorized', username: pending.username });
        } else {
          step.events.push({ type: 'authorize-failed', username: pending.username, error: response.error });
        }
        break;
      case 'mining.submit':
        if (response.result === true && response.error === null) step.events.push({ type: 'share-accepted', id: response.id, share: pending.share });
        else step.events.push({ type: 'share-rejected', id: response.id, share: pending.share, error: response.error });
        break;
      default:
        step.events.push({ type: 'response', id: response.id, method: pending.method, result: response.result, error: response.error });
    }
  }

  private track(pending: Pending): number {
    const id = this.nextId++;
    if (this.pending.size >= MAX_PENDING) this.pending.delete(this.pending.keys().next().value!);
    this.pending.set(String(id), pending);
    return id;
  }

  private remember(job: Sv1Job): void {
    this.jobs.delete(job.jobId);
    this.jobs.set(job.jobId, job);
    const max = this.options.maxJobs ?? 16;
    while (this.jobs.size > max) this.jobs.delete(this.jobs.keys().next().value!);
  }
}
