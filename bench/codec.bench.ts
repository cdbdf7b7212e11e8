import { decodeFrame, encodeFrame } from '../src/messages/index.js';
import type { Messages } from '../src/messages/index.js';
import { measure } from './harness.js';
import type { BenchResult } from './harness.js';

const share: Messages['SubmitSharesStandard'] = { channelId: 1, sequenceNumber: 7, jobId: 42, nonce: 0xdeadbeef, ntime: 0x66000000, version: 0x20000000 };
const hash = (i: number): Uint8Array => new Uint8Array(32).fill(i);
const job: Messages['NewExtendedMiningJob'] = {
  channelId: 1, jobId: 2, minNtime: null, version: 0x20000000, versionRollingAllowed: true,
  merklePath: Array.from({ length: 12 }, (_, i) => hash(i)),
  coinbaseTxPrefix: new Uint8Array(60).fill(1), coinbaseTxSuffix: new Uint8Array(140).fill(2),
};
// About 1 MiB: 32 760 wtxids of 32 bytes plus small coinbase parts.
const declare: Messages['DeclareMiningJob'] = {
  requestId: 1, miningJobToken: new Uint8Array(8), version: 0x20000000,
  coinbaseTxPrefix: new Uint8Array(80), coinbaseTxSuffix: new Uint8Array(200),
  wtxidList: Array.from({ length: 32_760 }, (_, i) => hash(i & 0xff)), excessData: new Uint8Array(0),
};

export default function codecSuite(): BenchResult[] {
  const shareBytes = encodeFrame('SubmitSharesStandard', share);
  const jobBytes = encodeFrame('NewExtendedMiningJob', job);
  const declareBytes = encodeFrame('DeclareMiningJob', declare);
  const mib = (declareBytes.length / 2 ** 20).toFixed(2);
  return [
    measure('codec', 'encode SubmitSharesStandard frame', () => encodeFrame('SubmitSharesStandard', share)),
    measure('codec', 'decode SubmitSharesStandard frame', () => decodeFrame(shareBytes)),
    measure('codec', 'encode NewExtendedMiningJob (12-hash path)', () => encodeFrame('NewExtendedMiningJob', job)),
    measure('codec', 'decode NewExtendedMiningJob (12-hash path)', () => decodeFrame(jobBytes)),
    measure('codec', `encode DeclareMiningJob (${mib} MiB frame)`, () => encodeFrame('DeclareMiningJob', declare), { rounds: 3 }),
    measure('codec', `decode DeclareMiningJob (${mib} MiB frame)`, () => decodeFrame(declareBytes), { rounds: 3 }),
  ];
}
