import { readFileSync } from 'node:fs';

/** Rows of a vector CSV (no quoted fields in these files) as objects keyed by the header. */
export function loadCsv(name: string): Record<string, string>[] {
  const text = readFileSync(new URL(`./${name}`, import.meta.url), 'utf8').trim();
  const [header, ...lines] = text.split(/\r?\n/);
  const keys = header!.split(',');
  return lines.map((line) => {
    const cells = line.split(',');
    return Object.fromEntries(keys.map((k, i) => [k, cells[i] ?? '']));
  });
}

export const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
export const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
