import { describe, expect, it } from 'vitest';
import type { AnyMessage } from '../../../src/messages/registry.js';
import { MessagePacer, OpenRate } from '../../../src/roles/common/message-pacing.js';

const open = (requestId: number) => ({ name: 'OpenStandardMiningChannel', message: { requestId } }) as unknown as AnyMessage;
const share = (sequenceNumber: number) => ({ name: 'SubmitSharesStandard', message: { sequenceNumber } }) as unknown as AnyMessage;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('MessagePacer', () => {
  it('handles at most the budget of channel opens in a turn; the rest follow in order on later turns', async () => {
    const handled: string[] = [];
    const pacer = new MessagePacer((m) => handled.push(`${m.name}:${JSON.stringify(m.message)}`), () => undefined, { costlyPerTurn: 4 });
    for (let i = 0; i < 10; i++) pacer.receive(open(i));
    pacer.receive(share(1)); // behind the waiting opens: order is kept
    expect(handled).toHaveLength(4);
    expect(pacer.waiting).toBe(7);
    while (pacer.waiting > 0) await nextTurn();
    expect(handled).toEqual([...Array.from({ length: 10 }, (_, i) => `OpenStandardMiningChannel:{"requestId":${i}}`), 'SubmitSharesStandard:{"sequenceNumber":1}']);
  });

  it('lets cheap messages through without waiting', () => {
    const handled: AnyMessage[] = [];
    const pacer = new MessagePacer((m) => handled.push(m), () => undefined, { costlyPerTurn: 1 });
    for (let i = 0; i < 1000; i++) pacer.receive(share(i));
    expect(handled).toHaveLength(1000);
    expect(pacer.waiting).toBe(0);
  });

  it('cuts a peer whose backlog passes the cap, and drops what waits', () => {
    let flood = 0;
    const pacer = new MessagePacer(() => undefined, (n) => (flood = n), { costlyPerTurn: 1, maxBacklog: 50 });
    for (let i = 0; i < 100; i++) pacer.receive(open(i));
    expect(flood).toBe(50);
    expect(pacer.waiting).toBe(0);
  });

  it('holds all peers together to the total per turn, and the ones a turn left out go first the next', async () => {
    await nextTurn();
    const log: string[] = [];
    const pacers = ['a', 'b', 'c'].map((name) => new MessagePacer(() => log.push(name), () => undefined, { costlyPerTurn: 4, costlyPerTurnTotal: 6 }));
    for (const p of pacers) for (let i = 0; i < 8; i++) p.receive(open(i));
    const perTurn: string[] = [log.splice(0).join('')];
    while (pacers.some((p) => p.waiting > 0)) {
      await nextTurn();
      perTurn.push(log.splice(0).join(''));
    }
    expect(perTurn[0]).toBe('aaaabb');
    for (const t of perTurn) expect(t.length).toBeLessThanOrEqual(6);
    // b and c, which the total cut short or left out, are served first in the next turn; a last.
    expect(perTurn[1]).toBe('bbbbcc');
    expect(perTurn[2]!.startsWith('cccc')).toBe(true);
    expect(perTurn.join('').split('').sort().join('')).toBe('a'.repeat(8) + 'b'.repeat(8) + 'c'.repeat(8));
  });

  it('holds a peer to its rate beyond the burst, and the bucket refills with time', () => {
    let now = 0;
    const rate = new OpenRate(10, () => now);
    const handled: AnyMessage[] = [];
    const pacer = new MessagePacer((m) => handled.push(m), () => undefined, { costlyPerTurn: 1000, costlyPerTurnTotal: 1000, rate });
    for (let i = 0; i < 15; i++) pacer.receive(open(i));
    expect(handled).toHaveLength(10); // the burst
    expect(pacer.waiting).toBe(5);
    expect(rate.waitMs).toBe(100);
    now += 300;
    expect(rate.take() && rate.take() && rate.take()).toBe(true);
    expect(rate.take()).toBe(false);
    pacer.stop();
  });
});
