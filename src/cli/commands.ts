import type { Command } from 'commander';

/** Each sub-command lives in its own file; this list is the one place they are wired in. */
export function registerCommands(_program: Command): void {}
