/**
 * Refused sockets are closed late, not at once: a peer that reconnects as soon as it is dropped
 * (a flooder's loop, a penalized address, firmware without backoff) would otherwise make the
 * listener accept and close thousands of sockets a second, ~35 µs of Node's socket construction
 * and `close` each, plus the garbage they leave, all on the event loop the miners share. Held
 * sockets are paused (nothing read, nothing answered) until their time is up. At most `maxHeld`
 * are held; beyond that a refused socket is closed at once, so descriptors stay bounded.
 */
import type { Socket } from 'node:net';

/** Sockets closed per timer turn at most (~15 µs each). */
const CLOSES_PER_TURN = 64;

export class RefusalHold {
  /** Held sockets and when each is closed, in the order they were held (so also by deadline). */
  private readonly held = new Map<Socket, number>();
  private timer: NodeJS.Timeout | undefined;

  /** `holdMs` 0 closes every refused socket at once. */
  constructor(
    private readonly holdMs: number,
    private readonly maxHeld: number,
  ) {}

  get size(): number {
    return this.held.size;
  }

  /** Closes `socket` after the hold, or now when the hold is off or full. */
  refuse(socket: Socket): void {
    socket.on('error', () => undefined); // a reset from a peer we are dropping is nobody's business
    if (this.holdMs <= 0 || this.held.size >= this.maxHeld || socket.destroyed) {
      socket.destroy();
      return;
    }
    socket.pause();
    socket.once('close', () => this.held.delete(socket));
    this.held.set(socket, performance.now() + this.holdMs);
    if (this.timer === undefined) this.arm(this.holdMs);
  }

  /** Closes every held socket now (the listener is shutting down). */
  closeAll(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const socket of [...this.held.keys()]) socket.destroy();
    this.held.clear();
  }

  private arm(delayMs: number): void {
    this.timer = setTimeout(() => this.sweep(), Math.max(1, delayMs));
    this.timer.unref();
  }

  private sweep(): void {
    this.timer = undefined;
    const t = performance.now();
    let closed = 0;
    for (const [socket, until] of this.held) {
      if (until > t) {
        this.arm(until - t);
        return;
      }
      // A burst held together comes due together: closing hundreds in one turn would be the stall this avoids.
      if (closed === CLOSES_PER_TURN) {
        this.arm(0);
        return;
      }
      this.held.delete(socket);
      socket.destroy();
      closed++;
    }
  }
}
