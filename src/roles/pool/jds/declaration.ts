/**
 * One DeclareMiningJob (Full-Template mode), judged: the declared coinbase read and its pool
 * outputs checked (§8.2), the height that of the node's next block, every wtxid found in the
 * node's mempool or asked of the client (ProvideMissingTransactions), and the whole block checked
 * by the node as a proposal. The answer is the declared job or the DeclareMiningJob.Error fields.
 */
import { parseTransaction, type ParsedTransaction } from '../../../bitcoin/tx.js';
import { BitcoinDecodeError, equalBytes } from '../../../bitcoin/bytes.js';
import { checkPoolOutputs, parseDeclaredCoinbase, type RequiredOutputs } from '../../../channels/jd-coinbase.js';
import { ChannelError } from '../../../channels/errors.js';
import { declaredJob, proposalBlock, type DeclaredJob } from '../../../chain/declared-job.js';
import { JobDeclarationErrorCode as Code } from '../../../messages/job-declaration.js';
import type { Messages } from '../../../messages/registry.js';
import type { JdNodeView } from './node-view.js';

export type DeclarationVerdict = { ok: true; job: DeclaredJob; provided: number } | { ok: false; errorCode: string; details: string };

export interface DeclarationContext {
  node: JdNodeView;
  /** The outputs the token stands for: the pool's payout first, then the payees'. */
  requiredOutputs: RequiredOutputs;
  /** Asks the client for the transactions at these positions of wtxid_list; resolves with them in that order. */
  askMissing(positions: number[]): Promise<Uint8Array[]>;
}

/** Node reasons that mean the declaration was made for a tip that is no longer the node's. */
const STALE_REASONS = new Set(['inconclusive-not-best-prevblk', 'prev-blk-not-found', 'bad-prevblk', 'bad-cb-height', 'bad-diffbits']);

const refuse = (errorCode: string, details: string): DeclarationVerdict => ({ ok: false, errorCode, details });

export async function judgeDeclaration(m: Messages['DeclareMiningJob'], userIdentifier: string, ctx: DeclarationContext): Promise<DeclarationVerdict> {
  let coinbase;
  try {
    coinbase = parseDeclaredCoinbase(m.coinbaseTxPrefix, m.coinbaseTxSuffix);
  } catch (e) {
    if (e instanceof ChannelError) return refuse(e.errorCode, e.message);
    throw e;
  }
  const outputs = checkPoolOutputs(ctx.requiredOutputs, coinbase.tx.outputs);
  if (outputs !== null) return refuse(Code.InvalidCoinbaseTxOutputs, outputs);
  const tipAtStart = ctx.node.tip();
  if (tipAtStart === undefined) return refuse(Code.InternalError, 'the pool has no chain tip yet');
  if (coinbase.height !== tipAtStart.height) return refuse(Code.StaleChainTip, `the coinbase is for height ${coinbase.height}, the next block is ${tipAtStart.height}`);

  const txs: (ParsedTransaction | undefined)[] = new Array(m.wtxidList.length);
  const missing = (): number[] => {
    const out: number[] = [];
    for (let i = 0; i < m.wtxidList.length; i++) {
      if (txs[i] !== undefined) continue;
      const tx = ctx.node.lookup(m.wtxidList[i]!);
      if (tx !== undefined) txs[i] = tx;
      else out.push(i);
    }
    return out;
  };
  let unknown = missing();
  if (unknown.length > 0) {
    await ctx.node.refresh(unknown.map((i) => m.wtxidList[i]!));
    unknown = missing();
  }
  if (unknown.length > 0) {
    const provided = await ctx.askMissing(unknown);
    if (provided.length !== unknown.length) return refuse(Code.MissingTxs, `asked for ${unknown.length} transactions, got ${provided.length}`);
    for (let k = 0; k < unknown.length; k++) {
      const pos = unknown[k]!;
      let tx: ParsedTransaction;
      try {
        tx = parseTransaction(provided[k]!);
      } catch (e) {
        if (e instanceof BitcoinDecodeError) return refuse(Code.MissingTxs, `transaction ${pos}: ${e.message}`);
        throw e;
      }
      if (!equalBytes(tx.wtxid, m.wtxidList[pos]!)) return refuse(Code.MissingTxs, `transaction ${pos} is not the one its wtxid names`);
      txs[pos] = tx;
    }
  }

  // The tip may have moved while the client answered.
  const tip = ctx.node.tip();
  if (tip === undefined || !equalBytes(tip.prevHash, tipAtStart.prevHash)) return refuse(Code.StaleChainTip, 'the chain tip moved during the declaration');
  const job = declaredJob(
      {
        userIdentifier,
        version: m.version,
        coinbasePrefix: m.coinbaseTxPrefix,
        coinbaseSuffix: m.coinbaseTxSuffix,
        extranonceSize: coinbase.extranonceSize,
        height: tip.height,
        prevHash: tip.prevHash,
        nbits: tip.nbits,
      },
      txs as ParsedTransaction[],
    );
  const reason = await ctx.node.checkProposal(proposalBlock(job, tip.time));
  if (reason !== null) return refuse(STALE_REASONS.has(reason) ? Code.StaleChainTip : Code.InvalidJob, reason);
  return { ok: true, job, provided: unknown.length };
}
