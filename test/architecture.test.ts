import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// The layer each top-level folder of src/ belongs to; an import may only point to the same or a lower layer.
const LAYER: Record<string, number> = {
  host: 0, codec: 0, framing: 0, messages: 0, noise: 0, sv1: 0, bitcoin: 0,
  channels: 1, chain: 1,
  net: 2,
  roles: 3,
  monitor: 4, cli: 4,
};
const SRC = path.resolve('src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return full.endsWith('.ts') ? [full] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs: string[] = [];
  for (const m of text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    specs.push((m[1] ?? m[2])!);
  }
  return specs.filter((s) => s.startsWith('.'));
}

/** The layers that must run on any JavaScript runtime (a browser, Deno, Bun), not only on Node. */
const PORTABLE_LAYERS = [0, 1];
/** The one file that may reach Node, by a run-time lookup instead of an import. */
const NODE_LOOKUP = path.join('host', 'node.ts');

/** Source text without comments, so a comment may still name node:crypto or Buffer. */
function codeOf(file: string): string {
  return readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

/** `[folder, role]` of a path inside src/, e.g. ['roles', 'pool']. */
function placeOf(file: string): [string, string | undefined] {
  const parts = path.relative(SRC, file).split(path.sep);
  return [parts[0]!, parts.length > 2 ? parts[1] : undefined];
}

describe('architecture', () => {
  const files = sourceFiles(SRC);

  it('every top-level source folder has a layer', () => {
    const folders = new Set(files.map((f) => placeOf(f)[0]).filter((f) => !f.endsWith('.ts')));
    for (const folder of folders) expect(LAYER, `src/${folder} has no layer`).toHaveProperty(folder);
  });

  it('imports point down the layers, never up, and never sideways into another role', () => {
    const violations: string[] = [];
    for (const file of files) {
      const [from, fromRole] = placeOf(file);
      if (from.endsWith('.ts')) continue; // src/index.ts is the library façade
      for (const spec of importsOf(file)) {
        const target = path.resolve(path.dirname(file), spec);
        const [to, toRole] = placeOf(target);
        const rel = path.relative(SRC, file);
        if (to.endsWith('.js') || to.endsWith('.ts')) {
          violations.push(`${rel} imports the façade ${spec}`);
          continue;
        }
        if ((LAYER[to] ?? 99) > (LAYER[from] ?? -1)) violations.push(`${rel} (${from}) imports ${spec} (${to}), a higher layer`);
        if (from === 'roles' && to === 'roles' && toRole !== fromRole && toRole !== 'common') {
          violations.push(`${rel} imports another role: ${spec}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('every error class descends from the one root, Sv2Error, whose codes are all SV2_ERR_*', () => {
    const offenders: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/class (\w+) extends (\w*Error)\b/g)) {
        if (m[2] === 'Error' && !(m[1] === 'Sv2Error' && file.endsWith(path.join('codec', 'sv2-error.ts')))) offenders.push(`${path.relative(SRC, file)}: ${m[1]}`);
      }
      for (const m of text.matchAll(/(?:super|code =)\(?\s*'([A-Z_]+)'/g)) {
        if (!m[1]!.startsWith('SV2_ERR_')) offenders.push(`${path.relative(SRC, file)}: code ${m[1]}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('the wire and logic layers import nothing from node: and use no Buffer (only host/node.ts looks Node up)', () => {
    const violations: string[] = [];
    for (const file of files) {
      const rel = path.relative(SRC, file);
      if (!PORTABLE_LAYERS.includes(LAYER[placeOf(file)[0]] ?? -1) || rel === NODE_LOOKUP) continue;
      const code = codeOf(file);
      for (const m of code.matchAll(/['"`]node:[\w/]+['"`]|\bBuffer\b|(?<![.\w])require\(|(?<![.\w])process\./g)) violations.push(`${rel}: ${m[0]}`);
    }
    expect(violations).toEqual([]);
  });
});
