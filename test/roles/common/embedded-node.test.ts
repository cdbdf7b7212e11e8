import { describe, expect, it } from 'vitest';
import { embeddedDifficulty } from '../../../src/roles/common/embedded-node.js';
import { configError } from '../../support/config.js';

describe('embeddedDifficulty', () => {
  it('maps the difficulty keys and names the table when both rules are given', () => {
    expect(embeddedDifficulty({}, 'x')).toEqual({ mode: 'regtest' });
    expect(embeddedDifficulty({ nbits: '0x207fffff' }, 'x')).toEqual({ mode: 'fixed', bits: 0x207fffff });
    expect(embeddedDifficulty({ target_block_interval_secs: 30, initial_hashrate: 1e6 }, 'x')).toEqual({ mode: 'retarget', blockIntervalSeconds: 30, initialHashrate: 1e6 });
    const e = configError(() => embeddedDifficulty({ nbits: '207fffff', target_block_interval_secs: 30 }, 'template_provider_type.Embedded'));
    expect(e.message).toBe('template_provider_type.Embedded.nbits: give nbits or target_block_interval_secs, not both');
  });
});
