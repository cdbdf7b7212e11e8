/**
 * The message sequences real firmware sends (test/data/sv1/*.replay: cpuminer, cgminer, Bitaxe
 * ESP-Miner and public-pool's Bitaxe recording, plus the quirks file), replayed byte for byte
 * against the running translator with the real pool behind it. Every request must get exactly
 * one answer, in order, with its own id and a sensible result; submits (re-pointed at the
 * translator's current job) must be answered exactly as an independent check of the share says.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthorityKeyPair } from '../../../src/noise/authority-key.js';
import type { RunningTranslator } from '../../../src/roles/translator/translator.js';
import {
  LineSplitter,
  SV1_ERROR,
  buildSubmit,
  bytesToHex,
  difficultyToTarget,
  hashMeetsTarget,
  hexToBytesOrNull,
  parseServerLine,
  readConfigureResult,
  readSubscribeResult,
  sv1ShareHeader,
} from '../../../src/sv1/index.js';
import type { Sv1Job, Sv1Response, Sv1ServerMessage, Sv1Share } from '../../../src/sv1/index.js';
import { startPool, startTestTranslator } from '../../support/translator-stack.js';
import type { RunningPool } from '../../support/translator-stack.js';
import { sha256d } from '../../support/translator.js';

const DIR = new URL('../../data/sv1/', import.meta.url);
const authority = AuthorityKeyPair.generate();

interface ReplayLine {
  direction: '>' | '<';
  type: string;
  json: string;
}

function readReplay(name: string): ReplayLine[] {
  return readFileSync(new URL(name, DIR), 'utf8')
    .split('\n')
    .filter((text) => text.trim() !== '' && !text.startsWith('#'))
    .map((text) => {
      const m = /^([<>]) (\S+) (.*)$/.exec(text)!;
      return { direction: m[1] as '>' | '<', type: m[2]!, json: m[3]! };
    });
}

/** A raw Sv1 connection that keeps every server line and lets a test await the next answer. */
class LineClient {
  readonly lines: Sv1ServerMessage[] = [];
  private cursor = 0;
  private wake: (() => void) | null = null;
  closed = false;

  constructor(readonly socket: Socket) {
    const splitter = new LineSplitter();
    socket.on('data', (chunk: Buffer) => {
      for (const line of splitter.push(chunk)) this.lines.push(parseServerLine(line));
      this.wake?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
    socket.on('error', () => undefined);
  }

  static async open(port: number): Promise<LineClient> {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new LineClient(socket);
  }

  /** The next response (notifications before it are kept in `lines`). */
  async nextResponse(): Promise<Sv1Response> {
    for (;;) {
      while (this.cursor < this.lines.length) {
        const m = this.lines[this.cursor++]!;
        if (m.type === 'response') return m;
      }
      if (this.closed) throw new Error('connection closed while waiting for an answer');
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
    }
  }

  /** A notify other than `jobId`, among every line received (waiting for one if none has come). */
  async jobOtherThan(jobId: string): Promise<Sv1Job> {
    for (;;) {
      const job = this.lines.findLast((m): m is Extract<Sv1ServerMessage, { type: 'notify' }> => m.type === 'notify')?.job;
      if (job !== undefined && job.jobId !== jobId) return job;
      if (this.closed) throw new Error('connection closed while waiting for a job');
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
    }
  }

  /** The newest notify and the difficulty in force when it came, among the lines seen so far. */
  latest(): { job: Sv1Job | null; difficulty: number; easiest: number } {
    let job: Sv1Job | null = null;
    let difficulty = 1;
    let easiest = Infinity;
    for (const m of this.lines.slice(0, this.cursor)) {
      if (m.type === 'set-difficulty') {
        difficulty = m.difficulty;
        easiest = Math.min(easiest, difficulty);
      }
      if (m.type === 'notify') job = m.job;
    }
    return { job, difficulty, easiest };
  }
}

let pool: RunningPool;
let translator: RunningTranslator;

beforeAll(async () => {
  pool = await startPool(authority);
  translator = await startTestTranslator([{ port: pool.port, authority }]);
});
afterAll(async () => {
  await translator?.close();
  await pool?.pool.close();
});

const replays = readdirSync(DIR).filter((f) => f.endsWith('.replay'));

describe('firmware replays against the running translator', () => {
  it('has cpuminer, cgminer, Bitaxe and the quirks', () => {
    expect(replays.sort()).toEqual(['bitaxe-esp-miner-2.x.replay', 'bitaxe-v2.2-public-pool.replay', 'cgminer-4.x.replay', 'cpuminer-2.5.replay', 'quirks.replay']);
  });

  for (const name of replays) {
    it(`${name}: one answer per request, in order, and honest share answers`, async () => {
      const c = await LineClient.open(translator.sv1Port);
      let extranonce1: Uint8Array | null = null;
      let mask = 0;
      const accepted = new Set<string>();
      let submits = 0;
      for (const line of readReplay(name).filter((l) => l.direction === '>')) {
        const request = JSON.parse(line.json) as { id: number | string | null; params?: unknown[] };
        let text = line.json;
        let expectedShare: 'accept' | 'low' | 'either' | 'duplicate' | null = null;
        if (line.type === 'submit') {
          const { job, difficulty, easiest } = c.latest();
          if (job !== null && extranonce1 !== null) {
            // point the firmware's share at the translator's job and extranonce2 size; nonce and version bits stay
            const params = [...request.params!] as string[];
            params[1] = job.jobId;
            params[2] = String(params[2]).slice(0, 8).padStart(8, '0');
            params[3] = job.ntime.toString(16).padStart(8, '0'); // firmware starts from the job's ntime
            text = JSON.stringify({ ...request, params });
            const bits = params[5] == null ? null : parseInt(String(params[5]), 16) >>> 0;
            const share: Sv1Share = { workerName: '', jobId: job.jobId, extranonce2: hexToBytesOrNull(params[2])!, ntime: parseInt(params[3]!, 16), nonce: parseInt(params[4]!, 16), versionBits: bits };
            const hash = sha256d(sv1ShareHeader(job, extranonce1, share, mask));
            const key = bytesToHex(hash);
            if (hashMeetsTarget(hash, difficultyToTarget(difficulty))) expectedShare = accepted.has(key) ? 'duplicate' : 'accept';
            else expectedShare = hashMeetsTarget(hash, difficultyToTarget(easiest)) ? 'either' : 'low';
            if (expectedShare === 'accept') accepted.add(key);
          }
          submits++;
        }
        c.socket.write(text + '\n');
        if (line.type === 'response' || request.id === null || request.id === undefined) continue;

        const answer = await c.nextResponse();
        expect(answer.id, `${name}: ${line.json}`).toEqual(request.id);
        switch (line.type) {
          case 'subscribe': {
            const result = readSubscribeResult(answer.result);
            expect(result.extranonce1).toHaveLength(2);
            expect(result.extranonce2Size).toBe(4);
            if (extranonce1 !== null) expect(bytesToHex(result.extranonce1)).toBe(bytesToHex(extranonce1)); // kept on a repeated subscribe
            extranonce1 = result.extranonce1;
            break;
          }
          case 'configure': {
            const result = readConfigureResult(answer.result);
            if (result.versionRollingMask !== null) {
              expect(result.versionRollingMask & ~0x1fffffe0).toBe(0);
              mask = result.versionRollingMask;
            }
            break;
          }
          case 'authorize':
          case 'suggest-difficulty':
          case 'suggest-target':
          case 'extranonce-subscribe':
            expect(answer).toMatchObject({ result: true, error: null });
            break;
          case 'unknown-request':
            expect(answer.error?.code).toBe(SV1_ERROR.METHOD_NOT_FOUND);
            break;
          case 'submit':
            if (expectedShare === 'accept') expect(answer).toMatchObject({ result: true, error: null });
            else if (expectedShare === 'low') expect(answer.error?.code).toBe(SV1_ERROR.LOW_DIFFICULTY);
            else if (expectedShare === 'duplicate') expect(answer.error?.code).toBe(SV1_ERROR.DUPLICATE_SHARE);
            else if (expectedShare === null) expect(answer.result).not.toBe(true); // before a job: never a silent true
            break;
          default:
            throw new Error(`unexpected replay type ${line.type}`);
        }
      }
      expect(submits).toBeGreaterThan(0);
      // the session the firmware set up mines: back to a CPU-sized difficulty, a real share is accepted
      c.socket.write('{"id":9998,"method":"mining.suggest_difficulty","params":[5.9604644775390625e-8]}\n');
      expect(await c.nextResponse()).toMatchObject({ id: 9998, result: true });
      const { job, difficulty } = c.latest();
      expect(job).not.toBeNull();
      if (name === 'quirks.replay') {
        expect(difficulty).toBe(2048); // its configure asked for minimum-difficulty 2048: the floor holds
      } else {
        expect(difficulty).toBe(2 ** -24);
        const target = difficultyToTarget(difficulty);
        // At this difficulty a share also meets the regtest chain's target: a replayed share may have
        // made a block whose new tip, announced after the answer above, makes this job stale. Then the
        // honest answer is "stale", and the miner's next share goes on the new tip's job.
        let mined = job!;
        for (let attempt = 0; ; attempt++) {
          let nonce = 0;
          let share: Sv1Share | undefined;
          for (; nonce < 1 << 20 && share === undefined; nonce++) {
            const s: Sv1Share = { workerName: 'replay', jobId: mined.jobId, extranonce2: Uint8Array.of(9, 9, 9, 9), ntime: mined.ntime, nonce, versionBits: null };
            if (hashMeetsTarget(sha256d(sv1ShareHeader(mined, extranonce1!, s, mask)), target)) share = s;
          }
          expect(share).toBeDefined();
          c.socket.write(buildSubmit(9999, share!));
          const answer = await c.nextResponse();
          if (answer.error?.code === SV1_ERROR.JOB_NOT_FOUND && attempt < 2) {
            mined = await c.jobOtherThan(mined.jobId);
            continue;
          }
          expect(answer).toMatchObject({ id: 9999, result: true, error: null });
          break;
        }
      }
      expect(c.closed).toBe(false);
      c.socket.destroy();
    });
  }
});
