import { Command } from 'commander';
import { registerCommands } from './commands.js';

export function buildProgram(): Command {
  const program = new Command('sv2')
    .description('Stratum V2 in TypeScript: protocol tools and mining roles')
    .version('0.1.0');
  registerCommands(program);
  return program;
}
