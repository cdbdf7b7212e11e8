import { describe, expect, it } from 'vitest';
import { handshakeTurn } from '../../src/net/handshake-turns.js';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('handshakeTurn', () => {
  it('lets one handshake through per event-loop turn, the others in order on later turns', async () => {
    await nextTurn();
    await nextTurn(); // a turn of its own, with none waiting
    let turn = 0;
    let ticking = true;
    const tick = (): void => {
      turn++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const granted: [number, number][] = [];
    const first = handshakeTurn();
    expect(first).toBeUndefined(); // the first of the turn goes at once
    granted.push([0, turn]);
    const rest = Array.from({ length: 5 }, (_, i) => handshakeTurn()!.then(() => granted.push([i + 1, turn])));
    await Promise.all(rest);
    ticking = false;
    expect(granted.map(([i]) => i)).toEqual([0, 1, 2, 3, 4, 5]);
    const turns = granted.map(([, t]) => t);
    for (let i = 1; i < turns.length; i++) expect(turns[i]!).toBeGreaterThan(turns[i - 1]!);
  });
});
