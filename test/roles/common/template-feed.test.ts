import { afterEach, describe, expect, it } from 'vitest';
import type { TemplateSource } from '../../../src/chain/template-source.js';
import type { Messages } from '../../../src/messages/registry.js';
import { startNode } from '../../../src/roles/common/embedded-node.js';
import { SourceTemplateFeed } from '../../../src/roles/common/template-feed.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The real embedded source, with the coinbase room of every request it gets written down. */
function recording(source: TemplateSource, rooms: number[], subscriptions: number[]): TemplateSource {
  return new Proxy(source, {
    get(target, key) {
      const v: unknown = Reflect.get(target, key, target);
      if (typeof v !== 'function') return v;
      if (key !== 'currentTemplate' && key !== 'onTemplate') return v.bind(target);
      return (constraints: { maxAdditionalSize: number }, ...rest: unknown[]) => {
        (key === 'onTemplate' ? subscriptions : rooms).push(constraints.maxAdditionalSize);
        return v.call(target, constraints, ...rest);
      };
    },
  });
}

describe('SourceTemplateFeed coinbase room', () => {
  it('asks the node for more room at once, keeps it for the next tips, and never shrinks it', async () => {
    const node = await startNode({});
    cleanups.push(() => node.close());
    const rooms: number[] = [];
    const subscriptions: number[] = [];
    const feed = new SourceTemplateFeed(recording(node.source, rooms, subscriptions));
    const templates: Messages['NewTemplate'][] = [];
    let arrived: (() => void) | undefined;
    const next = () => new Promise<void>((resolve) => (arrived = resolve));
    const handlers = {
      newTemplate: (t: Messages['NewTemplate']) => {
        templates.push(t);
        arrived?.();
      },
      setNewPrevHash: () => undefined,
    };
    await feed.start(400, handlers);
    expect(rooms).toEqual([400]);
    expect(subscriptions).toEqual([400]);

    const resized = next();
    feed.setCoinbaseRoom(5_000);
    await resized;
    expect(templates.at(-1)!.futureTemplate).toBe(false); // the same tip, a template that leaves the room
    expect(rooms).toEqual([400, 5_000]);
    expect(subscriptions).toEqual([400, 5_000]); // the next tips' templates leave it too

    feed.setCoinbaseRoom(1_000); // smaller: nothing asked
    expect(subscriptions).toEqual([400, 5_000]);

    // One template per new tip: the first subscription is gone.
    const count = templates.length;
    const tip = next();
    node.chain.generate(1, new Uint8Array([0x51]));
    await tip;
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(templates.length - count).toBe(1);
    expect(templates.at(-1)!.futureTemplate).toBe(true);
  });
});
