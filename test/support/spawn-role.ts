import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';

const MAIN = path.resolve('src/cli/main.ts');

export interface SpawnedRole {
  child: ChildProcess;
  /** Everything the process wrote to the watched stream (stderr by default) so far. */
  output(): string;
  /** Resolves with the first match of `re` on the watched stream (e.g. the listening line). */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs `sv2 <args>` from source in its own process, as a user would. */
export function spawnRole(args: string[], env: NodeJS.ProcessEnv, watch: 'stderr' | 'stdout' = 'stderr'): SpawnedRole {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  const watchers: (() => void)[] = [];
  const watched = watch === 'stderr' ? child.stderr! : child.stdout!;
  const other = watch === 'stderr' ? child.stdout! : child.stderr!;
  watched.setEncoding('utf8').on('data', (d: string) => {
    err += d;
    for (const w of [...watchers]) w();
  });
  other.setEncoding('utf8').on('data', (d: string) => {
    if (watch === 'stdout') err += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    output: () => err,
    exited,
    waitFor(re, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const m = err.match(re);
          if (m) {
            clearTimeout(timer);
            watchers.splice(watchers.indexOf(check), 1);
            resolve(m);
            return true;
          }
          return false;
        };
        const timer = setTimeout(() => reject(new Error(`no ${re} on ${watch} within ${timeoutMs} ms; stderr: ${err.slice(-500)}`)), timeoutMs);
        if (!check()) {
          watchers.push(check);
          void exited.then(() => reject(new Error(`process exited before ${re}; stderr: ${err.slice(-500)}`)));
        }
      });
    },
  };
}
