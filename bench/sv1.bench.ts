/** Sv1 wire costs: parse a share, build a job, frame lines, check a share; and bytes on the wire. */
import { readFileSync } from 'node:fs';
import { measure } from './harness.js';
import type { BenchResult, Suite } from './harness.js';
import {
  LineSplitter,
  buildNotify,
  buildResult,
  buildSubmit,
  difficultyToTarget,
  hashMeetsTarget,
  hexToBytesOrNull,
  parseClientLine,
  parseServerLine,
  sha256d,
  sv1ShareHeader,
} from '../src/sv1/index.js';

const fixtures = JSON.parse(readFileSync(new URL('../test/data/sv1/real-shares.json', import.meta.url), 'utf8')) as Record<string, { notify: string; submit: string; extranonce1: string }>;

const suite: Suite = () => {
  const results: BenchResult[] = [];

  // A real 12-branch mainnet job (ESP-Miner's slush fixture) and a real Bitaxe share (public-pool's).
  const jobMessage = parseServerLine(fixtures.espMinerNotifyMerkleRoot!.notify);
  if (jobMessage.type !== 'notify') throw new Error('fixture is not a notify');
  const job = jobMessage.job;
  const shareFixture = fixtures.publicPoolBitaxeTestnet!;
  const share = parseClientLine(shareFixture.submit);
  if (share.type !== 'submit') throw new Error('fixture is not a submit');
  const submitLine = buildSubmit(100, share.share);
  const shareJob = parseServerLine(shareFixture.notify);
  if (shareJob.type !== 'notify') throw new Error('fixture is not a notify');
  const extranonce1 = hexToBytesOrNull(shareFixture.extranonce1)!;

  const notifyLine = buildNotify(job);
  const shareResponse = buildResult(100, true);
  const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

  results.push(measure('sv1', 'parse mining.submit line (6 params)', () => parseClientLine(submitLine)));
  results.push(measure('sv1', 'parse mining.notify line (12 branches)', () => parseServerLine(notifyLine)));
  const build = measure('sv1', 'build mining.notify line (12 branches)', () => buildNotify(job));
  build.extra = { jobBytes: bytes(notifyLine), merkleBranches: job.merkleBranches.length };
  results.push(build);
  const buildShare = measure('sv1', 'build mining.submit line', () => buildSubmit(100, share.share));
  buildShare.extra = { submitBytes: bytes(submitLine), responseBytes: bytes(shareResponse), shareBytes: bytes(submitLine) + bytes(shareResponse) };
  results.push(buildShare);

  const wire = new TextEncoder().encode(submitLine.repeat(64));
  const framing = measure('sv1', 'LineSplitter: 64 submit lines in one chunk (per line)', () => new LineSplitter().push(wire));
  results.push({ ...framing, nsPerOp: framing.nsPerOp / 64, opsPerSec: framing.opsPerSec * 64 });

  const target = difficultyToTarget(512);
  results.push(
    measure('sv1', 'check a share: rebuild header (3 branches) + sha256d + target', () =>
      hashMeetsTarget(sha256d(sv1ShareHeader(shareJob.job, extranonce1, share.share, 0x1fffe000)), target),
    ),
  );
  return results;
};

export default suite;
