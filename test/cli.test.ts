import { describe, expect, it } from 'vitest';
import { buildProgram } from '../src/cli/program.js';

describe('sv2 command', () => {
  it('names itself and lists its help', () => {
    const help = buildProgram().helpInformation();
    expect(help).toContain('Usage: sv2');
  });
});
