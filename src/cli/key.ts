import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { AuthorityKeyPair } from '../noise/index.js';

/** `sv2 key public <secret>`: the authority public key that belongs to a secret key. */
export function registerKeyCommand(program: Command): void {
  const key = program.command('key').description('inspect authority keys');
  key
    .command('public')
    .description('print the public key (base58check, version 1) of an authority secret key')
    .argument('<secret>', "the secret key in base58check, or '-' to read it from standard input (keeps it out of the process list)")
    .action((secret: string) => {
      const text = secret === '-' ? readFileSync(0, 'utf8').trim() : secret;
      process.stdout.write(AuthorityKeyPair.parseSecret(text).publicKey.toString() + '\n');
    });
}
