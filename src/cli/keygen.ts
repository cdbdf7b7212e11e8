import type { Command } from 'commander';
import { AuthorityKeyPair } from '../noise/index.js';

/** `sv2 keygen`: a new authority key pair in SRI's formats, as JSON. */
export function registerKeygenCommand(program: Command): void {
  program
    .command('keygen')
    .description('generate an authority key pair (base58check, as SRI writes them) and print it as JSON')
    .action(() => {
      const pair = AuthorityKeyPair.generate();
      process.stdout.write(JSON.stringify({ public_key: pair.publicKey.toString(), secret_key: pair.secretToString() }) + '\n');
    });
}
