import { describe, expect, it } from 'vitest';
import { deviceUserIdentity } from '../../../src/roles/common/upstream.js';

describe('deviceUserIdentity', () => {
  it('puts a device under the upstream account as its worker, unless it already names the account', () => {
    expect(deviceUserIdentity('farm', 'rig1')).toBe('farm.rig1');
    expect(deviceUserIdentity('farm', 'farm.rig1')).toBe('farm.rig1');
    expect(deviceUserIdentity('farm', 'farm')).toBe('farm');
    expect(deviceUserIdentity('farm', 'farmer.rig1')).toBe('farm.farmer.rig1');
    expect(deviceUserIdentity('', 'rig1')).toBe('rig1');
  });

  it('cuts a long device name to 255 bytes, keeping the account', () => {
    const id = deviceUserIdentity('farm', 'é'.repeat(200));
    expect(new TextEncoder().encode(id).length).toBeLessThanOrEqual(255);
    expect(id.startsWith('farm.é')).toBe(true);
  });
});
