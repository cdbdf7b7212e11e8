import { describe, expect, it } from 'vitest';
import type { AnyMessage } from '../../../src/messages/registry.js';
import { MessagePacer } from '../../../src/roles/common/message-pacing.js';

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
});
