/**
 * The miner's Sv1 upstream: configure (BIP310 version rolling), subscribe, authorize, then
 * mining.notify jobs into hashing work and shares out as mining.submit. client.reconnect moves it;
 * a lost connection is retried with backoff.
 */
import { concatBytes, equalBytes } from '../../bitcoin/bytes.js';
import { bitsToTarget } from '../../bitcoin/target.js';
import { Sv1Connection } from '../../net/sv1-client.js';
import { BadLineBudget } from '../../sv1/bad-line-budget.js';
import { Sv1Client } from '../../sv1/client.js';
import type { Sv1ClientEvent } from '../../sv1/client.js';
import { difficultyToTarget, targetToDifficulty } from '../../sv1/difficulty.js';
import { Sv1ProtocolError } from '../../sv1/errors.js';
import { BIP323_VERSION_MASK, buildHeader, sv1MerkleRoot } from '../../sv1/header.js';
import type { Sv1Job } from '../../sv1/types.js';
import type { FoundShare } from './hash-search.js';
import type { BackoffOptions, SessionHost } from './session.js';
import { RecentWork } from './session.js';
import { harderTarget, SessionBase } from './session-base.js';
import type { SessionWork } from './session-base.js';

export interface Sv1SessionOptions {
  host: string;
  port: number;
  backoff: BackoffOptions;
}

interface WorkRef extends SessionWork {
  jobId: string;
  extranonce1: Uint8Array;
  mask: number;
}

/** The longest client.reconnect wait honoured (seconds). */
const MAX_RECONNECT_WAIT = 300;
const NEVER: Uint8Array = new Uint8Array(32);

export class Sv1Session extends SessionBase<Sv1Connection, WorkRef> {
  private client: Sv1Client | null = null;
  private readonly submittedDifficulty = new RecentWork<number>(4096);

  constructor(host: SessionHost, opts: Sv1SessionOptions) {
    super(host, { home: { host: opts.host, port: opts.port }, backoff: opts.backoff, returnHomeAfterFailedRedirect: false });
  }

  protected open(host: string, port: number): Promise<Sv1Connection> {
    return Sv1Connection.connect({ host, port });
  }

  protected begin(conn: Sv1Connection): void {
    const client = new Sv1Client({ userAgent: this.host.vendor, username: this.host.user, password: this.host.password, versionRolling: { mask: BIP323_VERSION_MASK, minBitCount: 2 } });
    const budget = new BadLineBudget();
    this.client = client;
    conn.on('line', (line) => {
      let step;
      try {
        step = client.receive(line);
        budget.record(false);
      } catch (e) {
        if (!(e instanceof Sv1ProtocolError)) throw e;
        this.host.notice(`bad line from the pool: ${e.message}`);
        if (budget.record(true)) void conn.close('too many bad lines from the pool');
        return;
      }
      if (step.send.length > 0) conn.send(...step.send);
      for (const event of step.events) this.onEvent(conn, client, event);
    });
    conn.send(...client.start().send);
  }

  protected end(): void {
    this.client = null;
  }

  private onEvent(conn: Sv1Connection, client: Sv1Client, event: Sv1ClientEvent): void {
    switch (event.type) {
      case 'configured':
        if (event.versionRollingMask === null) this.host.notice('the pool does not grant version rolling');
        break;
      case 'subscribed':
        this.host.channelOpened({ channelId: 0, kind: 'sv1', extranoncePrefix: event.extranonce1, extranonceSize: event.extranonce2Size }, difficultyToTarget(client.difficulty));
        break;
      case 'subscribe-failed':
        this.host.notice(`mining.subscribe failed: ${event.reason}`);
        void conn.close('subscribe failed');
        break;
      case 'authorized':
        this.backoff.reset();
        break;
      case 'authorize-failed':
        this.host.notice(`mining.authorize refused for ${event.username}${event.error ? `: ${event.error.message}` : ''}`);
        void conn.close('authorize refused');
        break;
      case 'job':
        this.mineJob(client, event.job, event.difficulty);
        break;
      case 'difficulty':
        this.onDifficulty(event.difficulty);
        break;
      case 'extranonce':
      case 'version-mask':
        // Work made with the old extranonce1 or mask is worthless now: remake the latest job.
        if (client.latestJob !== null && client.extranonce1 !== null) this.mineJob(client, client.latestJob, client.difficulty);
        break;
      case 'share-accepted':
        this.host.accepted(1, this.submittedDifficulty.get(Number(event.id)) ?? 0, Number(event.id));
        break;
      case 'share-rejected':
        this.host.rejected(event.error ? `${event.error.message || 'rejected'} (${event.error.code})` : 'rejected', Number(event.id));
        break;
      case 'reconnect':
        this.redirect = { host: event.host || this.endpoint.host, port: event.port ?? this.endpoint.port, waitMs: Math.min(event.waitSeconds ?? 0, MAX_RECONNECT_WAIT) * 1000 };
        void conn.close('the pool asked to reconnect');
        break;
      case 'message':
        this.host.notice(`pool says: ${event.message}`);
        break;
      default:
        break;
    }
  }

  private mineJob(client: Sv1Client, job: Sv1Job, difficulty: number): void {
    const extranonce1 = client.extranonce1;
    if (extranonce1 === null) return; // not subscribed yet: nothing to put in the coinbase
    const size = client.extranonce2Size;
    const mask = client.versionMask ?? 0;
    const target = harderTarget(difficultyToTarget(difficulty), difficultyToTarget(client.difficulty));
    let networkTarget = NEVER;
    try {
      networkTarget = bitsToTarget(job.nbits);
    } catch {
      // nbits that encode no target: no share can be a block
    }
    const header = buildHeader({
      version: job.version,
      prevHash: job.prevHash,
      merkleRoot: size > 0 ? new Uint8Array(32) : sv1MerkleRoot(job, extranonce1, new Uint8Array(0)),
      ntime: job.ntime,
      nbits: job.nbits,
      nonce: 0,
    });
    this.mine(
      {
        header,
        target,
        versionRollingMask: mask,
        coinbase: size > 0 ? { prefix: concatBytes(job.coinb1, extranonce1), suffix: job.coinb2, merklePath: job.merkleBranches, extranonceSize: size } : undefined,
      },
      { epoch: this.epoch, jobId: job.jobId, target, networkTarget, extranonce1, mask },
      job.cleanJobs,
    );
  }

  private onDifficulty(difficulty: number): void {
    this.followTarget(difficultyToTarget(difficulty));
  }

  protected canSubmit(): boolean {
    return this.client !== null;
  }

  protected isStale(ref: WorkRef): boolean {
    const client = this.client!;
    return client.job(ref.jobId) === undefined || client.extranonce1 === null || !equalBytes(client.extranonce1, ref.extranonce1) || (client.versionMask ?? 0) !== ref.mask;
  }

  protected submit(conn: Sv1Connection, ref: WorkRef, share: FoundShare): number {
    const extranonce2 = share.extranonce ?? new Uint8Array(0);
    const { id, line } = this.client!.submit({ jobId: ref.jobId, extranonce2, ntime: share.ntime, nonce: share.nonce, versionBits: ref.mask !== 0 ? (share.version & ref.mask) >>> 0 : null });
    conn.send(line);
    this.submittedDifficulty.set(Number(id), targetToDifficulty(ref.target));
    return Number(id);
  }

  /** Sv1 has no way to announce a hashrate. */
  onHashrate(): void {}
}
