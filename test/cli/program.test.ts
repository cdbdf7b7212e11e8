import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '../../src/codec/index.js';
import { encodeFrame } from '../../src/messages/index.js';
import { buildProgram } from '../../src/cli/program.js';
import { runCli } from '../support/cli.js';

const SHARE = '00801a18000001000000070000002a000000efbeadde0000006600000020';

describe('sv2 command', () => {
  it('names itself and lists its help', () => {
    expect(buildProgram().helpInformation()).toContain('Usage: sv2');
  });

  it('decode prints a frame as JSON, encode turns it back into the same bytes', () => {
    const d = runCli(['decode', SHARE]);
    expect(d.status).toBe(0);
    const json = JSON.parse(d.stdout);
    expect(json).toEqual({
      extensionType: 0,
      channelMsg: true,
      msgType: 0x1a,
      protocol: 'Mining',
      name: 'SubmitSharesStandard',
      message: { channelId: 1, sequenceNumber: 7, jobId: 42, nonce: 0xdeadbeef, ntime: 0x66000000, version: 0x20000000 },
    });
    const e = runCli(['encode', '-'], d.stdout);
    expect(e.status).toBe(0);
    expect(e.stdout.trim()).toBe(SHARE);
  });

  it("names messages by the spec's names, with the protocol; encode takes those names back", () => {
    const tdp = bytesToHex(encodeFrame('SetNewPrevHashTdp', { templateId: 5n, prevHash: new Uint8Array(32).fill(1), headerTimestamp: 7, nbits: 0x207fffff, target: new Uint8Array(32).fill(0xff) }));
    const d = runCli(['decode', tdp]);
    const json = JSON.parse(d.stdout) as { protocol: string; name: string };
    expect([json.protocol, json.name]).toEqual(['Template Distribution', 'SetNewPrevHash']);
    expect(runCli(['encode', '-'], d.stdout).stdout.trim()).toBe(tdp);
    const ack = bytesToHex(encodeFrame('SubmitSharesSuccess', { channelId: 1, lastSequenceNumber: 9, newSubmitsAcceptedCount: 2, newSharesSum: 4n }));
    expect(JSON.parse(runCli(['decode', ack]).stdout)).toMatchObject({ protocol: 'Mining', name: 'SubmitShares.Success' });
    // A name two protocols share needs the protocol (or msg_type) to say which.
    const ambiguous = runCli(['encode', JSON.stringify({ ...JSON.parse(d.stdout), protocol: undefined, msgType: undefined })]);
    expect(ambiguous.stderr).toMatch(/SetNewPrevHash is in Mining and Template Distribution: say which/);
  });

  it('a reader that goes away (sv2 decode … | head -c0) ends it quietly', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('src/cli/main.ts'), 'decode', SHARE], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('shows U64 as a decimal string and bytes as hex', () => {
    const d = runCli(['decode', '000073080000ffffffffffffffff']);
    expect(JSON.parse(d.stdout).message).toEqual({ templateId: '18446744073709551615' });
  });

  it('bad input: one line on stderr and exit code 1', () => {
    for (const args of [['decode', '00801a1800000100'], ['decode', 'xyz'], ['encode', '{"name":"Nope"}'], ['encode', '{']]) {
      const r = runCli(args);
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
