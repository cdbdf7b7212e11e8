/**
 * Test helpers for the translator: a scripted pool side that records what the translator sends
 * and checks forwarded shares the way a pool does (straight from the Sv2 coinbase/merkle/header
 * rules with node:crypto, independent of src/sv1), and an Sv1 miner (the real Sv1Client) that
 * mines shares meeting — or deliberately missing — a target.
 */
import { expect } from 'vitest';
import type { MessageName, Messages } from '../../src/messages/index.js';
import { Sv1Client, hashMeetsTarget, parseClientLine, sv1ShareHeader } from '../../src/sv1/index.js';
import type { Sv1ClientEvent, Sv1ClientOptions, Sv1Job, Sv1Share } from '../../src/sv1/index.js';
import type { UpstreamLink } from '../../src/roles/common/upstream.js';

import { referenceExtendedHeader, sha256d } from './reference-header.js';

export { sha256d };

export interface SentMessage {
  name: MessageName;
  message: unknown;
}

/** The pool side of the core's UpstreamLink: records every message the translator sends. */
export class RecordingPool implements UpstreamLink {
  readonly sent: SentMessage[] = [];

  send<N extends MessageName>(name: N, message: Messages[N]): void {
    this.sent.push({ name, message: structuredClone(message) });
  }

  all<N extends MessageName>(name: N): Messages[N][] {
    return this.sent.filter((m) => m.name === name).map((m) => m.message as Messages[N]);
  }

  last<N extends MessageName>(name: N): Messages[N] {
    const list = this.all(name);
    expect(list.length, `${name} was sent`).toBeGreaterThan(0);
    return list[list.length - 1]!;
  }

  clear(): void {
    this.sent.length = 0;
  }
}

/** A coinbase split the way SRI's pool splits it (prefix up to the extranonce push, suffix after). */
export function sampleJob(channelId: number, jobId: number, minNtime: number | null, tag = 0): Messages['NewExtendedMiningJob'] {
  const prefix = Buffer.from(`02000000010000000000000000000000000000000000000000000000000000000000000000ffffffff2503${(0x10 + tag).toString(16).padStart(2, '0')}0000`, 'hex');
  const suffix = Buffer.from('ffffffff0100f2052a01000000160014000102030405060708090a0b0c0d0e0f1011121300000000', 'hex');
  return {
    channelId,
    jobId,
    minNtime,
    version: 0x20000000,
    versionRollingAllowed: true,
    merklePath: [new Uint8Array(32).fill(0x11 + tag), new Uint8Array(32).fill(0x22)],
    coinbaseTxPrefix: new Uint8Array(prefix),
    coinbaseTxSuffix: new Uint8Array(suffix),
  };
}

/** The header a pool rebuilds for a SubmitSharesExtended (spec §7.2). */
export const poolHeader = referenceExtendedHeader;

/** A miner's lines, fed to whatever carries them (the core directly, or a socket). */
export class MinerModel {
  readonly client: Sv1Client;
  readonly events: Sv1ClientEvent[] = [];
  readonly received: string[] = [];
  private nonce = Math.floor(Math.random() * 2 ** 31);

  constructor(options: Partial<Sv1ClientOptions> = {}) {
    this.client = new Sv1Client({ userAgent: 'test-miner/1.0', username: 'acct.worker1', ...options });
  }

  /** Feeds one server line; returns the lines the miner answers with. */
  receive(line: string): string[] {
    this.received.push(line);
    const step = this.client.receive(line);
    this.events.push(...step.events);
    return step.send;
  }

  eventsOf<T extends Sv1ClientEvent['type']>(type: T): Extract<Sv1ClientEvent, { type: T }>[] {
    return this.events.filter((e) => e.type === type) as Extract<Sv1ClientEvent, { type: T }>[];
  }

  get job(): Sv1Job {
    const job = this.client.latestJob;
    if (job === null) throw new Error('no job yet');
    return job;
  }

  /**
   * Searches nonces for a share whose hash meets `target` (or, with `miss`, one that does not),
   * returning the submit line. Version bits, when given, are rolled under the granted mask.
   */
  findShare(target: Uint8Array, opts: { miss?: boolean; versionBits?: number; job?: Sv1Job; extranonce2?: Uint8Array; maxTries?: number } = {}): { line: string; share: Sv1Share; hash: Buffer } {
    const job = opts.job ?? this.job;
    const extranonce1 = this.client.extranonce1!;
    const extranonce2 = opts.extranonce2 ?? new Uint8Array(this.client.extranonce2Size).fill(0xab);
    const mask = this.client.versionMask ?? 0;
    for (let i = 0; i < (opts.maxTries ?? 1 << 22); i++) {
      const nonce = this.nonce++ >>> 0;
      const share: Sv1Share = { workerName: 'acct.worker1', jobId: job.jobId, extranonce2, ntime: job.ntime, nonce, versionBits: opts.versionBits ?? null };
      const hash = sha256d(sv1ShareHeader(job, extranonce1, share, mask));
      if (hashMeetsTarget(hash, target) !== (opts.miss === true)) {
        const { line } = this.client.submit(share);
        return { line, share, hash };
      }
    }
    throw new Error('no share found');
  }
}

/** Parses a line a miner would send (for feeding the core directly). */
export const fromMiner = parseClientLine;
