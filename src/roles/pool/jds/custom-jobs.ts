/**
 * SetCustomMiningJob in the pool: what makes a JD client's job one the pool pays for. The token
 * must be this pool's JDS's, unspent, and declared (Full-Template), or merely allocated when the
 * operator serves Coinbase-only clients; the prev hash and nBits those of the pool's tip; the
 * outputs the token stands for present, the pool's payout funded and each payee paid its due
 * (§8.2); and for a declared job, the very coinbase, version and merkle path that were declared.
 * The answer is the Work for the channel or the SetCustomMiningJob.Error code.
 */
import { BitcoinDecodeError, ByteReader, equalBytes } from '../../../bitcoin/bytes.js';
import type { TxOut } from '../../../bitcoin/tx.js';
import type { DeclaredJob } from '../../../chain/declared-job.js';
import type { ChainTip } from '../../../channels/chain-tip.js';
import { ChannelError } from '../../../channels/errors.js';
import { checkPoolOutputs } from '../../../channels/jd-coinbase.js';
import type { JobTokenStore } from '../../../channels/job-tokens.js';
import type { ExtendedChannel } from '../../../channels/server-extended.js';
import { workFromCustomJob, type Work } from '../../../channels/work.js';
import { MiningErrorCode } from '../../../messages/mining.js';
import type { Messages } from '../../../messages/registry.js';

/** SetCustomMiningJob.Error codes beyond MiningErrorCode's (SRI's strings). */
export const CustomJobErrorCode = {
  InvalidNbits: 'invalid-nbits',
  InvalidVersion: 'invalid-version',
  InvalidMerklePath: 'invalid-merkle-path',
  InvalidCoinbaseTx: 'invalid-coinbase-tx',
  InvalidCoinbaseTxOutputs: 'invalid-coinbase-tx-outputs',
  JobNotYetValidated: 'job-not-yet-validated',
} as const;

export interface CustomJobRules {
  /** The JDS's tokens, each with the outputs a job on it must pay. */
  tokens: JobTokenStore<DeclaredJob>;
  /** Coinbase-only mode served: a token allocated but never declared is enough. */
  allowUndeclared: boolean;
}

export type CustomJobVerdict = { work: Work; declared: DeclaredJob | undefined } | { errorCode: string; details: string };

function parseOutputVector(bytes: Uint8Array): TxOut[] | null {
  try {
    const r = new ByteReader(bytes);
    const outs: TxOut[] = [];
    for (let i = r.compactSize('output count', 10_000); i > 0; i--) outs.push({ value: r.u64('output value'), script: r.varBytes('output script') });
    return r.remaining === 0 ? outs : null;
  } catch (e) {
    if (e instanceof BitcoinDecodeError) return null;
    throw e;
  }
}

export function judgeCustomJob(rules: CustomJobRules, m: Messages['SetCustomMiningJob'], ch: ExtendedChannel, tip: ChainTip | null, now: number): CustomJobVerdict {
  const refuse = (errorCode: string, details: string): CustomJobVerdict => ({ errorCode, details });
  if (tip === null || !equalBytes(tip.prevHash, m.prevHash)) return refuse(MiningErrorCode.StaleChainTip, 'prev_hash is not the pool\'s chain tip');
  if (tip.nbits !== m.nbits) return refuse(CustomJobErrorCode.InvalidNbits, `nbits 0x${(m.nbits >>> 0).toString(16)} is not the tip's`);
  let work: Work;
  try {
    work = workFromCustomJob(m, ch.fullExtranonceSize);
  } catch (e) {
    if (e instanceof ChannelError) return refuse(e.errorCode, e.message);
    throw e;
  }
  const outputs = parseOutputVector(m.coinbaseTxOutputs);
  if (outputs === null) return refuse(CustomJobErrorCode.InvalidCoinbaseTxOutputs, 'coinbase_tx_outputs does not parse');
  // The outputs are judged by the token's own; it is spent last, so a job refused for its fields leaves it to a corrected one.
  const named = rules.tokens.peek(m.miningJobToken, now);
  if (typeof named === 'string') return refuse(MiningErrorCode.InvalidMiningJobToken, `token ${named}`);
  const poolOutputs = checkPoolOutputs(named.required, outputs);
  if (poolOutputs !== null) return refuse(CustomJobErrorCode.InvalidCoinbaseTxOutputs, poolOutputs);
  const token = rules.tokens.spendForCustomJob(m.miningJobToken, now, rules.allowUndeclared);
  if (token === 'not-yet-validated') return refuse(CustomJobErrorCode.JobNotYetValidated, 'the declaration of this token is still being judged');
  if (typeof token === 'string') return refuse(MiningErrorCode.InvalidMiningJobToken, `token ${token}`);
  const declared = token.job;
  if (declared === undefined) return { work, declared };
  if (!equalBytes(declared.prevHash, m.prevHash)) return refuse(MiningErrorCode.StaleChainTip, 'the job was declared on another tip');
  if (declared.version !== m.version) return refuse(CustomJobErrorCode.InvalidVersion, 'version differs from the declared job');
  if (declared.merklePath.length !== m.merklePath.length || declared.merklePath.some((h, i) => !equalBytes(h, m.merklePath[i]!))) {
    return refuse(CustomJobErrorCode.InvalidMerklePath, 'merkle_path is not that of the declared transactions');
  }
  if (!equalBytes(work.coinbase.prefix, declared.coinbasePrefix) || !equalBytes(work.coinbase.suffix, declared.coinbaseSuffix)) {
    return refuse(CustomJobErrorCode.InvalidCoinbaseTx, 'the coinbase differs from the declared one');
  }
  return { work, declared };
}
