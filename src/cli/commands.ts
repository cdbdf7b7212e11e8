import type { Command } from 'commander';
import { registerCodecCommands } from './codec-commands.js';
import { registerJdClientCommand } from './jd-client.js';
import { registerKeyCommand } from './key.js';
import { registerKeygenCommand } from './keygen.js';
import { registerMinerCommand } from './miner.js';
import { registerNodeCommand } from './node.js';
import { registerPoolCommand } from './pool.js';
import { registerProxyCommand } from './proxy.js';
import { registerStackCommand } from './stack/command.js';
import { registerTemplateProviderCommand } from './template-provider.js';
import { registerTranslatorCommand } from './translator.js';

/** Each sub-command lives in its own file; this list is the one place they are wired in. */
export function registerCommands(program: Command): void {
  registerCodecCommands(program);
  registerKeygenCommand(program);
  registerKeyCommand(program);
  registerNodeCommand(program);
  registerPoolCommand(program);
  registerTemplateProviderCommand(program);
  registerMinerCommand(program);
  registerStackCommand(program);
  registerTranslatorCommand(program);
  registerProxyCommand(program);
  registerJdClientCommand(program);
}
