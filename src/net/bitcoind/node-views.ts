/**
 * Bitcoin Core's shapes for blocks, headers and transactions, read from the embedded chain:
 * getblockheader, getblock (verbosity 1, 2 with each transaction's fee, 3 with each input's
 * prevout), getrawtransaction's decoded form. Scripts carry Core's `asm`.
 */
import { scriptToAddress } from '../../bitcoin/address.js';
import { hashToDisplay } from '../../bitcoin/bytes.js';
import { bytesToHex } from '../../codec/hex.js';
import type { NetworkName } from '../../bitcoin/network.js';
import { classifyOutput } from '../../bitcoin/script.js';
import { scriptAsm } from '../../bitcoin/script-asm.js';
import { bitsToTargetBigInt, difficultyFromBits } from '../../bitcoin/target.js';
import { isCoinbase, type ParsedTransaction, type TxOut } from '../../bitcoin/tx.js';
import { parseBlock } from '../../bitcoin/block.js';
import type { BlockIndexEntry, EmbeddedChain } from '../../chain/chain.js';

export const btc = (sats: bigint): number => Number(sats) / 1e8;

export function targetHex(bits: number): string {
  return bitsToTargetBigInt(bits).toString(16).padStart(64, '0');
}

const SCRIPT_TYPE_NAMES: Record<string, string> = {
  p2pkh: 'pubkeyhash',
  p2sh: 'scripthash',
  p2wpkh: 'witness_v0_keyhash',
  p2wsh: 'witness_v0_scripthash',
  p2tr: 'witness_v1_taproot',
  'witness-unknown': 'witness_unknown',
  'op-return': 'nulldata',
  nonstandard: 'nonstandard',
};

/** A spent output as getblock verbosity 3 shows it. */
interface Prevout {
  out: TxOut;
  height: number;
  generated: boolean;
}

export class NodeViews {
  constructor(
    private readonly chain: EmbeddedChain,
    private readonly network: NetworkName,
  ) {}

  headerInfo(e: BlockIndexEntry): Record<string, unknown> {
    const next = this.chain.entryAt(e.height + 1);
    return {
      hash: hashToDisplay(e.hash),
      confirmations: this.chain.height - e.height + 1,
      height: e.height,
      version: e.header.version | 0,
      versionHex: e.header.version.toString(16).padStart(8, '0'),
      merkleroot: hashToDisplay(e.header.merkleRoot),
      time: e.header.time,
      mediantime: e.medianTimePast,
      nonce: e.header.nonce,
      bits: e.header.bits.toString(16).padStart(8, '0'),
      target: targetHex(e.header.bits),
      difficulty: difficultyFromBits(e.header.bits),
      chainwork: e.chainWork.toString(16).padStart(64, '0'),
      nTx: e.txids.length,
      ...(e.height > 0 ? { previousblockhash: hashToDisplay(e.header.prevHash) } : {}),
      ...(next ? { nextblockhash: hashToDisplay(next.hash) } : {}),
    };
  }

  /** getblock: verbosity 0 hex, 1 txids, 2 decoded transactions with their fee, 3 also each input's prevout. */
  block(entry: BlockIndexEntry, verbosity: number): unknown {
    const raw = this.chain.readBlock(entry);
    if (verbosity === 0) return bytesToHex(raw);
    const base = { ...this.headerInfo(entry), strippedsize: entry.strippedSize, size: entry.size, weight: entry.weight };
    if (verbosity === 1) return { ...base, tx: entry.txids.map(hashToDisplay) };
    const block = parseBlock(raw);
    const found = new Map<string, { tx: ParsedTransaction; height: number }>();
    for (const t of block.transactions) found.set(bytesToHex(t.txid), { tx: t, height: entry.height });
    const prevoutOf = (txid: Uint8Array, vout: number): Prevout | undefined => {
      const key = bytesToHex(txid);
      let f = found.get(key);
      if (f === undefined) {
        const r = this.chain.findTransaction(txid);
        if (r?.entry === undefined) return undefined;
        found.set(key, (f = { tx: r.tx, height: r.entry.height }));
      }
      const out = f.tx.outputs[vout];
      return out === undefined ? undefined : { out, height: f.height, generated: isCoinbase(f.tx) };
    };
    return {
      ...base,
      tx: block.transactions.map((t) => {
        if (isCoinbase(t)) return this.decodeTx(t);
        const prevouts = t.inputs.map((i) => prevoutOf(i.prevTxid, i.prevVout));
        const complete = prevouts.every((p) => p !== undefined);
        const fee = complete ? prevouts.reduce((s, p) => s + p!.out.value, 0n) - t.outputs.reduce((s, o) => s + o.value, 0n) : undefined;
        return this.decodeTx(t, { fee, prevouts: verbosity >= 3 ? prevouts : undefined });
      }),
    };
  }

  scriptPubKey(script: Uint8Array): Record<string, unknown> {
    const address = scriptToAddress(script, this.network);
    return { asm: scriptAsm(script), hex: bytesToHex(script), ...(address ? { address } : {}), type: SCRIPT_TYPE_NAMES[classifyOutput(script)] };
  }

  decodeTx(t: ParsedTransaction, extra: { fee?: bigint; prevouts?: (Prevout | undefined)[] } = {}): Record<string, unknown> {
    const cb = isCoinbase(t);
    return {
      txid: hashToDisplay(t.txid),
      hash: hashToDisplay(t.wtxid),
      version: t.version,
      size: t.totalSize,
      vsize: Math.ceil(t.weight / 4),
      weight: t.weight,
      locktime: t.locktime,
      vin: t.inputs.map((i, n) => {
        const witness = i.witness.length ? { txinwitness: i.witness.map(bytesToHex) } : {};
        if (cb) return { coinbase: bytesToHex(i.scriptSig), ...witness, sequence: i.sequence };
        const p = extra.prevouts?.[n];
        return {
          txid: hashToDisplay(i.prevTxid),
          vout: i.prevVout,
          scriptSig: { asm: scriptAsm(i.scriptSig, { sighashDecode: true }), hex: bytesToHex(i.scriptSig) },
          ...witness,
          ...(p ? { prevout: { generated: p.generated, height: p.height, value: btc(p.out.value), scriptPubKey: this.scriptPubKey(p.out.script) } } : {}),
          sequence: i.sequence,
        };
      }),
      vout: t.outputs.map((o, n) => ({ value: btc(o.value), n, scriptPubKey: this.scriptPubKey(o.script) })),
      ...(extra.fee !== undefined ? { fee: btc(extra.fee) } : {}),
      hex: bytesToHex(t.raw),
    };
  }
}
