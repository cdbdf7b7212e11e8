/** What an upstream session (Sv2 or Sv1) and the Miner that owns it say to each other. */
import type { FoundShare, SearchWork } from './hash-search.js';

export interface ChannelInfo {
  channelId: number;
  kind: 'standard' | 'extended' | 'sv1';
  /** Extended channels and Sv1: the fixed part of the extranonce (extranonce_prefix / extranonce1). */
  extranoncePrefix: Uint8Array;
  /** Bytes the miner rolls (0 on a standard channel). */
  extranonceSize: number;
}

export interface SubmittedShare {
  /** Sv2 sequence number, or the Sv1 request id. */
  id: number;
  jobId: number | string;
  nonce: number;
  ntime: number;
  version: number;
  extranonce: Uint8Array | undefined;
  /** Internal byte order. */
  hash: Uint8Array;
  /** The target it was submitted against. */
  target: Uint8Array;
  /** Hash ≤ the network target: a block. */
  isBlock: boolean;
}

/** The Miner's side, as a session sees it: hashing control, and where it reports what happens. */
export interface SessionHost {
  readonly user: string;
  readonly password: string;
  readonly vendor: string;
  readonly threads: number;
  /** Starts hashing this work at once (previous work dropped); returns its jobKey. */
  mine(work: Omit<SearchWork, 'jobKey'>): number;
  /** Lowers (never raises) the target of the work in hand without restarting it. */
  tightenTarget(jobKey: number, target: Uint8Array): void;
  idle(): void;
  /** The hashrate to announce (H/s): configured, else measured. */
  nominalHashrate(): number;
  /** Unix seconds (for nTime). */
  nowSeconds(): number;

  connected(host: string, port: number): void;
  connectFailed(host: string, port: number, reason: string): void;
  disconnected(reason: string, retryInMs: number | null): void;
  channelOpened(info: ChannelInfo, target: Uint8Array): void;
  targetChanged(target: Uint8Array): void;
  newWork(jobId: number | string, cleanJobs: boolean): void;
  submitted(share: SubmittedShare): void;
  /** `count` shares acknowledged, worth `difficultySum` together. */
  accepted(count: number, difficultySum: number, id: number | null): void;
  rejected(reason: string, id: number | null): void;
  /** A share found but not sent: its job went stale, its target moved, or the link is backed up. */
  dropped(reason: 'stale' | 'target' | 'backlog' | 'disconnected'): void;
  reconnecting(host: string, port: number, reason: string): void;
  nominalHashrateSent(hashrate: number): void;
  notice(message: string): void;
}

export interface UpstreamSession {
  /** Starts connecting (and reconnecting) in the background. */
  start(): void;
  onShare(share: FoundShare): void;
  /** A hashrate measurement; `steady` when the threads hashed for the whole measurement. */
  onHashrate(hashrate: number, steady: boolean): void;
  close(): Promise<void>;
}

export interface BackoffOptions {
  /** First wait after a failure (ms). */
  initialMs: number;
  /** Waits double up to this (ms). */
  maxMs: number;
}

/** Exponential backoff with ±20 % jitter, so miners of a restarted pool do not all come back at once. */
export class Backoff {
  private attempt = 0;

  constructor(private readonly opts: BackoffOptions) {}

  next(): number {
    const base = Math.min(this.opts.maxMs, this.opts.initialMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.round(base * (0.8 + 0.4 * Math.random()));
  }

  reset(): void {
    this.attempt = 0;
  }
}

/** A sleep that `cancel()` ends early (resolving false). */
export class Pause {
  private timer: NodeJS.Timeout | undefined;
  private wake: ((completed: boolean) => void) | undefined;

  wait(ms: number): Promise<boolean> {
    this.cancel();
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(() => {
        this.wake = undefined;
        resolve(true);
      }, ms);
    });
  }

  cancel(): void {
    clearTimeout(this.timer);
    const wake = this.wake;
    this.wake = undefined;
    wake?.(false);
  }
}

/** Remembers the last few pieces of work handed to the hashers, by jobKey. */
export class RecentWork<T> {
  private readonly map = new Map<number, T>();

  constructor(private readonly limit = 64) {}

  set(jobKey: number, value: T): void {
    this.map.set(jobKey, value);
    while (this.map.size > this.limit) this.map.delete(this.map.keys().next().value!);
  }

  get(jobKey: number): T | undefined {
    return this.map.get(jobKey);
  }

  clear(): void {
    this.map.clear();
  }
}
