/** The proxy's upstream channel driven with plain message values: what it sends up and asks for. */
import { describe, expect, it } from 'vitest';
import type { ChainTip } from '../../../src/channels/chain-tip.js';
import type { AnyMessage, MessageName, Messages } from '../../../src/messages/registry.js';
import { silentLogger } from '../../../src/roles/common/logger.js';
import type { UpstreamAction } from '../../../src/roles/common/upstream.js';
import { UpstreamChannel, workId, type ProxyWork } from '../../../src/roles/proxy/upstream-channel.js';

const MAX = new Uint8Array(32).fill(0xff);
const ZERO_TARGET = (() => {
  const t = new Uint8Array(32);
  t[0] = 1; // little-endian: the hardest target above zero
  return t;
})();

function setup() {
  const sent: { name: MessageName; message: unknown }[] = [];
  const works: ProxyWork[] = [];
  const tips: { id: bigint; tip: ChainTip }[] = [];
  const actions: UpstreamAction[] = [];
  const answers: { channelId: number; ok: boolean; code?: string }[] = [];
  const up = new UpstreamChannel(8, { work: (w) => works.push(w), newTip: (id, tip) => tips.push({ id, tip }), action: (a) => actions.push(a), answered: (d, ok, code) => answers.push({ channelId: d.channelId, ok, code }) }, silentLogger());
  const link = { send: <N extends MessageName>(name: N, message: Messages[N]) => void sent.push({ name, message }) };
  const msg = <N extends MessageName>(name: N, message: Messages[N]) => up.onMessage({ name, message, tlvs: [] } as unknown as AnyMessage);
  return { up, link, sent, works, tips, actions, answers, msg };
}

function opened(t: ReturnType<typeof setup>, extranonceSize = 20, target = MAX) {
  t.up.connect(t.link, 'farm', 'pool:1');
  t.up.open(1000, 0);
  const req = t.sent.at(-1)!.message as Messages['OpenExtendedMiningChannel'];
  expect(req).toMatchObject({ userIdentity: 'farm', nominalHashRate: 1000, minExtranonceSize: 8 });
  t.msg('OpenExtendedMiningChannelSuccess', { requestId: req.requestId, channelId: 5, target, extranonceSize, extranoncePrefix: Uint8Array.of(0xaa, 0xbb), groupChannelId: 1 });
  // a job for the group, then its prev hash
  t.msg('NewExtendedMiningJob', { channelId: 1, jobId: 9, minNtime: null, version: 0x20000000, versionRollingAllowed: true, merklePath: [], coinbaseTxPrefix: Uint8Array.of(1, 2), coinbaseTxSuffix: Uint8Array.of(3) });
  t.msg('SetNewPrevHash', { channelId: 1, jobId: 9, prevHash: new Uint8Array(32), minNtime: 100, nbits: 0x207fffff });
}

describe('proxy upstream channel', () => {
  it("turns the upstream's jobs into work with the upstream prefix and the padding in the devices' coinbase prefix", () => {
    const t = setup();
    opened(t);
    expect(t.works).toHaveLength(1);
    const w = t.works[0]!;
    expect(w.templateId).toBe(workId(1, 9));
    expect(w.future).toBe(true);
    expect([...w.coinbase.strippedPrefix]).toEqual([1, 2, 0xaa, 0xbb, ...new Array(12).fill(0)]);
    expect(w.coinbase.extranonceSize).toBe(8);
    expect(t.tips).toEqual([{ id: workId(1, 9), tip: expect.objectContaining({ minNtime: 100 }) }]);
  });

  it('sends up a share meeting the upstream target with padding ‖ device extranonce, and returns the answer to its device', () => {
    const t = setup();
    opened(t);
    const dev = Uint8Array.of(0, 1, 2, 3, 4, 5, 6, 7);
    expect(t.up.forward(t.works[0]!, { nonce: 1, ntime: 100, version: 0x20000000 }, dev, new Uint8Array(32), { connectionId: 1, channelId: 2 })).toBe('forwarded');
    const sub = t.sent.at(-1)!;
    expect(sub.name).toBe('SubmitSharesExtended');
    const m = sub.message as Messages['SubmitSharesExtended'];
    expect(m).toMatchObject({ channelId: 5, jobId: 9, sequenceNumber: 0 });
    expect([...m.extranonce]).toEqual([...new Array(12).fill(0), ...dev]);
    t.up.forward(t.works[0]!, { nonce: 2, ntime: 100, version: 0x20000000 }, dev, new Uint8Array(32), { connectionId: 1, channelId: 3 });
    t.msg('SubmitSharesError', { channelId: 5, sequenceNumber: 1, errorCode: 'duplicate-share' });
    t.msg('SubmitSharesSuccess', { channelId: 5, lastSequenceNumber: 1, newSubmitsAcceptedCount: 1, newSharesSum: 1n });
    expect(t.answers).toEqual([
      { channelId: 3, ok: false, code: 'duplicate-share' },
      { channelId: 2, ok: true, code: undefined },
    ]);
    expect(t.up.counts).toMatchObject({ forwarded: 2, accepted: 1 });
  });

  it('keeps a share under the upstream target, and work of a previous upstream, to itself', () => {
    const t = setup();
    opened(t, 20, ZERO_TARGET);
    const hash = new Uint8Array(32).fill(0x80);
    expect(t.up.forward(t.works[0]!, { nonce: 1, ntime: 100, version: 0x20000000 }, new Uint8Array(8), hash, { connectionId: 1, channelId: 2 })).toBe('below-upstream-target');
    const old = t.works[0]!;
    t.up.disconnect();
    expect(t.up.forward(old, { nonce: 1, ntime: 100, version: 0x20000000 }, new Uint8Array(8), new Uint8Array(32), { connectionId: 1, channelId: 2 })).toBe('upstream-unavailable');
    opened(t, 20, MAX);
    expect(t.up.forward(old, { nonce: 1, ntime: 100, version: 0x20000000 }, new Uint8Array(8), new Uint8Array(32), { connectionId: 1, channelId: 2 })).toBe('upstream-unavailable');
    expect(t.sent.filter((s) => s.name === 'SubmitSharesExtended')).toHaveLength(0);
    expect(t.up.counts.switches).toBe(1);
  });

  it('asks for the next upstream when the channel is refused, too small or closed, and follows Reconnect', () => {
    const t = setup();
    t.up.connect(t.link, 'farm', 'pool:1');
    t.up.open(1000, 0);
    t.msg('OpenMiningChannelError', { requestId: 1, errorCode: 'unknown-user' });
    const small = setup();
    small.up.connect(small.link, 'farm', 'pool:1');
    small.up.open(1000, 0);
    small.msg('OpenExtendedMiningChannelSuccess', { requestId: 1, channelId: 5, target: MAX, extranonceSize: 4, extranoncePrefix: Uint8Array.of(1), groupChannelId: 0 });
    expect(small.sent.at(-1)).toMatchObject({ name: 'CloseChannel', message: { channelId: 5 } });
    expect(small.actions[0]).toMatchObject({ type: 'fallback' });
    const c = setup();
    opened(c);
    c.msg('CloseChannel', { channelId: 5, reasonCode: 'maintenance' });
    c.msg('Reconnect', { newHost: 'other', newPort: 0 });
    expect(t.actions).toEqual([{ type: 'fallback', reason: 'upstream refused the channel: unknown-user' }]);
    expect(c.actions).toEqual([
      { type: 'fallback', reason: 'upstream closed the channel: maintenance' },
      { type: 'reconnect', host: 'other', port: null },
    ]);
  });

  it('announces the devices\' hashrate with UpdateChannel only on a 10 % move, at most once a second', () => {
    const t = setup();
    opened(t);
    const updates = () => t.sent.filter((s) => s.name === 'UpdateChannel').map((s) => (s.message as Messages['UpdateChannel']).nominalHashRate);
    t.up.update(2000, 500); // too soon
    t.up.update(1050, 2000); // too small a move
    t.up.update(2000, 2000);
    t.up.update(5000, 2500); // too soon again
    t.up.update(5000, 3100);
    expect(updates()).toEqual([2000, 5000]);
  });

  it('reopens its channel when the upstream says its endpoint changed', () => {
    const t = setup();
    opened(t);
    t.msg('ChannelEndpointChanged', { channelId: 5 });
    expect(t.up.liveEpoch).toBeNull();
    t.up.open(1000, 10);
    expect(t.sent.at(-1)).toMatchObject({ name: 'OpenExtendedMiningChannel' });
  });
});
