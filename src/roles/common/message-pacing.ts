/**
 * Work per peer per event-loop turn, counted in what messages cost rather than in bytes: a
 * channel open builds a channel and its first job and sends three encrypted frames (~60–100 µs in
 * all), so one peer's 8 KiB turn of them would hold every other peer for tens of milliseconds.
 * Three bounds on such messages: per peer per turn, per turn across all peers (so many attacking
 * connections together still hold a turn only so long), and per second per address (a token
 * bucket with a burst of as many, shared by an address's connections, so reconnecting does not
 * refill it). Beyond them a peer's messages wait, in order, for a later turn (or, for the rate,
 * for the next token); a backlog past `maxBacklog` is a flood and cuts the peer.
 */
import type { AnyMessage } from '../../messages/registry.js';

const COSTLY: ReadonlySet<string> = new Set(['OpenStandardMiningChannel', 'OpenExtendedMiningChannel']);

/**
 * One shared clock of turns: it ticks once per event-loop turn in which a costly message was
 * handled or a peer waits for a turn. Peers waiting for a turn are served in order; those the
 * turn's total left out go first the next turn, so a crowd of busy peers cannot starve one.
 */
class TurnClock {
  id = 0;
  /** Costly messages handled in this turn, by every peer. */
  costly = 0;
  private scheduled = false;
  private waiters: MessagePacer[] = [];
  /** Refused by a turn's total: served first. */
  private first: MessagePacer[] = [];

  touch(): void {
    this.costly++;
    this.schedule();
  }

  wait(p: MessagePacer, first: boolean): void {
    (first ? this.first : this.waiters).push(p);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.tick());
  }

  private tick(): void {
    this.id++;
    this.costly = 0;
    this.scheduled = false;
    const queue = [...this.first, ...this.waiters];
    this.first = [];
    this.waiters = [];
    let i = 0;
    while (i < queue.length && queue[i]!.drain() !== 'total') i++;
    // The one the total refused is in `first` again; those after it follow it, before the rest.
    if (i + 1 < queue.length) this.first.push(...queue.slice(i + 1));
    if (this.first.length > 0) this.schedule();
  }
}
const clock = new TurnClock();

/** Costly messages per second with a burst of as many; one is shared by all connections from an address. */
export class OpenRate {
  private tokens: number;
  private at: number;
  /** Connections using it (the owner drops it at 0 once it is full again). */
  users = 0;

  constructor(
    readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = perSecond;
    this.at = now();
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.perSecond, this.tokens + ((t - this.at) * this.perSecond) / 1000);
    this.at = t;
  }

  take(): boolean {
    if (this.tokens < 1) this.refill();
    if (this.tokens < 1) return false;
    this.tokens--;
    return true;
  }

  /** Milliseconds until the next token. */
  get waitMs(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) * 1000) / this.perSecond);
  }

  get full(): boolean {
    this.refill();
    return this.tokens >= this.perSecond;
  }
}

export interface PacingLimits {
  /** costly messages one peer has handled per turn (default 8) */
  costlyPerTurn?: number;
  /** costly messages all peers together have handled per turn (default 16) */
  costlyPerTurnTotal?: number;
  /** messages waiting before the peer is cut (default 20 000: above a farm proxy's 10 000 channels) */
  maxBacklog?: number;
  /** costly messages per second (shared by the peer's address); none when absent */
  rate?: OpenRate;
}

export class MessagePacer {
  private readonly backlog: AnyMessage[] = [];
  private head = 0;
  private turn = -1;
  private costly = 0;
  private draining = false;
  private stopped = false;
  private readonly costlyPerTurn: number;
  private readonly costlyPerTurnTotal: number;
  private readonly maxBacklog: number;
  private readonly rate: OpenRate | undefined;

  constructor(
    private readonly handle: (m: AnyMessage) => void,
    private readonly onFlood: (waiting: number) => void,
    limits: PacingLimits = {},
  ) {
    this.costlyPerTurn = limits.costlyPerTurn ?? 8;
    this.costlyPerTurnTotal = limits.costlyPerTurnTotal ?? 16;
    this.maxBacklog = limits.maxBacklog ?? 20_000;
    this.rate = limits.rate;
  }

  /** Messages waiting for a later turn. */
  get waiting(): number {
    return this.backlog.length - this.head;
  }

  receive(m: AnyMessage): void {
    if (this.stopped) return;
    const why = this.waiting > 0 ? 'turn' : this.refusal(m);
    if (why !== undefined) {
      if (this.waiting >= this.maxBacklog) {
        const waiting = this.waiting;
        this.stop();
        this.onFlood(waiting);
        return;
      }
      this.backlog.push(m);
      this.scheduleDrain(why);
      return;
    }
    this.handle(m);
  }

  /** The peer is gone: what waits is dropped. */
  stop(): void {
    this.stopped = true;
    this.backlog.length = 0;
    this.head = 0;
  }

  /** Why a costly message may not be handled now, or undefined when it may. */
  private refusal(m: AnyMessage): 'turn' | 'total' | 'rate' | undefined {
    if (!COSTLY.has(m.name)) return undefined;
    if (this.turn !== clock.id) {
      this.turn = clock.id;
      this.costly = 0;
    }
    if (this.costly >= this.costlyPerTurn) return 'turn';
    if (clock.costly >= this.costlyPerTurnTotal) return 'total';
    if (this.rate !== undefined && !this.rate.take()) return 'rate';
    this.costly++;
    clock.touch();
    return undefined;
  }

  private scheduleDrain(why: 'turn' | 'total' | 'rate' = 'turn'): void {
    if (this.draining) return;
    this.draining = true;
    // Out of tokens: wake when the next one is due, not every turn.
    if (why === 'rate') setTimeout(() => this.drain(), Math.max(1, this.rate!.waitMs));
    else clock.wait(this, why === 'total');
  }

  /** Handles what waits, as far as the bounds allow; says which bound stopped it. */
  drain(): 'turn' | 'total' | 'rate' | undefined {
    this.draining = false;
    while (!this.stopped && this.waiting > 0) {
      const m = this.backlog[this.head]!;
      const why = this.refusal(m);
      if (why !== undefined) {
        if (this.head > 1024) {
          this.backlog.splice(0, this.head); // what was handled leaves the array
          this.head = 0;
        }
        this.scheduleDrain(why);
        return why;
      }
      this.head++;
      this.handle(m);
    }
    this.backlog.length = 0;
    this.head = 0;
    return undefined;
  }
}
