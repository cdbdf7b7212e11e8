import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Where a browser test saves a screenshot: docs/ (the README's pictures) with
 * UPDATE_SCREENSHOTS=1, else the temporary directory, so a test run leaves the tree clean.
 */
export function screenshotPath(name: string): string {
  return process.env.UPDATE_SCREENSHOTS === '1' ? path.resolve('docs', name) : path.join(tmpdir(), name);
}
