/**
 * The one place the wire and logic layers reach Node itself. The rest of src/host uses what this
 * finds for speed and, where it finds nothing (a browser, Deno, Bun, a worker), Web standards and
 * @noble. It is a lookup at run time, not an import, so a bundler sees no `node:` module and the
 * same code loads everywhere.
 *
 * Deno and Bun emulate Node's built-ins but not all of what is used here (node:crypto's one-shot
 * `hash` and ChaCha20-Poly1305, WebAssembly packages through `require`), so they take the
 * portable path too.
 */
import type * as NodeBuffer from 'node:buffer';
import type * as NodeCrypto from 'node:crypto';

interface NodeHost {
  crypto: typeof NodeCrypto;
  /** Node's `require` from this file: loads a package synchronously, when first needed. */
  require: (id: string) => unknown;
  /** Node's Buffer, for its native hex codec only. */
  buffer: typeof NodeBuffer.Buffer;
}

interface MaybeNodeProcess {
  versions?: Record<string, string | undefined>;
  getBuiltinModule?: (id: string) => unknown;
}

function lookUpNode(): NodeHost | undefined {
  const proc = (globalThis as { process?: MaybeNodeProcess }).process;
  const versions = proc?.versions;
  if (versions?.node === undefined || versions.bun !== undefined || versions.deno !== undefined) return undefined;
  const builtin = proc?.getBuiltinModule; // Node 20.16 and later
  if (builtin === undefined) return undefined;
  const { createRequire } = builtin('node:module') as { createRequire(from: string): (id: string) => unknown };
  return {
    crypto: builtin('node:crypto') as typeof NodeCrypto,
    require: createRequire(import.meta.url),
    buffer: (builtin('node:buffer') as typeof NodeBuffer).Buffer,
  };
}

/** Node's built-ins, or undefined on any other runtime. */
export const node: NodeHost | undefined = lookUpNode();
