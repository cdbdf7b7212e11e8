import { appendFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileBlockStore } from '../../src/roles/common/file-block-store.js';
import { EmbeddedChain } from '../../src/chain/chain.js';
import { solveTemplate } from '../../src/chain/template-solver.js';
import { TxGenerator } from '../../src/chain/tx-generator.js';
import { fakeClock, PAYOUT } from '../support/chain.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'sv2-chain-'));
  dirs.push(d);
  return d;
}

function snapshot(chain: EmbeddedChain) {
  const coins = [...chain.utxo.entries()].map(([k, c]) => `${k}=${c.value}@${c.height}`).sort();
  return { height: chain.height, tip: chain.tip.key, work: chain.tip.chainWork, utxos: chain.utxo.size, value: chain.utxo.totalValue, coins };
}

describe('persisted embedded chain', () => {
  it('keeps its height and UTXO set across a restart', () => {
    const dir = tempDir();
    const clock = fakeClock();
    const chain = new EmbeddedChain({ clock: clock.now, store: new FileBlockStore(dir) });
    const gen = new TxGenerator(chain, { seed: 'persist', targetCoins: 10 });
    chain.generate(102, gen.script);
    expect(gen.generate(5)).toBeGreaterThan(0);
    expect(chain.submitBlock(solveTemplate(chain.getTemplate(), { payoutScript: PAYOUT })!).accepted).toBe(true);
    const before = snapshot(chain);
    chain.close();

    const reopened = new EmbeddedChain({ clock: clock.now, store: new FileBlockStore(dir) });
    expect(reopened.loadReport).toEqual({ blocksReplayed: 103 });
    expect(snapshot(reopened)).toEqual(before);
    // It carries on: the generator's wallet is rebuilt from the UTXO set and blocks extend the tip.
    const gen2 = new TxGenerator(reopened, { seed: 'persist', targetCoins: 10 });
    expect(gen2.balance).toBe(gen.balance);
    expect(reopened.generate(1, PAYOUT)).toHaveLength(1);
    expect(reopened.height).toBe(before.height + 1);
    reopened.close();
  });

  it('cuts off a torn last record and loads the rest', () => {
    const dir = tempDir();
    const clock = fakeClock();
    const chain = new EmbeddedChain({ clock: clock.now, store: new FileBlockStore(dir) });
    chain.generate(5, PAYOUT);
    const tip = chain.tip.key;
    chain.close();
    const file = path.join(dir, 'blocks.dat');
    const size = statSync(file).size;
    appendFileSync(file, Buffer.from([0xfa, 0xbf, 0xb5, 0xda, 0xff, 0x00, 0x00, 0x00, 1, 2, 3]));
    const reopened = new EmbeddedChain({ clock: clock.now, store: new FileBlockStore(dir) });
    expect(reopened.height).toBe(5);
    expect(reopened.tip.key).toBe(tip);
    expect(statSync(file).size).toBe(size);
    reopened.close();
  });
});
