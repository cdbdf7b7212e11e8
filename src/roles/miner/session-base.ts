/**
 * What the Sv1 and Sv2 upstream sessions do alike: connect, serve one connection to its end,
 * follow a pool's reconnect request or retry with backoff, and vet a found share (stale, target,
 * backlog) before the protocol sends it. The protocol parts are the subclasses'.
 */
import { compareTargets, hashMeetsTarget } from '../../bitcoin/target.js';
import type { CloseInfo } from '../../net/connection.js';
import type { FoundShare, SearchWork } from './hash-search.js';
import type { BackoffOptions, SessionHost, UpstreamSession } from './session.js';
import { Backoff, Pause, RecentWork } from './session.js';

export interface Endpoint {
  host: string;
  port: number;
}

/** Where a pool's reconnect request sends the session. */
export interface Redirect extends Endpoint {
  /** How long to wait before connecting there (Sv1's client.reconnect may ask for a wait). */
  waitMs: number;
}

/** What a session needs of its connection, Sv1 or Sv2. */
export interface SessionConnection {
  readonly closed: Promise<CloseInfo>;
  readonly isOpen: boolean;
  readonly bufferedAmount: number;
  close(reason: string): Promise<unknown>;
}

/** A piece of work handed to the hashers, as the session remembers it. */
export interface SessionWork {
  /** The connection it was made on (see `epoch`). */
  epoch: number;
  jobId: number | string;
  /** What the hashers were asked to meet; lowered when the pool asks for a harder one. */
  target: Uint8Array;
  networkTarget: Uint8Array;
}

export interface SessionBaseOptions {
  /** The configured pool. */
  home: Endpoint;
  backoff: BackoffOptions;
  /** When the host a reconnect request named cannot be reached, go back to `home`. */
  returnHomeAfterFailedRedirect: boolean;
}

/** Bytes allowed to wait unsent before shares are dropped rather than queued. */
const MAX_SUBMIT_BACKLOG = 256 * 1024;

/** The harder (lower) of two targets. */
export function harderTarget(a: Uint8Array, b: Uint8Array): Uint8Array {
  return compareTargets(a, b) <= 0 ? a : b;
}

export abstract class SessionBase<C extends SessionConnection, W extends SessionWork> implements UpstreamSession {
  protected conn: C | null = null;
  protected endpoint: Endpoint;
  /** Set when the pool asks to reconnect elsewhere; followed once the connection has ended. */
  protected redirect: Redirect | null = null;
  protected readonly backoff: Backoff;
  protected readonly works = new RecentWork<W>();
  /** Counts connections, so work from an earlier one is told apart. */
  protected epoch = 0;
  /** The jobKey of the work being hashed now. */
  protected currentKey: number | null = null;
  protected closing = false;
  private redirected = false;
  private readonly pause = new Pause();
  private loop: Promise<void> | null = null;

  constructor(
    protected readonly host: SessionHost,
    private readonly base: SessionBaseOptions,
  ) {
    this.endpoint = base.home;
    this.backoff = new Backoff(base.backoff);
  }

  /** Connects (the handshake included) to host:port. */
  protected abstract open(host: string, port: number): Promise<C>;
  /** A connection is up: set up its protocol state and handlers and send the first messages. */
  protected abstract begin(conn: C, host: string, port: number): void;
  /** The connection has ended: drop its protocol state. */
  protected abstract end(): void;
  /** The protocol is ready for shares (a channel is open, the client subscribed). */
  protected abstract canSubmit(): boolean;
  /** The pool no longer takes shares for this work. */
  protected abstract isStale(work: W): boolean;
  /** Sends the share; returns the id the pool's answer will carry. */
  protected abstract submit(conn: C, work: W, share: FoundShare): number;
  abstract onHashrate(hashrate: number, steady: boolean): void;

  start(): void {
    this.loop ??= this.run();
  }

  async close(): Promise<void> {
    this.closing = true;
    this.pause.cancel();
    await this.conn?.close('miner stopping');
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.closing) {
      const { host, port } = this.endpoint;
      let conn: C;
      try {
        conn = await this.open(host, port);
      } catch (e) {
        const reason = (e as Error).message;
        this.host.connectFailed(host, port, reason);
        if (this.redirected && this.base.returnHomeAfterFailedRedirect) {
          this.redirected = false;
          this.endpoint = this.base.home;
        }
        await this.waitBeforeRetry(reason);
        continue;
      }
      if (this.closing) {
        await conn.close('miner stopping');
        return;
      }
      const reason = await this.serve(conn, host, port);
      if (this.closing) return;
      const redirect = this.redirect;
      this.redirect = null;
      if (redirect !== null) {
        this.host.reconnecting(redirect.host, redirect.port, 'the pool asked to reconnect');
        this.endpoint = { host: redirect.host, port: redirect.port };
        this.redirected = true;
        if (redirect.waitMs > 0) await this.pause.wait(redirect.waitMs);
        continue;
      }
      await this.waitBeforeRetry(reason);
    }
  }

  private async waitBeforeRetry(reason: string): Promise<void> {
    if (this.closing) return;
    const delay = this.backoff.next();
    this.host.disconnected(reason, delay);
    await this.pause.wait(delay);
  }

  /** Runs one connection to its end; resolves with why it ended. */
  private async serve(conn: C, host: string, port: number): Promise<string> {
    this.conn = conn;
    this.epoch++;
    this.host.connected(host, port);
    this.begin(conn, host, port);
    const info = await conn.closed;
    this.conn = null;
    this.end();
    this.currentKey = null;
    this.host.idle();
    return info.reason;
  }

  /** Hands work to the hashers at once (the previous work is dropped). */
  protected mine(work: Omit<SearchWork, 'jobKey'>, ref: W, cleanJobs: boolean): void {
    const jobKey = this.host.mine(work);
    this.currentKey = jobKey;
    this.works.set(jobKey, ref);
    this.host.newWork(ref.jobId, cleanJobs);
  }

  /**
   * A new target from the pool. Pools differ on whether it applies to the work in hand; a harder
   * one is applied to it at once, so every share sent is good under either reading.
   */
  protected followTarget(target: Uint8Array): void {
    this.host.targetChanged(target);
    const key = this.currentKey;
    const ref = key === null ? undefined : this.works.get(key);
    if (key !== null && ref !== undefined && compareTargets(target, ref.target) < 0) {
      ref.target = target;
      this.host.tightenTarget(key, target);
    }
  }

  onShare(share: FoundShare): void {
    const ref = this.works.get(share.jobKey);
    const conn = this.conn;
    if (ref === undefined || ref.epoch !== this.epoch || conn === null || !this.canSubmit() || !conn.isOpen) {
      this.host.dropped('disconnected');
      return;
    }
    if (this.isStale(ref)) {
      this.host.dropped('stale');
      return;
    }
    if (!hashMeetsTarget(share.hash, ref.target)) {
      this.host.dropped('target');
      return;
    }
    if (conn.bufferedAmount > MAX_SUBMIT_BACKLOG) {
      this.host.dropped('backlog');
      return;
    }
    const id = this.submit(conn, ref, share);
    this.host.submitted({
      id,
      jobId: ref.jobId,
      nonce: share.nonce,
      ntime: share.ntime,
      version: share.version,
      extranonce: share.extranonce,
      hash: share.hash,
      target: ref.target,
      isBlock: hashMeetsTarget(share.hash, ref.networkTarget),
    });
  }
}
