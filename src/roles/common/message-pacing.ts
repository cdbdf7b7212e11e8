/**
 * Work per peer per event-loop turn, counted in what messages cost rather than in bytes: a
 * channel open builds a channel and its first job (~100 µs), so one peer's 8 KiB turn of them
 * would hold every other peer for tens of milliseconds. Beyond `costlyPerTurn` such messages in
 * one turn, that peer's messages wait, in order, for the next turns; a backlog past `maxBacklog`
 * is a flood and cuts the peer.
 */
import type { AnyMessage } from '../../messages/registry.js';

const COSTLY: ReadonlySet<string> = new Set(['OpenStandardMiningChannel', 'OpenExtendedMiningChannel']);

/** One shared clock of turns: it ticks once per event-loop turn in which a costly message was handled. */
class TurnClock {
  id = 0;
  private scheduled = false;
  touch(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.id++;
      this.scheduled = false;
    });
  }
}
const clock = new TurnClock();

export interface PacingLimits {
  /** costly messages one peer has handled per turn (default 8: a farm proxy's 10 000 channels open in about a second) */
  costlyPerTurn?: number;
  /** messages waiting before the peer is cut (default 20 000: above a farm proxy's 10 000 channels) */
  maxBacklog?: number;
}

export class MessagePacer {
  private readonly backlog: AnyMessage[] = [];
  private head = 0;
  private turn = -1;
  private costly = 0;
  private draining = false;
  private stopped = false;
  private readonly costlyPerTurn: number;
  private readonly maxBacklog: number;

  constructor(
    private readonly handle: (m: AnyMessage) => void,
    private readonly onFlood: (waiting: number) => void,
    limits: PacingLimits = {},
  ) {
    this.costlyPerTurn = limits.costlyPerTurn ?? 8;
    this.maxBacklog = limits.maxBacklog ?? 20_000;
  }

  /** Messages waiting for a later turn. */
  get waiting(): number {
    return this.backlog.length - this.head;
  }

  receive(m: AnyMessage): void {
    if (this.stopped) return;
    if (this.waiting > 0 || !this.mayHandle(m)) {
      if (this.waiting >= this.maxBacklog) {
        const waiting = this.waiting;
        this.stop();
        this.onFlood(waiting);
        return;
      }
      this.backlog.push(m);
      this.scheduleDrain();
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

  private mayHandle(m: AnyMessage): boolean {
    if (!COSTLY.has(m.name)) return true;
    if (this.turn !== clock.id) {
      this.turn = clock.id;
      this.costly = 0;
    }
    if (this.costly >= this.costlyPerTurn) return false;
    this.costly++;
    clock.touch();
    return true;
  }

  private scheduleDrain(): void {
    if (this.draining) return;
    this.draining = true;
    setImmediate(() => this.drain());
  }

  private drain(): void {
    this.draining = false;
    while (!this.stopped && this.waiting > 0) {
      const m = this.backlog[this.head]!;
      if (!this.mayHandle(m)) {
        if (this.head > 1024) {
          this.backlog.splice(0, this.head); // what was handled leaves the array
          this.head = 0;
        }
        this.scheduleDrain();
        return;
      }
      this.head++;
      this.handle(m);
    }
    this.backlog.length = 0;
    this.head = 0;
  }
}
