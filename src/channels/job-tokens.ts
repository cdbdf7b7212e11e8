/**
 * Mining job tokens of a Job Declarator Server: handed out by AllocateMiningJobToken, spent once
 * by DeclareMiningJob (Full-Template) and once more by the pool's SetCustomMiningJob. Tokens are
 * unguessable (a counter and random bytes), expire, and are bounded per connection and in all,
 * so a client that allocates without end only pushes out its own oldest tokens. No clock of its
 * own: every method takes unix seconds.
 */
import { bytesToHex } from '../codec/hex.js';
import { randomBytes } from '../host/random.js';
import type { RequiredOutputs } from './jd-coinbase.js';

export type TokenState = 'allocated' | 'declaring' | 'declared' | 'used';

export interface JobToken<J> {
  readonly token: Uint8Array;
  readonly key: string;
  /** The JDS connection that allocated it. */
  readonly connectionId: number;
  readonly userIdentifier: string;
  /** The outputs AllocateMiningJobToken.Success named: what a job on this token must pay. */
  readonly required: RequiredOutputs;
  state: TokenState;
  expiresAt: number;
  /** The declared job (Full-Template), once DeclareMiningJob succeeded. */
  job: J | undefined;
}

export interface JobTokenLimits {
  /** Seconds a token stays good after its allocation (and again after its declaration). */
  lifetimeSecs: number;
  /** Live tokens one JDS connection may hold; its oldest goes first beyond. */
  maxPerConnection: number;
  /** Live tokens in all; the oldest goes first beyond. */
  maxTotal: number;
}

export const DEFAULT_TOKEN_LIMITS: Readonly<JobTokenLimits> = { lifetimeSecs: 600, maxPerConnection: 64, maxTotal: 100_000 };

/** Why a token cannot be used: each maps to `invalid-mining-job-token` on the wire, the detail is for logs. */
export type TokenRefusal = 'unknown' | 'expired' | 'already-used' | 'not-declared' | 'not-yet-validated' | 'other-connection';

const NO_OUTPUTS: RequiredOutputs = { outputs: [], reward: 0n };

export class JobTokenStore<J> {
  private readonly tokens = new Map<string, JobToken<J>>();
  private readonly byConnection = new Map<number, Set<string>>();
  private counter = 0n;
  readonly limits: Readonly<JobTokenLimits>;

  constructor(limits: Partial<JobTokenLimits> = {}) {
    this.limits = { ...DEFAULT_TOKEN_LIMITS, ...limits };
    for (const [k, v] of Object.entries(this.limits)) {
      if (!(typeof v === 'number' && v > 0)) throw new RangeError(`${k} must be positive, got ${v}`);
    }
  }

  get size(): number {
    return this.tokens.size;
  }

  /** A new token for `connectionId`, standing for the outputs `required` (none by default). */
  allocate(connectionId: number, userIdentifier: string, now: number, required: RequiredOutputs = NO_OUTPUTS): JobToken<J> {
    this.prune(now);
    const token = new Uint8Array(16);
    new DataView(token.buffer).setBigUint64(0, ++this.counter, true);
    token.set(randomBytes(8), 8);
    const entry: JobToken<J> = { token, key: bytesToHex(token), connectionId, userIdentifier, required, state: 'allocated', expiresAt: now + this.limits.lifetimeSecs, job: undefined };
    this.tokens.set(entry.key, entry);
    let own = this.byConnection.get(connectionId);
    if (own === undefined) this.byConnection.set(connectionId, (own = new Set()));
    own.add(entry.key);
    if (own.size > this.limits.maxPerConnection) this.remove(own.values().next().value!);
    if (this.tokens.size > this.limits.maxTotal) this.remove(this.tokens.keys().next().value!);
    return entry;
  }

  /**
   * The token DeclareMiningJob names (allocated on this connection, not yet declared, not
   * expired), spent by this call: a declaration that fails does not give it back (`refuse`).
   */
  spendForDeclaration(token: Uint8Array, connectionId: number, now: number): JobToken<J> | TokenRefusal {
    const e = this.live(token, now);
    if (typeof e === 'string') return e;
    if (e.connectionId !== connectionId) return 'other-connection';
    if (e.state !== 'allocated') return 'already-used';
    e.state = 'declaring';
    return e;
  }

  /** The declaration was refused: the token is spent for good. */
  refuse(entry: JobToken<J>): void {
    entry.state = 'used';
  }

  /** DeclareMiningJob succeeded: the token now stands for `job`, for one SetCustomMiningJob. */
  declare(entry: JobToken<J>, job: J, now: number): void {
    entry.state = 'declared';
    entry.job = job;
    entry.expiresAt = now + this.limits.lifetimeSecs;
    // Re-inserted so the map stays in expiry order.
    this.tokens.delete(entry.key);
    this.tokens.set(entry.key, entry);
  }

  /**
   * The token a SetCustomMiningJob names, spent by this call: declared, or merely allocated when
   * `allowUndeclared` (Coinbase-only mode).
   */
  spendForCustomJob(token: Uint8Array, now: number, allowUndeclared: boolean): JobToken<J> | TokenRefusal {
    const e = this.live(token, now);
    if (typeof e === 'string') return e;
    if (e.state === 'used') return 'already-used';
    if (e.state === 'declaring') return 'not-yet-validated';
    if (e.state === 'allocated' && !allowUndeclared) return 'not-declared';
    e.state = 'used';
    return e;
  }

  /** The live token `token` names, left as it is (its outputs are judged before it is spent). */
  peek(token: Uint8Array, now: number): JobToken<J> | TokenRefusal {
    return this.live(token, now);
  }

  /** Drops expired tokens (oldest first: the map is in expiry order). */
  prune(now: number): void {
    for (const e of this.tokens.values()) {
      if (e.expiresAt > now) break;
      this.remove(e.key);
    }
  }

  private live(token: Uint8Array, now: number): JobToken<J> | TokenRefusal {
    const e = this.tokens.get(bytesToHex(token));
    if (e === undefined) return 'unknown';
    if (e.expiresAt <= now) {
      this.remove(e.key);
      return 'expired';
    }
    return e;
  }

  private remove(key: string): void {
    const e = this.tokens.get(key);
    if (e === undefined) return;
    this.tokens.delete(key);
    const own = this.byConnection.get(e.connectionId);
    own?.delete(key);
    if (own?.size === 0) this.byConnection.delete(e.connectionId);
  }
}
