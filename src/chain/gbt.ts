/**
 * bitcoind's getblocktemplate result, both ways: a template candidate from a node's answer (the
 * RPC backend) and a BIP22/23 answer from our template (the embedded chain's RPC server).
 */
import { Sv2Error } from '../codec/sv2-error.js';
import { fromHex, hashFromDisplay, hashToDisplay } from '../bitcoin/bytes.js';
import { bytesToHex } from '../codec/hex.js';
import { parseTransaction } from '../bitcoin/tx.js';
import { findWitnessCommitment } from '../bitcoin/witness.js';
import { targetFromBigInt, targetToBigInt } from '../bitcoin/target.js';
import type { BlockTemplate, TemplateCandidate, TemplateTransaction } from './template.js';

export interface GbtTransaction {
  data: string;
  txid: string;
  hash: string;
  /** 1-based indexes of in-template parents. */
  depends: number[];
  fee: number;
  sigops: number;
  weight: number;
}

export interface GbtResult {
  capabilities?: string[];
  version: number;
  rules: string[];
  vbavailable?: Record<string, number>;
  vbrequired?: number;
  previousblockhash: string;
  transactions: GbtTransaction[];
  coinbaseaux?: Record<string, string>;
  coinbasevalue: number;
  longpollid?: string;
  target: string;
  mintime: number;
  mutable?: string[];
  noncerange?: string;
  sigoplimit?: number;
  sizelimit?: number;
  weightlimit?: number;
  curtime: number;
  bits: string;
  height: number;
  default_witness_commitment?: string;
}

/** A getblocktemplate answer that does not have the fields or types a template needs. */
export class GbtFormatError extends Sv2Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SV2_ERR_GBT_FORMAT', message, options);
  }
}

function need(cond: unknown, what: string): asserts cond {
  if (!cond) throw new GbtFormatError(`getblocktemplate result: ${what}`);
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const isHex = (v: unknown, len?: number): v is string => typeof v === 'string' && /^([0-9a-fA-F]{2})*$/.test(v) && (len === undefined || v.length === len);

/** Turns a node's getblocktemplate result into a candidate; validates shapes and the transaction data. */
export function candidateFromGbt(r: unknown): TemplateCandidate {
  need(r !== null && typeof r === 'object', 'not an object');
  const g = r as Partial<GbtResult>;
  need(isInt(g.version), 'version');
  need(isHex(g.previousblockhash, 64), 'previousblockhash');
  need(isInt(g.height) && g.height > 0, 'height');
  need(isHex(g.bits, 8), 'bits');
  need(isHex(g.target, 64), 'target');
  need(isInt(g.curtime) && isInt(g.mintime), 'curtime/mintime');
  need(isInt(g.coinbasevalue) && g.coinbasevalue >= 0, 'coinbasevalue');
  need(Array.isArray(g.transactions), 'transactions');
  let fees = 0n;
  const candidates: TemplateTransaction[] = g.transactions.map((t, i) => {
    need(t && isHex(t.data) && isInt(t.fee) && isInt(t.weight) && Array.isArray(t.depends), `transaction ${i}`);
    const tx = parseTransaction(fromHex(t.data));
    need(hashToDisplay(tx.txid) === t.txid, `transaction ${i} txid does not match its data`);
    fees += BigInt(t.fee);
    return {
      data: tx.raw,
      txid: tx.txid,
      wtxid: tx.wtxid,
      fee: BigInt(t.fee),
      weight: t.weight,
      sigops: isInt(t.sigops) ? t.sigops : 0,
      depends: t.depends.map((d) => {
        need(isInt(d) && d >= 1 && d <= i, `transaction ${i} depends`);
        return d - 1;
      }),
    };
  });
  const version = g.version >>> 0;
  return {
    height: g.height,
    version,
    prevHash: hashFromDisplay(g.previousblockhash),
    bits: parseInt(g.bits, 16) >>> 0,
    target: targetFromBigInt(BigInt('0x' + g.target)),
    curtime: g.curtime,
    minTime: g.mintime,
    subsidy: BigInt(g.coinbasevalue) - fees,
    candidates,
    weightLimit: isInt(g.weightlimit) ? g.weightlimit : undefined,
    sigopLimit: isInt(g.sigoplimit) ? g.sigoplimit : undefined,
    // The node's rules say whether this block may carry witnesses; a node without `rules` is taken as segwit.
    segwit: Array.isArray(g.rules) ? g.rules.some((x) => x === 'segwit' || x === '!segwit') : true,
  };
}

/** Our template as bitcoind answers getblocktemplate (rules with segwit once it is active, as Core). */
export function gbtFromTemplate(t: BlockTemplate, longpollid: string): GbtResult {
  const commitment = findWitnessCommitment(t.coinbaseOutputs);
  const segwit = commitment >= 0;
  return {
    capabilities: ['proposal'],
    version: t.version,
    rules: segwit ? ['csv', '!segwit', 'taproot'] : ['csv'],
    vbavailable: {},
    vbrequired: 0,
    previousblockhash: hashToDisplay(t.prevHash),
    transactions: t.transactions.map((x) => ({
      data: bytesToHex(x.data),
      txid: hashToDisplay(x.txid),
      hash: hashToDisplay(x.wtxid),
      depends: x.depends.map((d) => d + 1),
      fee: Number(x.fee),
      sigops: x.sigops,
      weight: x.weight,
    })),
    coinbaseaux: {},
    coinbasevalue: Number(t.coinbaseValue),
    longpollid,
    target: targetToBigInt(t.target).toString(16).padStart(64, '0'),
    mintime: t.minTime,
    mutable: ['time', 'transactions', 'prevblock'],
    noncerange: '00000000ffffffff',
    sigoplimit: 80_000,
    sizelimit: 4_000_000,
    weightlimit: 4_000_000,
    curtime: t.time,
    bits: t.bits.toString(16).padStart(8, '0'),
    height: t.height,
    ...(segwit ? { default_witness_commitment: bytesToHex(t.coinbaseOutputs[commitment]!.script) } : {}),
  };
}
