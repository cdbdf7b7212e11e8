/**
 * The miner's Sv1 upstream: configure (BIP310 version rolling), subscribe, authorize, then
 * mining.notify jobs into hashing work and shares out as mining.submit. client.reconnect moves it;
 * a lost connection is retried with backoff.
 */
import { concatBytes } from '../../bitcoin/bytes.js';
import { bitsToTarget, compareTargets } from '../../bitcoin/target.js';
import { Sv1Connection } from '../../net/sv1-client.js';
import { BadLineBudget } from '../../sv1/bad-line-budget.js';
import { Sv1Client } from '../../sv1/client.js';
import type { Sv1ClientEvent } from '../../sv1/client.js';
import { difficultyToTarget, targetToDifficulty } from '../../sv1/difficulty.js';
import { Sv1ProtocolError } from '../../sv1/errors.js';
import { BIP323_VERSION_MASK, buildHeader, sv1MerkleRoot } from '../../sv1/header.js';
import type { Sv1Job } from '../../sv1/types.js';
import type { FoundShare } from './hash-search.js';
import { meetsTarget } from './hash-search.js';
import type { BackoffOptions, SessionHost, UpstreamSession } from './session.js';
import { Backoff, Pause, RecentWork } from './session.js';

export interface Sv1SessionOptions {
  host: string;
  port: number;
  backoff: BackoffOptions;
}

interface WorkRef {
  epoch: number;
  jobId: string;
  target: Uint8Array;
  networkTarget: Uint8Array;
  extranonce1: Uint8Array;
  mask: number;
}

const MAX_SUBMIT_BACKLOG = 256 * 1024;
/** The longest client.reconnect wait honoured (seconds). */
const MAX_RECONNECT_WAIT = 300;
const NEVER: Uint8Array = new Uint8Array(32);

function harder(a: Uint8Array, b: Uint8Array): Uint8Array {
  return compareTargets(a, b) <= 0 ? a : b;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export class Sv1Session implements UpstreamSession {
  private conn: Sv1Connection | null = null;
  private client: Sv1Client | null = null;
  private endpoint: { host: string; port: number };
  private redirect: { host: string; port: number; waitSeconds: number } | null = null;
  private readonly backoff: Backoff;
  private readonly pause = new Pause();
  private readonly works = new RecentWork<WorkRef>();
  private readonly submittedDifficulty = new RecentWork<number>(4096);
  private epoch = 0;
  private currentKey: number | null = null;
  private closing = false;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly host: SessionHost,
    private readonly opts: Sv1SessionOptions,
  ) {
    this.endpoint = { host: opts.host, port: opts.port };
    this.backoff = new Backoff(opts.backoff);
  }

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
      let conn: Sv1Connection;
      try {
        conn = await Sv1Connection.connect({ host, port });
      } catch (e) {
        const reason = (e as Error).message;
        this.host.connectFailed(host, port, reason);
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
        if (redirect.waitSeconds > 0) await this.pause.wait(Math.min(redirect.waitSeconds, MAX_RECONNECT_WAIT) * 1000);
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

  private async serve(conn: Sv1Connection, host: string, port: number): Promise<string> {
    const client = new Sv1Client({ userAgent: this.host.vendor, username: this.host.user, password: this.host.password, versionRolling: { mask: BIP323_VERSION_MASK, minBitCount: 2 } });
    const budget = new BadLineBudget();
    this.conn = conn;
    this.client = client;
    this.epoch++;
    this.host.connected(host, port);
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
    const info = await conn.closed;
    this.conn = null;
    this.client = null;
    this.currentKey = null;
    this.host.idle();
    return info.reason;
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
        this.redirect = { host: event.host || this.endpoint.host, port: event.port ?? this.endpoint.port, waitSeconds: event.waitSeconds ?? 0 };
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
    const target = harder(difficultyToTarget(difficulty), difficultyToTarget(client.difficulty));
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
    const jobKey = this.host.mine({
      header,
      target,
      versionRollingMask: mask,
      coinbase: size > 0 ? { prefix: concatBytes(job.coinb1, extranonce1), suffix: job.coinb2, merklePath: job.merkleBranches, extranonceSize: size } : undefined,
    });
    this.currentKey = jobKey;
    this.works.set(jobKey, { epoch: this.epoch, jobId: job.jobId, target, networkTarget, extranonce1, mask });
    this.host.newWork(job.jobId, job.cleanJobs);
  }

  private onDifficulty(difficulty: number): void {
    const target = difficultyToTarget(difficulty);
    this.host.targetChanged(target);
    // Sv1 pools differ on whether a new difficulty applies to the job in hand; a harder one is
    // applied at once so every share sent is good either way.
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
    const client = this.client;
    if (ref === undefined || ref.epoch !== this.epoch || conn === null || client === null || !conn.isOpen) {
      this.host.dropped('disconnected');
      return;
    }
    if (client.job(ref.jobId) === undefined || client.extranonce1 === null || !sameBytes(client.extranonce1, ref.extranonce1) || (client.versionMask ?? 0) !== ref.mask) {
      this.host.dropped('stale');
      return;
    }
    if (!meetsTarget(share.hash, ref.target)) {
      this.host.dropped('target');
      return;
    }
    if (conn.bufferedAmount > MAX_SUBMIT_BACKLOG) {
      this.host.dropped('backlog');
      return;
    }
    const extranonce2 = share.extranonce ?? new Uint8Array(0);
    const { id, line } = client.submit({ jobId: ref.jobId, extranonce2, ntime: share.ntime, nonce: share.nonce, versionBits: ref.mask !== 0 ? (share.version & ref.mask) >>> 0 : null });
    conn.send(line);
    this.submittedDifficulty.set(Number(id), targetToDifficulty(ref.target));
    this.host.submitted({
      id: Number(id),
      jobId: ref.jobId,
      nonce: share.nonce,
      ntime: share.ntime,
      version: share.version,
      extranonce: share.extranonce,
      hash: share.hash,
      target: ref.target,
      isBlock: meetsTarget(share.hash, ref.networkTarget),
    });
  }

  /** Sv1 has no way to announce a hashrate. */
  onHashrate(): void {}
}
