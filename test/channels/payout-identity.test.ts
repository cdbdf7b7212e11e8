import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addressToScript } from '../../src/bitcoin/address.js';
import { bytesToHex } from '../../src/codec/hex.js';
import { parseUserIdentity, payoutKey, UserIdentityError, type IdentityRules } from '../../src/channels/payout-identity.js';

const REGTEST_ADDR = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080';
const MAINNET_ADDR = 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq';
const SOLO: IdentityRules = { network: 'regtest', solo: true, soloFeeBps: 0 };
const NO_SOLO: IdentityRules = { network: 'regtest', solo: false, soloFeeBps: 0 };

function refusal(identity: string, rules: IdentityRules): UserIdentityError {
  try {
    parseUserIdentity(identity, rules);
  } catch (e) {
    if (e instanceof UserIdentityError) return e;
    throw e;
  }
  throw new Error(`"${identity}" was accepted`);
}

describe('user_identity → payout', () => {
  it('reads SRI\'s solo forms: sri/solo/<address>/<worker> and <address>[.<worker>]', () => {
    const script = bytesToHex(addressToScript(REGTEST_ADDR, 'regtest'));
    const a = parseUserIdentity(`sri/solo/${REGTEST_ADDR}/rig1`, SOLO);
    expect(a).toMatchObject({ kind: 'solo', address: REGTEST_ADDR, poolBps: 0, worker: 'rig1' });
    if (a.kind === 'solo') expect(bytesToHex(a.script)).toBe(script);
    expect(parseUserIdentity(`sri/solo/${REGTEST_ADDR}`, SOLO)).toMatchObject({ kind: 'solo', worker: undefined });
    expect(parseUserIdentity(`${REGTEST_ADDR}.bitaxe`, SOLO)).toMatchObject({ kind: 'solo', address: REGTEST_ADDR, worker: 'bitaxe' });
    expect(parseUserIdentity(REGTEST_ADDR, SOLO)).toMatchObject({ kind: 'solo', worker: undefined });
  });

  it('reads donations: sri/donate/<percent>/<address>/<worker> and sri/donate/<worker>', () => {
    expect(parseUserIdentity(`sri/donate/2.5/${REGTEST_ADDR}/rig`, SOLO)).toMatchObject({ kind: 'solo', poolBps: 250, worker: 'rig' });
    expect(parseUserIdentity(`sri/donate/0/${REGTEST_ADDR}/rig`, SOLO)).toMatchObject({ kind: 'solo', poolBps: 0 });
    expect(parseUserIdentity(`sri/donate/100/${REGTEST_ADDR}/rig`, SOLO)).toEqual({ kind: 'donate', worker: 'rig' });
    expect(parseUserIdentity('sri/donate/rig7', SOLO)).toEqual({ kind: 'donate', worker: 'rig7' });
    expect(parseUserIdentity('sri/donate', NO_SOLO)).toEqual({ kind: 'donate', worker: undefined });
  });

  it('takes the pool fee on solo channels unless the donation is larger', () => {
    const rules = { ...SOLO, soloFeeBps: 100 };
    expect(parseUserIdentity(REGTEST_ADDR, rules)).toMatchObject({ poolBps: 100 });
    expect(parseUserIdentity(`sri/donate/0.5/${REGTEST_ADDR}/w`, rules)).toMatchObject({ poolBps: 100 });
    expect(parseUserIdentity(`sri/donate/5/${REGTEST_ADDR}/w`, rules)).toMatchObject({ poolBps: 500 });
  });

  it('reads anything else as a pool account with an optional worker', () => {
    expect(parseUserIdentity('alice.rig1', SOLO)).toEqual({ kind: 'account', account: 'alice', worker: 'rig1' });
    expect(parseUserIdentity('alice', SOLO)).toEqual({ kind: 'account', account: 'alice', worker: undefined });
    expect(parseUserIdentity('alice.rack.3', SOLO)).toEqual({ kind: 'account', account: 'alice', worker: 'rack.3' });
    // Without solo mining an address is only a name, as before.
    const named = parseUserIdentity(`${REGTEST_ADDR}.w`, NO_SOLO);
    expect(named).toMatchObject({ kind: 'account', account: REGTEST_ADDR, worker: 'w' });
    // ...that can be paid in the coinbase.
    if (named.kind === 'account') expect(bytesToHex(named.script!)).toBe(bytesToHex(addressToScript(REGTEST_ADDR, 'regtest')));
    expect(parseUserIdentity(MAINNET_ADDR, NO_SOLO)).toEqual({ kind: 'account', account: MAINNET_ADDR, worker: undefined });
  });

  it('refuses an address of another network, naming both', () => {
    const e = refusal(`sri/solo/${MAINNET_ADDR}/rig`, SOLO);
    expect(e.errorCode).toBe('invalid-user-identity');
    expect(e.message).toBe(`user_identity "sri/solo/${MAINNET_ADDR}/rig": ${MAINNET_ADDR} is a mainnet address, but this pool mines on regtest`);
    expect(refusal(`${MAINNET_ADDR}.w`, SOLO).reason).toMatch(/mainnet address, but this pool mines on regtest/);
    expect(refusal('sri/solo/notanaddress/rig', SOLO).reason).toBe('notanaddress is not a valid regtest address');
    expect(refusal(`sri/donate/5/${MAINNET_ADDR}/rig`, SOLO).reason).toMatch(/mainnet address/);
  });

  it('refuses malformed identities with a reason', () => {
    expect(refusal('', SOLO).reason).toBe('empty');
    expect(refusal('sri/solo/', SOLO).reason).toMatch(/needs an address/);
    expect(refusal('sri/pps/x', SOLO).reason).toMatch(/unknown mode "sri\/pps\/"/);
    expect(refusal(`sri/donate/101/${REGTEST_ADDR}/w`, SOLO).reason).toMatch(/more than 100 %/);
    expect(refusal(`sri/donate/1.234/${REGTEST_ADDR}/w`, SOLO).reason).toMatch(/not a percentage/);
    expect(refusal('.rig', SOLO).reason).toBe('empty account name');
    expect(refusal('alice.', SOLO).reason).toBe('empty worker name');
    expect(refusal('al\u0001ice', SOLO).reason).toMatch(/control characters/);
    expect(refusal(`sri/solo/${REGTEST_ADDR}/w`, NO_SOLO).reason).toMatch(/solo_mining is off/);
  });

  it('never throws anything but a UserIdentityError, and solo keys differ exactly when the outputs do', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), fc.boolean(), (identity, soloOn) => {
        try {
          const t = parseUserIdentity(identity, { ...SOLO, solo: soloOn });
          if (t.kind !== 'solo') expect(payoutKey(t)).toBe('');
        } catch (e) {
          expect(e).toBeInstanceOf(UserIdentityError);
        }
      }),
    );
    const a = parseUserIdentity(REGTEST_ADDR, SOLO);
    const b = parseUserIdentity(`sri/solo/${REGTEST_ADDR}/other`, SOLO);
    const c = parseUserIdentity(`sri/donate/1/${REGTEST_ADDR}/other`, SOLO);
    expect(payoutKey(a)).toBe(payoutKey(b));
    expect(payoutKey(a)).not.toBe(payoutKey(c));
  });
});
