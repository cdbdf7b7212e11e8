/**
 * The jobs of one channel, in four bounded sets:
 * - future: announced with an empty min_ntime, waiting for the SetNewPrevHash that activates one;
 * - active: the job being mined now;
 * - past: earlier jobs on the current prev hash (shares for them are still good);
 * - stale: ids of jobs on an older prev hash, kept only so a late share gets `stale-share`
 *   rather than `invalid-job-id`.
 * Every set has a cap, so a peer that never sends SetNewPrevHash (or a pool that sends jobs
 * without end) cannot grow memory; the oldest entry goes first.
 */

export interface JobStoreLimits {
  /** Future jobs kept while waiting for SetNewPrevHash (SRI clients keep 16). */
  maxFutureJobs: number;
  /** Past jobs on the current prev hash that still accept shares. */
  maxPastJobs: number;
  /** Job ids remembered as stale after a prev-hash change. */
  maxStaleJobs: number;
}

export const DEFAULT_JOB_STORE_LIMITS: Readonly<JobStoreLimits> = { maxFutureJobs: 16, maxPastJobs: 64, maxStaleJobs: 256 };

/**
 * Job ids for one connection. Share one sequence among a connection's channels and groups so a
 * group's broadcast job id can never collide with a member's own job id. Ids wrap after 2^32 - 1,
 * skipping 0; by then every store has long forgotten the old holder of an id.
 */
export class JobIdSequence {
  private last: number;

  constructor(last = 0) {
    this.last = last >>> 0;
  }

  next(): number {
    this.last = this.last >= 0xffffffff ? 1 : this.last + 1;
    return this.last;
  }
}

export class JobStore<J extends { readonly jobId: number }> {
  private readonly futures = new Map<bigint | number, J>();
  private activeJob: J | null = null;
  private past = new Map<number, J>();
  /**
   * Every job id that was ever active and is not yet forgotten, oldest first: the active job, the
   * past jobs, and before them the stale ones (a job stops being valid before any newer one does).
   * A new prev hash makes every held job stale by dropping `past` whole, so no job is walked or
   * moved then; the oldest ids are forgotten once more than `maxStaleJobs` are stale, each once.
   */
  private readonly known = new Set<number>();
  /** The jobs of the tip before the current one: only to recognise the share whose block made the new tip. */
  private previousActive: J | null = null;
  private previousPast: Map<number, J> | null = null;

  constructor(readonly limits: Readonly<JobStoreLimits> = DEFAULT_JOB_STORE_LIMITS) {
    for (const [k, v] of Object.entries(limits)) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`${k} must be a positive integer, got ${v}`);
    }
  }

  get active(): J | null {
    return this.activeJob;
  }

  get futureCount(): number {
    return this.futures.size;
  }

  get pastCount(): number {
    return this.past.size;
  }

  get staleCount(): number {
    return this.known.size - this.past.size - (this.activeJob === null ? 0 : 1);
  }

  /** Stores a future job under `key` (a template id on a server, the job id on a client). */
  addFuture(key: bigint | number, job: J): void {
    // Re-adding a key replaces its job, which moves to the back of the eviction order.
    this.futures.delete(key);
    this.futures.set(key, job);
    if (this.futures.size > this.limits.maxFutureJobs) this.futures.delete(this.futures.keys().next().value!);
  }

  future(key: bigint | number): J | undefined {
    return this.futures.get(key);
  }

  futureJobs(): IterableIterator<J> {
    return this.futures.values();
  }

  /**
   * A new prev hash: the future job under `key` becomes active, every other future job is
   * dropped and every job of the old prev hash becomes stale. Returns undefined (and changes
   * nothing) when no future job has that key.
   */
  activateFuture(key: bigint | number): J | undefined {
    const job = this.futures.get(key);
    if (job === undefined) return undefined;
    this.retireAll();
    // The usual case holds one future job: deleting it is cheaper than clearing the map.
    if (this.futures.size === 1) this.futures.delete(key);
    else this.futures.clear();
    this.activeJob = job;
    this.remember(job.jobId);
    return job;
  }

  /** A job for the current prev hash: it becomes active and the previous active job a past job. */
  setActive(job: J): void {
    const previous = this.activeJob;
    this.activeJob = job;
    this.remember(job.jobId);
    // A peer that reuses an id: the new job replaces the one held under it.
    this.past.delete(job.jobId);
    if (previous === null || previous.jobId === job.jobId) return;
    this.past.set(previous.jobId, previous);
    if (this.past.size > this.limits.maxPastJobs) {
      // The oldest past job stays known, now as a stale one.
      this.past.delete(this.past.keys().next().value!);
      this.forgetOldest();
    }
  }

  /** The prev hash changed without a future job (custom work): all current jobs become stale. */
  retireAll(): void {
    this.previousActive = this.activeJob;
    this.previousPast = this.past.size > 0 ? this.past : null;
    this.activeJob = null;
    if (this.past.size > 0) this.past = new Map();
    this.forgetOldest();
  }

  /** A job that was valid until the last prev-hash change (kept one tip back, by reference: no copy). */
  previousLookup(jobId: number): J | undefined {
    const active = this.previousActive;
    if (active !== null && active.jobId === jobId) return active;
    return this.previousPast?.get(jobId);
  }

  /** The active or past job with this id: the jobs shares may be submitted for. */
  lookup(jobId: number): J | undefined {
    const active = this.activeJob;
    if (active !== null && active.jobId === jobId) return active;
    return this.past.get(jobId);
  }

  isStale(jobId: number): boolean {
    return this.known.has(jobId) && this.lookup(jobId) === undefined;
  }

  /** Whether `jobId` is held in any set, future included. */
  holds(jobId: number): boolean {
    if (this.known.has(jobId)) return true;
    for (const job of this.futures.values()) if (job.jobId === jobId) return true;
    return false;
  }

  /** Every job shares can be submitted for: the active one first, then past jobs. */
  *validJobs(): IterableIterator<J> {
    if (this.activeJob !== null) yield this.activeJob;
    yield* this.past.values();
  }

  /** A job id that becomes active is the newest known (a peer that reuses an id moves it to the back). */
  private remember(jobId: number): void {
    this.known.delete(jobId);
    this.known.add(jobId);
  }

  /** Forgets the oldest stale ids beyond `maxStaleJobs` (the oldest known ids are always stale ones). */
  private forgetOldest(): void {
    let excess = this.staleCount - this.limits.maxStaleJobs;
    if (excess <= 0) return;
    for (const id of this.known) {
      this.known.delete(id);
      if (--excess === 0) return;
    }
  }
}
