/**
 * The work a JD client's devices mine, built from its own templates: solo (the whole reward to
 * coinbase_reward_script) or for a pool (the pool's outputs from AllocateMiningJobToken.Success,
 * its payout output funded with the reward). Pure.
 *
 * Extranonce layout of pool work, as the pool rebuilds the coinbase from SetCustomMiningJob:
 *
 *   scriptSig = coinbase_prefix ‖ upstream channel prefix ‖ pad (zeros) ‖ device prefix ‖ device rolls
 *               └────── the devices' coinbase prefix ─────────────────┘ └── downstream extranonce ──┘
 *
 * Solo work has no upstream part: the device extranonce is the whole extranonce.
 */
import { BitcoinDecodeError, ByteReader, concatBytes, equalBytes } from '../../bitcoin/bytes.js';
import type { TxOut } from '../../bitcoin/tx.js';
import { ChannelError } from '../../channels/errors.js';
import { workFromTemplate, type Work } from '../../channels/work.js';
import type { Messages } from '../../messages/registry.js';

/** What pool work was made against: one upstream channel of one connection. */
export interface UpstreamBasis {
  /** which upstream connection (a new one after every connect) */
  readonly epoch: number;
  readonly channelId: number;
  readonly extranoncePrefix: Uint8Array;
  /** the extranonce bytes the pool lets us roll after its prefix */
  readonly extranonceSize: number;
  /** the pool's outputs, its payout output first */
  readonly outputs: readonly TxOut[];
}

export interface PoolPart {
  readonly basis: UpstreamBasis;
  /** the coinbase as the pool rebuilds it (its full extranonce between prefix and suffix) */
  readonly base: Work;
  /** upstream channel prefix ‖ pad: the start of the pool's full extranonce, fixed per channel */
  readonly fixed: Uint8Array;
  /** the pad alone: what goes before a device's extranonce in SubmitSharesExtended */
  readonly pad: Uint8Array;
}

export interface JdcWork extends Work {
  readonly templateId: bigint;
  /** null for solo work */
  readonly pool: PoolPart | null;
}

export interface JobOptions {
  /** scriptSig tag (jdc_signature) */
  tag: Uint8Array;
  /** every device channel's extranonce bytes */
  deviceExtranonceSize: number;
}

/** The whole reward to our own script. */
export function soloWork(t: Messages['NewTemplate'], rewardScript: Uint8Array, o: JobOptions): JdcWork {
  const w = workFromTemplate(t, { rewardScript, tag: o.tag, fullExtranonceSize: o.deviceExtranonceSize });
  return { ...w, templateId: t.templateId, pool: null };
}

/**
 * Work for a pool: its payout output takes what its other outputs leave of the reward (spec: the
 * JDC must fund it to be paid), the rest of its outputs as they came.
 */
export function poolWork(t: Messages['NewTemplate'], basis: UpstreamBasis, o: JobOptions): JdcWork {
  if (basis.extranonceSize < o.deviceExtranonceSize) {
    throw new ChannelError('invalid-extranonce-size', `the pool grants ${basis.extranonceSize} extranonce bytes, the devices need ${o.deviceExtranonceSize}`);
  }
  const [payout, ...rest] = basis.outputs;
  if (payout === undefined) throw new ChannelError('invalid-coinbase-outputs', 'the pool named no payout output');
  const others = rest.reduce((s, out) => s + out.value, 0n);
  if (others > t.coinbaseTxValueRemaining) throw new ChannelError('invalid-coinbase-outputs', `the pool's outputs ask ${others} sat, the template pays ${t.coinbaseTxValueRemaining}`);
  const outputs = [{ value: t.coinbaseTxValueRemaining - others, script: payout.script }, ...rest];
  const base = workFromTemplate(t, { outputs, tag: o.tag, fullExtranonceSize: basis.extranoncePrefix.length + basis.extranonceSize });
  const pad = new Uint8Array(basis.extranonceSize - o.deviceExtranonceSize);
  const fixed = concatBytes(basis.extranoncePrefix, pad);
  const c = base.coinbase;
  return {
    ...base,
    templateId: t.templateId,
    coinbase: {
      prefix: concatBytes(c.prefix, fixed),
      suffix: c.suffix,
      strippedPrefix: concatBytes(c.strippedPrefix, fixed),
      strippedSuffix: c.strippedSuffix,
      extranonceSize: o.deviceExtranonceSize,
      segwit: c.segwit,
    },
    pool: { basis, base, fixed, pad },
  };
}

/** The same outputs, in the same order. */
export function sameOutputs(a: readonly TxOut[], b: readonly TxOut[]): boolean {
  return a.length === b.length && a.every((o, i) => o.value === b[i]!.value && equalBytes(o.script, b[i]!.script));
}

/** AllocateMiningJobToken.Success.coinbase_tx_outputs: a CompactSize-prefixed vector of TxOuts. */
export function parsePoolOutputs(bytes: Uint8Array): TxOut[] {
  try {
    const r = new ByteReader(bytes);
    const count = r.compactSize('output count', 1_000);
    const outs: TxOut[] = [];
    for (let i = 0; i < count; i++) outs.push({ value: r.u64('output value'), script: r.varBytes('output script').slice() });
    if (r.remaining !== 0) throw new BitcoinDecodeError(`${r.remaining} trailing bytes`);
    return outs;
  } catch (e) {
    if (e instanceof BitcoinDecodeError) throw new ChannelError('invalid-coinbase-outputs', `the pool's coinbase outputs: ${e.message}`);
    throw e;
  }
}
