import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A path named `name` in a fresh temporary directory; the file holds `text` when given. */
export function tempPath(name: string, text?: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'sv2-test-')), name);
  if (text !== undefined) writeFileSync(file, text);
  return file;
}
