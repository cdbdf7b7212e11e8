/** `sv2 pool payouts`: what an operator would pay out, read from the pool's accounting database. */
import { describe, expect, it } from 'vitest';
import { AuthorityKeyPair } from '../../src/noise/authority-key.js';
import { ShareStore } from '../../src/roles/pool/share-store.js';
import { runCli } from '../support/cli.js';
import { tomlFile } from '../support/config.js';
import { tempPath } from '../support/temp.js';

const block = (hash: string) => ({ timeMs: 5, blockHash: hash, height: 10, templateId: '1', userIdentity: 'a', channelId: 1, status: 'accepted' as const, rejectReason: null });
const account = (name: string, address: string | null = null) => ({ name, kind: 'account' as const, address });

describe('sv2 pool payouts', () => {
  it('prints the mature balances, largest first, as a table or CSV; immature and void credits are not owed', () => {
    const db = tempPath('pool.sqlite');
    const store = new ShareStore(db);
    store.recordBlock(block('aa'.repeat(32)), { credits: [
      { user: account('alice', 'bcrt1q6rz28mcfaxtmd6v789l9rrlrusdprr9pz3cppk'), amountSats: 150_000_000n, state: 'immature' },
      { user: account('bob,"the miner"'), amountSats: 250_000_000n, state: 'immature' },
    ] });
    store.recordBlock(block('bb'.repeat(32)), { credits: [{ user: account('alice', 'bcrt1q6rz28mcfaxtmd6v789l9rrlrusdprr9pz3cppk'), amountSats: 7n, state: 'immature' }] });
    store.recordBlock(block('cc'.repeat(32)), { credits: [{ user: account('carol'), amountSats: 99n, state: 'immature' }] });
    store.setChainState('aa'.repeat(32), 'confirmed');
    store.setChainState('cc'.repeat(32), 'orphaned');
    store.close();
    const authority = AuthorityKeyPair.generate();
    const config = tomlFile(`
      listen_address = "127.0.0.1:0"
      authority_public_key = "${authority.publicKey.toString()}"
      authority_secret_key = "${authority.secretToString()}"
      coinbase_reward_script = "addr(bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080)"
      accounting_db = "${db}"
      [template_provider_type.Embedded]
    `);
    const asCsv = runCli(['pool', 'payouts', '--config', config, '--csv']);
    expect(asCsv.stderr).toBe('');
    expect(asCsv.status).toBe(0);
    expect(asCsv.stdout).toBe(['user,kind,payout_address,balance_sats,immature_sats', '"bob,""the miner""",account,,250000000,0', 'alice,account,bcrt1q6rz28mcfaxtmd6v789l9rrlrusdprr9pz3cppk,150000000,7', ''].join('\n'));
    const table = runCli(['pool', 'payouts', '--config', config]);
    expect(table.status).toBe(0);
    expect(table.stdout.split('\n')).toEqual([
      'user                  balance BTC      immature BTC  address',
      'bob,"the miner"        2.50000000        0.00000000  -',
      'alice                  1.50000000        0.00000007  bcrt1q6rz28mcfaxtmd6v789l9rrlrusdprr9pz3cppk',
      'total                  4.00000000',
      '',
    ]);
    expect(runCli(['pool', 'payouts', '--config', config, '--min-sats', '200000000']).stdout).toMatch(/^bob.*\ntotal +2\.50000000\n$/m);
  });
});
