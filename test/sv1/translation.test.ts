import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BIP320_VERSION_MASK,
  BIP323_VERSION_MASK,
  Sv1ProtocolError,
  buildNotify,
  bytesToHex,
  hexToBytesOrNull,
  parseClientLine,
  parseServerLine,
  rolledVersion,
  sv1Extranonce2Size,
  sv1JobFromSv2,
  sv1MerkleRoot,
  sv1ShareHeader,
  sv2ShareFromSv1,
} from '../../src/sv1/index.js';
import { difficultyFromHash } from '../../src/bitcoin/target.js';
import { referenceExtendedHeader, sha256d } from '../support/reference-header.js';
import type { Sv1Job, Sv1Share, Sv2ExtendedJobFields, Sv2PrevHashFields } from '../../src/sv1/index.js';

// An implementation independent of src/sv1: straight from the Sv2 spec's coinbase/merkle/header rules.
const sv2Header = referenceExtendedHeader;

/** Display form of a hash (big-endian hex), as block explorers show it. */
const display = (hash: Uint8Array): string => bytesToHex(Uint8Array.from(hash).reverse());

const hex = (s: string): Uint8Array => {
  const b = hexToBytesOrNull(s);
  if (b === null) throw new Error(`bad hex in test: ${s}`);
  return b;
};

interface Fixture {
  source: string;
  extranonce1: string;
  extranonce2Size: number;
  versionMask?: string;
  notify: string;
  submit?: string;
  [key: string]: unknown;
}
const fixtures = JSON.parse(readFileSync(new URL('../data/sv1/real-shares.json', import.meta.url), 'utf8')) as Record<string, Fixture>;

function load(name: string): { fixture: Fixture; job: Sv1Job; share: Sv1Share; mask: number } {
  const fixture = fixtures[name]!;
  const notify = parseServerLine(fixture.notify);
  if (notify.type !== 'notify') throw new Error('fixture notify');
  const submit = parseClientLine(fixture.submit ?? '', { extranonce2Size: fixture.extranonce2Size });
  if (submit.type !== 'submit') throw new Error('fixture submit');
  return { fixture, job: notify.job, share: submit.share, mask: parseInt(fixture.versionMask ?? '0', 16) };
}

describe('Sv1 header rebuild against real work', () => {
  it('reproduces mainnet block 1 exactly (hash, merkle root, prev hash)', () => {
    const { fixture, job, share, mask } = load('mainnetBlock1');
    expect(display(job.prevHash)).toBe(fixture.previousBlockHash);
    expect(display(sv1MerkleRoot(job, hex(fixture.extranonce1), share.extranonce2))).toBe(fixture.merkleRoot);
    const header = sv1ShareHeader(job, hex(fixture.extranonce1), share, mask);
    expect(display(sha256d(header))).toBe(fixture.blockHash);
  });

  it("reproduces the Bitaxe share public-pool accepted at difficulty 512, with version rolling", () => {
    const { fixture, job, share, mask } = load('publicPoolBitaxeTestnet');
    expect(display(job.prevHash)).toBe(fixture.previousBlockHash);
    // the first branch is the first template transaction's txid, in internal order
    expect(display(job.merkleBranches[0]!)).toBe(fixture.firstTxid);
    const hash = sha256d(sv1ShareHeader(job, hex(fixture.extranonce1), share, mask));
    expect(difficultyFromHash(hash)).toBeGreaterThanOrEqual(fixture.minDifficulty as number);
    // without the rolled bit the same share is worthless: the version bits are really used
    const unrolled = sha256d(sv1ShareHeader(job, hex(fixture.extranonce1), { ...share, versionBits: null }, mask));
    expect(difficultyFromHash(unrolled)).toBeLessThan(1);
  });

  it("reproduces ESP-Miner's slush share: merkle root and difficulty 683", () => {
    const { fixture, job, share, mask } = load('espMinerSlushShare');
    expect(job.merkleBranches).toHaveLength(13);
    expect(bytesToHex(sv1MerkleRoot(job, hex(fixture.extranonce1), share.extranonce2))).toBe(fixture.merkleRoot);
    const difficulty = difficultyFromHash(sha256d(sv1ShareHeader(job, hex(fixture.extranonce1), share, mask)));
    expect(Math.floor(difficulty)).toBe(fixture.shareDifficultyFloor);
  });

  it("reproduces ESP-Miner's 12-branch notify: header-order prev hash and merkle root", () => {
    const fixture = fixtures.espMinerNotifyMerkleRoot!;
    const notify = parseServerLine(fixture.notify);
    if (notify.type !== 'notify') throw new Error('fixture notify');
    expect(bytesToHex(notify.job.prevHash)).toBe(fixture.prevHashHeaderOrder);
    expect(bytesToHex(sv1MerkleRoot(notify.job, hex(fixture.extranonce1), hex(fixture.extranonce2 as string)))).toBe(fixture.merkleRoot);
  });
});

describe('Sv2 extended job → mining.notify → mining.submit → SubmitSharesExtended', () => {
  // public-pool's job seen as an Sv2 extended channel: 2 bytes of its extranonce1 are the
  // channel's extranonce_prefix, the other 2 are the translator's per-miner extranonce1.
  const { fixture, job: original, share } = load('publicPoolBitaxeTestnet');
  const fullExtranonce1 = hex(fixture.extranonce1);
  const channelPrefix = fullExtranonce1.subarray(0, 2);
  const minerExtranonce1 = fullExtranonce1.subarray(2);
  const sv2Job: Sv2ExtendedJobFields = {
    jobId: 1,
    minNtime: null,
    version: original.version,
    versionRollingAllowed: true,
    merklePath: original.merkleBranches,
    coinbaseTxPrefix: original.coinb1,
    coinbaseTxSuffix: original.coinb2,
  };
  const prev: Sv2PrevHashFields = { prevHash: original.prevHash, minNtime: original.ntime, nbits: original.nbits };

  it('builds the same mining.notify line public-pool sent', () => {
    const job = sv1JobFromSv2(sv2Job, prev, { extranoncePrefix: channelPrefix, jobId: '1', cleanJobs: false });
    expect(job.coinb1).toEqual(new Uint8Array([...original.coinb1, ...channelPrefix]));
    // public-pool's line carried the whole extranonce1 in extranonce1, so compare all but coinb1
    const ours = buildNotify({ ...job, coinb1: original.coinb1 });
    expect(ours).toBe(`${fixture.notify}\n`);
  });

  it('maps the share to Sv2 fields whose header and hash equal the Sv1 ones', () => {
    const job = sv1JobFromSv2(sv2Job, prev, { extranoncePrefix: channelPrefix, jobId: '1', cleanJobs: false });
    const mask = BIP320_VERSION_MASK;
    const sv2Share = sv2ShareFromSv1(share, { extranonce1: minerExtranonce1, channelExtranonceSize: 6, jobVersion: sv2Job.version, versionMask: mask });
    expect(sv2Share).toEqual({ extranonce: hex('f098c7080000'), version: 0x20002000, ntime: 0x64b3f3ec, nonce: 0xed460d91 });
    const fromSv1 = sv1ShareHeader(job, minerExtranonce1, share, mask);
    const fromSv2 = sv2Header(sv2Job, prev, channelPrefix, sv2Share);
    expect(bytesToHex(fromSv1)).toBe(bytesToHex(fromSv2));
    expect(difficultyFromHash(sha256d(fromSv2))).toBeGreaterThanOrEqual(512);
  });

  it('round-trips the notify through the wire and keeps the ntime choices', () => {
    const job = sv1JobFromSv2({ ...sv2Job, minNtime: 0x64b3f000 }, prev, { extranoncePrefix: channelPrefix, jobId: 'a7', cleanJobs: true });
    expect(job.ntime).toBe(0x64b3f000);
    const parsed = parseServerLine(buildNotify(job));
    expect(parsed).toEqual({ type: 'notify', id: null, job });
    expect(sv1JobFromSv2(sv2Job, prev, { extranoncePrefix: channelPrefix, jobId: 'a8', cleanJobs: true, ntime: 0x64b3f400 }).ntime).toBe(0x64b3f400);
    expect(sv1JobFromSv2(sv2Job, prev, { extranoncePrefix: channelPrefix, jobId: 'a9', cleanJobs: true }).ntime).toBe(prev.minNtime);
  });

  it('refuses a share whose extranonce does not fill the channel, and impossible layouts', () => {
    const context = { extranonce1: minerExtranonce1, channelExtranonceSize: 8, jobVersion: 0x20000000, versionMask: 0 };
    expect(() => sv2ShareFromSv1(share, context)).toThrow(Sv1ProtocolError);
    expect(sv1Extranonce2Size(8, 4)).toBe(4);
    for (const [size, en1] of [
      [4, 4],
      [4, 5],
      [40, 2],
      [4, -1],
    ] as const) {
      expect(() => sv1Extranonce2Size(size, en1)).toThrow(Sv1ProtocolError);
    }
    expect(() => sv1JobFromSv2({ ...sv2Job, merklePath: [new Uint8Array(31)] }, prev, { extranoncePrefix: channelPrefix, jobId: 'x', cleanJobs: false })).toThrow(Sv1ProtocolError);
  });

  it('agrees with the Sv2 path for any job, extranonce split, mask and share', () => {
    const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
    fc.assert(
      fc.property(
        fc.record({
          prefix: bytes(0, 60),
          suffix: bytes(0, 60),
          path: fc.array(bytes(32, 32), { maxLength: 4 }),
          prevHash: bytes(32, 32),
          channelPrefix: bytes(0, 8),
          extranonce1: bytes(0, 4),
          extranonce2: bytes(1, 8),
          version: fc.nat({ max: 0xffffffff }),
          versionBits: fc.option(fc.nat({ max: 0xffffffff })),
          mask: fc.constantFrom(0, BIP320_VERSION_MASK, BIP323_VERSION_MASK),
          nbits: fc.nat({ max: 0xffffffff }),
          ntime: fc.nat({ max: 0xffffffff }),
          nonce: fc.nat({ max: 0xffffffff }),
        }),
        (c) => {
          const job2: Sv2ExtendedJobFields = { jobId: 9, version: c.version, versionRollingAllowed: true, merklePath: c.path, coinbaseTxPrefix: c.prefix, coinbaseTxSuffix: c.suffix };
          const prev2: Sv2PrevHashFields = { prevHash: c.prevHash, minNtime: c.ntime, nbits: c.nbits };
          const line = buildNotify(sv1JobFromSv2(job2, prev2, { extranoncePrefix: c.channelPrefix, jobId: '9', cleanJobs: true }));
          const notify = parseServerLine(line);
          if (notify.type !== 'notify') throw new Error('notify expected');
          const s1: Sv1Share = { workerName: 'w', jobId: '9', extranonce2: c.extranonce2, ntime: c.ntime, nonce: c.nonce, versionBits: c.versionBits };
          const submit = parseClientLine(`{"id":1,"method":"mining.submit","params":${JSON.stringify(['w', '9', bytesToHex(c.extranonce2), c.ntime.toString(16).padStart(8, '0'), c.nonce.toString(16).padStart(8, '0'), ...(c.versionBits === null ? [] : [c.versionBits.toString(16).padStart(8, '0')])])}}`);
          if (submit.type !== 'submit') throw new Error('submit expected');
          expect(submit.share).toEqual(s1);
          const sv2Share = sv2ShareFromSv1(submit.share, { extranonce1: c.extranonce1, channelExtranonceSize: c.extranonce1.length + c.extranonce2.length, jobVersion: c.version, versionMask: c.mask });
          // BIP310, computed here independently of src/sv1
          const expectedVersion = c.versionBits === null ? c.version : ((c.version & ~c.mask) | (c.versionBits & c.mask)) >>> 0;
          expect(sv2Share.version).toBe(expectedVersion);
          expect(sv2Share.extranonce).toEqual(new Uint8Array([...c.extranonce1, ...c.extranonce2]));
          expect(bytesToHex(sv1ShareHeader(notify.job, c.extranonce1, submit.share, c.mask))).toBe(bytesToHex(sv2Header(job2, prev2, c.channelPrefix, sv2Share)));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('version rolling (BIP310)', () => {
  it('takes the masked bits from the miner and the rest from the job', () => {
    expect(rolledVersion(0x20000000, 0x00002000, BIP320_VERSION_MASK)).toBe(0x20002000);
    expect(rolledVersion(0x20000004, 0x1fffffe0, BIP323_VERSION_MASK)).toBe(0x3fffffe4);
    // bits outside the mask are ignored, bits of the job under the mask are replaced
    expect(rolledVersion(0x20400000, 0xe0000010, BIP320_VERSION_MASK)).toBe(0x20000000);
    expect(rolledVersion(0x20000000, null, BIP323_VERSION_MASK)).toBe(0x20000000);
    expect(rolledVersion(0xffffffff, 0, 0)).toBe(0xffffffff);
  });
});
