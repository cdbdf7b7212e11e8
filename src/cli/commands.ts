import type { Command } from 'commander';
import { registerCodecCommands } from './codec-commands.js';

/** Each sub-command lives in its own file; this list is the one place they are wired in. */
export function registerCommands(program: Command): void {
  registerCodecCommands(program);
}
