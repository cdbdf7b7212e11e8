import { describe, expect, it } from 'vitest';
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
      name: 'SubmitSharesStandard',
      message: { channelId: 1, sequenceNumber: 7, jobId: 42, nonce: 0xdeadbeef, ntime: 0x66000000, version: 0x20000000 },
    });
    const e = runCli(['encode', '-'], d.stdout);
    expect(e.status).toBe(0);
    expect(e.stdout.trim()).toBe(SHARE);
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
