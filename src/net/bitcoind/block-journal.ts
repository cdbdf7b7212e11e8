/**
 * Found blocks on disk until the node has given its verdict: one `<hash>.block` file (hex) per
 * block, written and synced before the block goes to the node, removed once the node has answered.
 * What is left after a crash or a stop with the node away is submitted again at the next start.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { bytesToHex, hexToBytes } from '../../codec/hex.js';

export class BlockJournal {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  /** Durable before it returns: a block found is never only in memory. */
  write(hash: string, block: Uint8Array): void {
    const file = this.file(hash);
    const tmp = `${file}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, bytesToHex(block));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  }

  remove(hash: string): void {
    rmSync(this.file(hash), { force: true });
  }

  /** Blocks still waiting for a verdict, oldest first; unreadable files are skipped (and left for a person to look at). */
  load(): { hash: string; block: Uint8Array }[] {
    const out: { hash: string; block: Uint8Array; at: number }[] = [];
    for (const name of readdirSync(this.dir)) {
      const m = /^([0-9a-f]{64})\.block$/.exec(name);
      if (m === null) continue;
      const file = path.join(this.dir, name);
      try {
        const block = hexToBytes(readFileSync(file, 'utf8').trim());
        if (block.length >= 80) out.push({ hash: m[1]!, block, at: statSync(file).mtimeMs });
      } catch {
        // not a block file of ours
      }
    }
    return out.sort((a, b) => a.at - b.at).map(({ hash, block }) => ({ hash, block }));
  }

  private file(hash: string): string {
    return path.join(this.dir, `${hash}.block`);
  }
}
