/** `sv2 pool payouts`: the balances the operator owes, from the pool's accounting database. */
import type { Command } from 'commander';
import { loadPoolConfig } from '../roles/pool/config.js';
import { openAccounting } from '../roles/pool/payouts.js';
import { AccountingReader } from '../roles/pool/accounting-reader.js';

/** A CSV field: quoted when it holds a comma, a quote or a line break. */
function csv(v: string | number | null): string {
  const s = v === null ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function btc(sats: number): string {
  return (sats / 1e8).toFixed(8);
}

export function registerPoolPayoutsCommand(pool: Command): void {
  pool
    .command('payouts')
    .description('print the mature balances owed to pool accounts (credits less payments), largest first')
    .option('-c, --config <file>', 'the pool\'s TOML config file (its accounting_db is read)')
    .option('--csv', 'CSV: user,kind,payout_address,balance_sats,immature_sats')
    .option('--min-sats <n>', 'leave out balances below this', '1')
    .action((opts: { config?: string; csv?: boolean; minSats: string }) => {
      const cfg = loadPoolConfig(opts.config);
      const min = Number(opts.minSats);
      if (!Number.isInteger(min) || min < 0) throw new Error(`--min-sats must be a whole number of satoshis, got ${opts.minSats}`);
      const { store } = openAccounting(cfg);
      try {
        const rows = new AccountingReader(store.database).owed(Math.max(min, 1));
        if (opts.csv === true) {
          process.stdout.write('user,kind,payout_address,balance_sats,immature_sats\n');
          for (const r of rows) process.stdout.write(`${[r.name, r.kind, r.payout_address, r.balance_sats, r.immature_sats].map(csv).join(',')}\n`);
          return;
        }
        if (rows.length === 0) {
          process.stdout.write('nothing owed: no user has a mature balance\n');
          return;
        }
        const width = Math.max(4, ...rows.map((r) => r.name.length));
        process.stdout.write(`${'user'.padEnd(width)}  ${'balance BTC'.padStart(16)}  ${'immature BTC'.padStart(16)}  address\n`);
        let total = 0;
        for (const r of rows) {
          total += r.balance_sats;
          process.stdout.write(`${r.name.padEnd(width)}  ${btc(r.balance_sats).padStart(16)}  ${btc(r.immature_sats).padStart(16)}  ${r.payout_address ?? '-'}\n`);
        }
        process.stdout.write(`${'total'.padEnd(width)}  ${btc(total).padStart(16)}\n`);
      } finally {
        store.close();
      }
    });
}
