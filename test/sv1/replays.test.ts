import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LineSplitter, parseClientLine, parseServerLine } from '../../src/sv1/index.js';

const DIR = new URL('../data/sv1/', import.meta.url);

interface ReplayLine {
  direction: '>' | '<';
  type: string;
  json: string;
  lineNumber: number;
}

function readReplay(name: string): ReplayLine[] {
  return readFileSync(new URL(name, DIR), 'utf8')
    .split('\n')
    .map((text, i) => ({ text, lineNumber: i + 1 }))
    .filter(({ text }) => text.trim() !== '' && !text.startsWith('#'))
    .map(({ text, lineNumber }) => {
      const m = /^([<>]) (\S+) (.*)$/.exec(text);
      if (m === null) throw new Error(`${name}:${lineNumber}: not a replay line`);
      return { direction: m[1] as '>' | '<', type: m[2]!, json: m[3]!, lineNumber };
    });
}

const replays = readdirSync(DIR).filter((f) => f.endsWith('.replay'));

describe('replays of real miner software', () => {
  it('covers cpuminer, cgminer, Bitaxe and the quirks file', () => {
    expect(replays.sort()).toEqual(['bitaxe-esp-miner-2.x.replay', 'bitaxe-v2.2-public-pool.replay', 'cgminer-4.x.replay', 'cpuminer-2.5.replay', 'quirks.replay']);
  });

  for (const name of replays) {
    it(`${name}: every line parses to its expected message, also with CRLF and dribbled bytes`, () => {
      const lines = readReplay(name);
      expect(lines.length).toBeGreaterThan(3);
      for (const { direction, type, json, lineNumber } of lines) {
        const parse = direction === '>' ? (l: string) => parseClientLine(l) : parseServerLine;
        expect(parse(json).type, `${name}:${lineNumber}`).toBe(type);
        expect(parse(`${json}\r`)).toEqual(parse(json));
      }
      // the same stream through the framing, one byte at a time, gives the same lines back
      const wire = new TextEncoder().encode(lines.map((l) => `${l.json}\r\n`).join(''));
      const splitter = new LineSplitter();
      const framed: string[] = [];
      for (let i = 0; i < wire.length; i++) framed.push(...splitter.push(wire.subarray(i, i + 1)));
      expect(framed).toEqual(lines.map((l) => l.json));
    });
  }

  it('Bitaxe 2.x: version bits on every submit, extranonce.subscribe twice', () => {
    const lines = readReplay('bitaxe-esp-miner-2.x.replay').filter((l) => l.direction === '>');
    const submits = lines.map((l) => parseClientLine(l.json)).filter((m) => m.type === 'submit');
    expect(submits.length).toBe(2);
    for (const s of submits) expect(s.share.versionBits).not.toBeNull();
    expect(lines.filter((l) => l.type === 'extranonce-subscribe')).toHaveLength(2);
  });

  it('cgminer: id 0 is kept, the session id is offered, the second submit rolls versions', () => {
    const messages = readReplay('cgminer-4.x.replay')
      .filter((l) => l.direction === '>')
      .map((l) => parseClientLine(l.json));
    expect(messages[0]).toMatchObject({ type: 'configure', id: 0, versionRolling: { mask: 0x1fffe000, minBitCount: 2 } });
    expect(messages[1]).toMatchObject({ type: 'subscribe', userAgent: 'cgminer/4.12.1', sessionId: 'ae6812eb4cd7735a302a8a9dd95cf71f' });
    const submits = messages.filter((m) => m.type === 'submit');
    expect(submits.map((s) => s.share.versionBits)).toEqual([null, 0x00c00000]);
  });
});
