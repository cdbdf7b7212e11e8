import { describe, expect, it } from 'vitest';
import { AuthorityKeyPair, AuthorityPublicKey } from '../../src/noise/index.js';
import { runCli } from '../support/cli.js';

describe('sv2 keygen / sv2 key public', () => {
  it('keygen prints a fresh pair whose halves belong together', () => {
    const r = runCli(['keygen']);
    expect(r.status).toBe(0);
    const pair = JSON.parse(r.stdout) as { public_key: string; secret_key: string };
    expect(Object.keys(pair)).toEqual(['public_key', 'secret_key']);
    expect(AuthorityKeyPair.parseSecret(pair.secret_key).publicKey.toString()).toBe(pair.public_key);
    expect(AuthorityPublicKey.parse(pair.public_key).x.length).toBe(32);
    expect(JSON.parse(runCli(['keygen']).stdout).secret_key).not.toBe(pair.secret_key);
  });

  it("key public derives SRI's example public key, from an argument or from stdin", () => {
    const secret = 'mkDLTBBRxdBv998612qipDYoTK3YUrqLe8uWw7gu3iXbSrn2n';
    const fromArg = runCli(['key', 'public', secret]);
    expect(fromArg.status).toBe(0);
    expect(fromArg.stdout).toBe('9auqWEzQDVyd2oe1JVGFLMLHZtCo2FFqZwtKA5gd9xbuEu7PH72\n');
    expect(runCli(['key', 'public', '-'], secret + '\n').stdout).toBe(fromArg.stdout);
  });

  it('bad secret: one line on stderr, exit 1', () => {
    for (const bad of ['nonsense', '9auqWEzQDVyd2oe1JVGFLMLHZtCo2FFqZwtKA5gd9xbuEu7PH72', 'mkDLTBBRxdBv998612qipDYoTK3YUrqLe8uWw7gu3iXbSrn2m']) {
      const r = runCli(['key', 'public', bad]);
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^sv2: secret key/);
    }
  });
});
