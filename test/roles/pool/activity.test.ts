import { describe, expect, it } from 'vitest';
import { bip34Height, PoolActivity } from '../../../src/roles/pool/activity.js';
import type { Messages } from '../../../src/messages/registry.js';

describe('bip34Height', () => {
  it('reads the height a coinbase scriptSig starts with', () => {
    expect(bip34Height(Uint8Array.of(0x00))).toBe(0);
    expect(bip34Height(Uint8Array.of(0x51))).toBe(1);
    expect(bip34Height(Uint8Array.of(0x60))).toBe(16);
    expect(bip34Height(Uint8Array.of(0x01, 0x65, 0xaa))).toBe(101);
    // mainnet block 840000: 03 40d10c
    expect(bip34Height(Uint8Array.of(0x03, 0x40, 0xd1, 0x0c))).toBe(840_000);
    expect(bip34Height(new Uint8Array())).toBeNull();
    expect(bip34Height(Uint8Array.of(0x03, 0x40))).toBeNull();
    expect(bip34Height(Uint8Array.of(0x4c, 0x01))).toBeNull();
  });
});

describe('PoolActivity', () => {
  const template = (id: bigint, height: number, future: boolean) => ({ templateId: id, futureTemplate: future, coinbasePrefix: Uint8Array.of(0x02, height & 0xff, height >> 8) }) as unknown as Messages['NewTemplate'];

  it('takes the tip height from the template a prev hash names, and a found block its height', () => {
    const a = new PoolActivity();
    a.onTemplate(template(7n, 300, true), 1);
    expect(a.tipHeight).toBeNull();
    a.onPrevHash({ templateId: 7n } as Messages['SetNewPrevHashTdp']);
    expect(a.tipHeight).toBe(299);
    a.onTemplate(template(8n, 300, false), 2);
    expect(a.heightOf(8n)).toBe(300);
    expect(a.heightOf(99n)).toBeNull();
    expect(a.templatesReceived).toBe(2);
    expect(a.lastTemplateAt).toBe(2);
  });

  it('tracks each channel’s shares until the channel or its connection goes', () => {
    const a = new PoolActivity();
    a.onShare(1, 5, 1, 60_000);
    expect(a.channel(1, 5, 60_000).lastShareAt).toBe(60_000);
    expect(a.channel(1, 5, 61_000).meter.hashrate(61_000)).toBeGreaterThan(0);
    a.closeChannel(1, 5);
    expect(a.channel(1, 5, 62_000).lastShareAt).toBeNull();
    a.onShare(2, 1, 1, 62_000);
    a.closeConnection(2);
    expect(a.channel(2, 1, 63_000).lastShareAt).toBeNull();
  });
});
