#!/usr/bin/env node
import { buildProgram } from './program.js';

// A reader that went away (`sv2 decode … | head`) is not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    process.stderr.write(`sv2: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
