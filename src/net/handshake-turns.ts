/**
 * Handshake cryptography (~1.5–2 ms each) one at a time per event-loop turn: peers whose act 1
 * arrives together (a storm of reconnects admitted by the rate's burst) would otherwise all be
 * answered in one poll phase, holding every other peer's messages for as many handshakes. Each
 * waits for its own turn, in order of arrival; a turn with none waiting costs nothing.
 */
const waiting: (() => void)[] = [];
let head = 0;
let scheduled = false;
let grantedTurn = -1;
let turn = 0;

function next(): void {
  scheduled = false;
  turn++;
  const go = waiting[head];
  if (go === undefined) return;
  waiting[head++] = undefined as unknown as () => void;
  if (head === waiting.length) {
    waiting.length = 0;
    head = 0;
  }
  grantedTurn = turn;
  go();
  if (head < waiting.length) schedule();
}

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  setImmediate(next);
}

/** Resolves when this handshake may do its cryptography: now if no other one did in this turn. */
export function handshakeTurn(): Promise<void> | undefined {
  if (waiting.length === head && grantedTurn !== turn) {
    grantedTurn = turn;
    schedule(); // the turn counter moves on, so the next one waits for it
    return undefined;
  }
  return new Promise<void>((resolve) => {
    waiting.push(resolve);
    schedule();
  });
}
