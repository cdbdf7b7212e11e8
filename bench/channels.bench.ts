/**
 * The pool's hot paths in the channel layer: validating an accepted share (sha256d included) on
 * standard and extended channels, and turning one template into jobs for 1 000 channels.
 */
import { sha256d } from '../src/bitcoin/hash.js';
import { bip34HeightPrefix } from '../src/bitcoin/script.js';
import { serializeOutputs } from '../src/bitcoin/tx.js';
import { witnessCommitmentOutput } from '../src/bitcoin/witness.js';
import { chainTip, coinbaseTag, ExtendedChannel, ExtranonceAllocator, StandardChannel, workFromTemplate } from '../src/channels/index.js';
import type { Work } from '../src/channels/index.js';
import type { Messages } from '../src/messages/index.js';
import { measure } from './harness.js';
import type { BenchResult } from './harness.js';

const NOW = 1_750_000_000;
const MAX_TARGET = new Uint8Array(32).fill(0xff);
const PAYOUT = Uint8Array.from([0x00, 0x14, ...new Array<number>(20).fill(0xab)]);
// Mainnet-like nBits: no share is a block, every share is accepted (channel target 2^256 - 1).
const TIP = chainTip(sha256d(Uint8Array.of(1)), 0x1703a30c, NOW);

function template(pathLength: number): Messages['NewTemplate'] {
  return {
    templateId: 1n,
    futureTemplate: true,
    version: 0x20000000,
    coinbaseTxVersion: 2,
    coinbasePrefix: bip34HeightPrefix(900_000),
    coinbaseTxInputSequence: 0xffffffff,
    coinbaseTxValueRemaining: 312_500_000n,
    coinbaseTxOutputsCount: 1,
    coinbaseTxOutputs: serializeOutputs([witnessCommitmentOutput([sha256d(Uint8Array.of(2))])]),
    coinbaseTxLocktime: 0,
    merklePath: Array.from({ length: pathLength }, (_, i) => sha256d(Uint8Array.of(i))),
  };
}

function work(allocator: ExtranonceAllocator, pathLength: number): Work {
  return workFromTemplate(template(pathLength), { rewardScript: PAYOUT, tag: coinbaseTag('bench-pool'), fullExtranonceSize: allocator.totalLength });
}

// The loop sends far more shares on one block than a channel may (16 384 by default): room for all of them.
const base = { userIdentity: 'bench', maxTarget: MAX_TARGET, nominalHashrate: 0, sharesPerMinute: 10, shareBatchSize: 10, now: NOW, maxSeenShares: 1 << 24 };

function standardShares(allocator: ExtranonceAllocator): () => unknown {
  const ch = new StandardChannel({ ...base, channelId: 1, extranoncePrefix: allocator.allocateStandard() });
  ch.addJob(work(allocator, 12));
  ch.setNewPrevHash(1n, TIP);
  const share = { channelId: 1, sequenceNumber: 0, jobId: 1, nonce: 0, ntime: NOW, version: 0x20000000 };
  return () => {
    share.nonce = (share.nonce + 1) >>> 0;
    share.sequenceNumber = share.nonce;
    const r = ch.validateShare(share, NOW);
    if (!r.ok) throw new Error(r.code);
  };
}

function extendedShares(allocator: ExtranonceAllocator, pathLength: number): () => unknown {
  const alloc = allocator.allocateExtended(8);
  const ch = new ExtendedChannel({ ...base, channelId: 2, extranoncePrefix: alloc.extranoncePrefix, extranonceSize: alloc.extranonceSize });
  ch.addJob(work(allocator, pathLength));
  ch.setNewPrevHash(1n, TIP);
  const extranonce = new Uint8Array(alloc.extranonceSize);
  const view = new DataView(extranonce.buffer);
  const share = { channelId: 2, sequenceNumber: 0, jobId: 1, nonce: 0, ntime: NOW, version: 0x20000000, extranonce };
  let n = 0;
  return () => {
    n++;
    view.setUint32(0, n, true);
    share.sequenceNumber = n >>> 0;
    const r = ch.validateShare(share, NOW);
    if (!r.ok) throw new Error(r.code);
  };
}

export default function channelsSuite(): BenchResult[] {
  const allocator = ExtranonceAllocator.forPool({ totalLength: 16, maxChannels: 65_536, serverId: 1 });
  const results = [
    measure('channels', 'validate standard share (accepted, sha256d)', standardShares(allocator)),
    measure('channels', 'validate extended share (accepted, empty path)', extendedShares(allocator, 0)),
    measure('channels', 'validate extended share (accepted, 12-hash path)', extendedShares(allocator, 12)),
  ];

  const channels = Array.from(
    { length: 1000 },
    (_, i) => new StandardChannel({ ...base, channelId: 100 + i, extranoncePrefix: allocator.allocateStandard() }),
  );
  for (const ch of channels) ch.addJob(work(allocator, 12));
  for (const ch of channels) ch.setNewPrevHash(1n, TIP);
  const next = template(12);
  next.futureTemplate = false;
  const perTemplate = measure(
    'channels',
    'jobs for 1 000 standard channels from one template (12-hash path)',
    () => {
      const w = workFromTemplate(next, { rewardScript: PAYOUT, tag: coinbaseTag('bench-pool'), fullExtranonceSize: allocator.totalLength });
      for (const ch of channels) ch.addJob(w);
    },
    { roundMs: 500, rounds: 5 },
  );
  perTemplate.extra = { ms: (perTemplate.nsPerOp / 1e6).toFixed(2) };
  results.push(perTemplate);
  results.push(measure('channels', 'work from a template (coinbase build)', () => workFromTemplate(next, { rewardScript: PAYOUT, tag: coinbaseTag('bench-pool'), fullExtranonceSize: 16 })));
  return results;
}
