/**
 * Work: what a template (or a JD client's custom job) becomes once the pool has put its coinbase
 * together. One Work serves every channel with the same full extranonce length: channels differ
 * only in the extranonce bytes between the coinbase prefix and suffix.
 */
import { BitcoinDecodeError, ByteReader, ByteWriter, concatBytes } from '../bitcoin/bytes.js';
import type { CoinbaseParts } from '../bitcoin/coinbase.js';
import { buildCoinbase, MAX_COINBASE_SCRIPTSIG, MAX_EXTRANONCE_SIZE, MIN_COINBASE_SCRIPTSIG } from '../bitcoin/coinbase.js';
import { pushData } from '../bitcoin/script.js';
import type { TxOut } from '../bitcoin/tx.js';
import { parseOutputs } from '../bitcoin/tx.js';
import { findWitnessCommitment, ZERO_WITNESS_RESERVED_VALUE } from '../bitcoin/witness.js';
import type { Messages } from '../messages/registry.js';
import { ChannelError } from './errors.js';

/** The chain tip a custom job commits to. */
export interface CustomJobTip {
  prevHash: Uint8Array;
  nbits: number;
  minNtime: number;
}

export interface Work {
  /** NewTemplate.template_id; null for a custom job. */
  readonly templateId: bigint | null;
  /** A future template: its jobs wait for the SetNewPrevHash naming this template. */
  readonly future: boolean;
  /** Header version (the template's; BIP323 bits free). */
  readonly version: number;
  /** Deepest first. */
  readonly merklePath: readonly Uint8Array[];
  /**
   * The coinbase around the full extranonce: `prefix`/`suffix` keep the BIP141 fields (to build
   * the block), `strippedPrefix`/`strippedSuffix` do not (what miners hash, NewExtendedMiningJob).
   */
  readonly coinbase: CoinbaseParts;
  /** Set for custom jobs: their prev hash, nbits and min ntime. */
  readonly customTip: CustomJobTip | null;
}

export interface CoinbaseOptions {
  /** The full extranonce length the coinbase leaves room for (channel prefix + rolled bytes). */
  fullExtranonceSize: number;
  /** The pool's payout: one output of the whole coinbase_tx_value_remaining to this script... */
  rewardScript?: Uint8Array;
  /** ...or explicit outputs (placed before the template's) that sum to exactly that value. */
  outputs?: readonly TxOut[];
  /** Pushed in the scriptSig after the template's coinbase_prefix: see `coinbaseTag`. */
  tag?: Uint8Array;
}

const encoder = new TextEncoder();

/** SRI's scriptSig tag, "Sv2/<pool>/<miner>/" (empty parts keep their slashes). */
export function coinbaseTag(poolTag = '', minerTag = ''): Uint8Array {
  return encoder.encode(`Sv2/${poolTag}/${minerTag}/`);
}

/**
 * Room left in the 100-byte scriptSig for the template's coinbase_prefix (the spec allows it 8
 * bytes, a BIP34 height takes at most 5) once the tag and the extranonce are in. Check it when
 * configuring a server: a negative value means no template can ever fit.
 */
export function scriptSigRoom(tag: Uint8Array, fullExtranonceSize: number): number {
  const tagPush = tag.length === 0 ? 0 : pushData(tag).length;
  return MAX_COINBASE_SCRIPTSIG - tagPush - 1 - fullExtranonceSize;
}

function checkExtranonceSize(n: number): void {
  if (!Number.isInteger(n) || n < 0 || n > MAX_EXTRANONCE_SIZE) {
    throw new ChannelError('invalid-extranonce-size', `full extranonce size must be 0..${MAX_EXTRANONCE_SIZE}, got ${n}`);
  }
}

/** A pool's (or JD client's) work from a TDP NewTemplate. */
export function workFromTemplate(template: Messages['NewTemplate'], opts: CoinbaseOptions): Work {
  checkExtranonceSize(opts.fullExtranonceSize);
  const remaining = template.coinbaseTxValueRemaining;
  let own: readonly TxOut[];
  if (opts.rewardScript !== undefined && opts.outputs === undefined) {
    own = [{ value: remaining, script: opts.rewardScript }];
  } else if (opts.outputs !== undefined && opts.rewardScript === undefined) {
    own = opts.outputs;
    const sum = own.reduce((s, o) => s + o.value, 0n);
    if (sum !== remaining) {
      throw new ChannelError('invalid-coinbase-outputs-sum', `coinbase outputs pay ${sum} sat, the template has ${remaining} sat to pay out`);
    }
  } else {
    throw new ChannelError('invalid-coinbase-outputs', 'give either rewardScript or outputs');
  }

  let templateOutputs: TxOut[];
  try {
    templateOutputs = parseOutputs(template.coinbaseTxOutputs, template.coinbaseTxOutputsCount);
  } catch (e) {
    if (e instanceof BitcoinDecodeError) throw new ChannelError('invalid-template', `NewTemplate ${template.templateId}: bad coinbase_tx_outputs: ${e.message}`);
    throw e;
  }
  const outputs = [...own, ...templateOutputs];
  let coinbase: CoinbaseParts;
  try {
    coinbase = buildCoinbase({
      txVersion: template.coinbaseTxVersion,
      scriptSigPrefix: template.coinbasePrefix,
      tag: opts.tag,
      extranonceSize: opts.fullExtranonceSize,
      sequence: template.coinbaseTxInputSequence,
      outputs,
      locktime: template.coinbaseTxLocktime,
      // A coinbase witness is only valid next to a witness commitment (else "unexpected-witness").
      witnessReservedValue: findWitnessCommitment(outputs) >= 0 ? ZERO_WITNESS_RESERVED_VALUE : null,
    });
  } catch (e) {
    if (e instanceof RangeError) throw new ChannelError('invalid-coinbase', `NewTemplate ${template.templateId}: ${e.message}`);
    throw e;
  }
  return {
    templateId: template.templateId,
    future: template.futureTemplate,
    version: template.version,
    merklePath: template.merklePath,
    coinbase,
    customTip: null,
  };
}

/**
 * A pool's work from a JD client's SetCustomMiningJob: the coinbase is rebuilt as
 * scriptSig = coinbase_prefix ‖ full extranonce, with the client's outputs (a CompactSize-prefixed
 * vector). Checking the token and the chain tip is the role's business.
 */
export function workFromCustomJob(job: Messages['SetCustomMiningJob'], fullExtranonceSize: number): Work {
  checkExtranonceSize(fullExtranonceSize);
  const scriptLen = job.coinbasePrefix.length + fullExtranonceSize;
  if (scriptLen < MIN_COINBASE_SCRIPTSIG || scriptLen > MAX_COINBASE_SCRIPTSIG) {
    throw new ChannelError('invalid-coinbase-prefix', `scriptSig of ${scriptLen} bytes is outside ${MIN_COINBASE_SCRIPTSIG}..${MAX_COINBASE_SCRIPTSIG}`);
  }
  let outputs: TxOut[];
  try {
    const r = new ByteReader(job.coinbaseTxOutputs);
    const count = r.compactSize('output count', 10_000);
    outputs = [];
    for (let i = 0; i < count; i++) outputs.push({ value: r.u64('output value'), script: r.varBytes('output script') });
    if (r.remaining !== 0) throw new BitcoinDecodeError(`${r.remaining} trailing bytes`);
  } catch (e) {
    if (e instanceof BitcoinDecodeError) throw new ChannelError('invalid-coinbase-tx-outputs', `SetCustomMiningJob outputs: ${e.message}`);
    throw e;
  }
  const segwit = findWitnessCommitment(outputs) >= 0;

  const head = new ByteWriter(64 + job.coinbasePrefix.length);
  head.u32(job.coinbaseTxVersion).u8(1).bytes(new Uint8Array(32)).u32(0xffffffff).u8(scriptLen).bytes(job.coinbasePrefix);
  const strippedPrefix = head.finish();
  const body = new ByteWriter(8 + job.coinbaseTxOutputs.length).u32(job.coinbaseTxInputNSequence).bytes(job.coinbaseTxOutputs).finish();
  const lock = new ByteWriter(4).u32(job.coinbaseTxLocktime).finish();
  const strippedSuffix = concatBytes(body, lock);
  const coinbase: CoinbaseParts = segwit
    ? {
        prefix: concatBytes(strippedPrefix.subarray(0, 4), Uint8Array.of(0x00, 0x01), strippedPrefix.subarray(4)),
        suffix: concatBytes(body, Uint8Array.of(0x01, 0x20), ZERO_WITNESS_RESERVED_VALUE, lock),
        strippedPrefix,
        strippedSuffix,
        extranonceSize: fullExtranonceSize,
        segwit,
      }
    : { prefix: strippedPrefix, suffix: strippedSuffix, strippedPrefix, strippedSuffix, extranonceSize: fullExtranonceSize, segwit };
  return {
    templateId: null,
    future: false,
    version: job.version,
    merklePath: job.merklePath,
    coinbase,
    customTip: { prevHash: job.prevHash, nbits: job.nbits, minNtime: job.minNtime },
  };
}

/** Bytes before the scriptSig in a stripped coinbase prefix: version, input count, null outpoint, scriptSig length. */
const SCRIPT_SIG_OFFSET = 4 + 1 + 36 + 1;

/**
 * The coinbase fields of a SetCustomMiningJob for `work` (a JD client declaring its template to
 * the pool): the scriptSig up to the extranonce (template prefix, tag push, OP_PUSHBYTES_N) and
 * the CompactSize-prefixed outputs. The pool's `workFromCustomJob` rebuilds the same coinbase.
 */
export function customJobCoinbase(
  work: Work,
): Pick<Messages['SetCustomMiningJob'], 'version' | 'coinbaseTxVersion' | 'coinbasePrefix' | 'coinbaseTxInputNSequence' | 'coinbaseTxOutputs' | 'coinbaseTxLocktime' | 'merklePath'> {
  const { strippedPrefix: p, strippedSuffix: s } = work.coinbase;
  const view = new DataView(s.buffer, s.byteOffset, s.byteLength);
  return {
    version: work.version,
    coinbaseTxVersion: new DataView(p.buffer, p.byteOffset, 4).getUint32(0, true),
    coinbasePrefix: p.slice(SCRIPT_SIG_OFFSET),
    coinbaseTxInputNSequence: view.getUint32(0, true),
    coinbaseTxOutputs: s.slice(4, s.length - 4),
    coinbaseTxLocktime: view.getUint32(s.length - 4, true),
    merklePath: work.merklePath as Uint8Array[],
  };
}
