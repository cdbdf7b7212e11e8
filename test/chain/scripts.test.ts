import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { p2pkh, p2tr, p2wpkh, p2sh, Transaction } from '@scure/btc-signer';
import { describe, expect, it } from 'vitest';
import { parseBlock, parseTransaction, serializeTransaction } from '../../src/bitcoin/index.js';
import { EmbeddedChain } from '../../src/chain/chain.js';
import { COIN } from '../../src/chain/params.js';
import { fakeClock, PAYOUT } from '../support/chain.js';

/** Signs spends with @scure/btc-signer (an independent implementation) and checks our verifier accepts them. */
function fundScript(script: Uint8Array) {
  const chain = new EmbeddedChain({ clock: fakeClock().now });
  chain.generate(1, script);
  const coinbase = parseBlock(chain.readBlock(chain.tip)).transactions[0]!;
  chain.generate(100, PAYOUT);
  return { chain, txid: coinbase.txid, value: coinbase.outputs[0]!.value, raw: coinbase.raw };
}

function spendWith(build: (tx: Transaction) => void): Transaction {
  const tx = new Transaction({ allowUnknownOutputs: true });
  build(tx);
  return tx;
}

const priv = new Uint8Array(32).fill(3);

describe('script verification against @scure/btc-signer signatures', () => {
  const cases = [
    { name: 'p2wpkh', pay: p2wpkh(secp256k1.getPublicKey(priv, true)) },
    { name: 'p2pkh', pay: p2pkh(secp256k1.getPublicKey(priv, true)) },
    { name: 'p2sh-p2wpkh', pay: p2sh(p2wpkh(secp256k1.getPublicKey(priv, true))) },
    { name: 'p2tr key path', pay: p2tr(schnorr.getPublicKey(priv)) },
  ];
  for (const { name, pay } of cases) {
    it(`accepts a valid ${name} spend and rejects a forged one`, () => {
      const { chain, txid, value, raw } = fundScript(pay.script);
      const make = (amount: bigint) => {
        const tx = spendWith((t) => {
          t.addInput({
            txid: Buffer.from(txid).reverse(),
            index: 0,
            witnessUtxo: { script: pay.script, amount: value },
            ...(name === 'p2pkh' ? { nonWitnessUtxo: raw } : {}),
            ...('redeemScript' in pay && pay.redeemScript ? { redeemScript: pay.redeemScript } : {}),
            ...(name === 'p2tr key path' ? { tapInternalKey: schnorr.getPublicKey(priv) } : {}),
          });
          t.addOutput({ script: PAYOUT, amount });
        });
        tx.sign(priv);
        tx.finalize();
        return tx.extract();
      };
      const good = make(value - 10_000n);
      const r = chain.acceptTransaction(good);
      expect(r, r.reason).toMatchObject({ accepted: true, fee: 10_000n });
      expect(chain.mempool.size).toBe(1);

      const fresh = fundScript(pay.script);
      // Change the output value after signing: every signature type commits to the outputs.
      const forged = parseTransaction(make(value - 10_000n));
      forged.outputs[0]!.value -= 1n;
      const bad = fresh.chain.acceptTransaction(serializeTransaction(forged));
      expect(bad.accepted).toBe(false);
      expect(bad.reason).toMatch(/^mandatory-script-verify-flag-failed \(/);
      expect(value).toBe(50n * COIN);
    });
  }
});
