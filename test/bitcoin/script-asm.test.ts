import { describe, expect, it } from 'vitest';
import { fromHex } from '../../src/bitcoin/index.js';
import { scriptAsm } from '../../src/bitcoin/script-asm.js';

describe('scriptAsm (Bitcoin Core ScriptToAsmStr)', () => {
  it('names opcodes, shows small pushes as numbers and longer ones as hex', () => {
    const h = '89abcdefabbaabbaabbaabbaabbaabbaabbaabba';
    expect(scriptAsm(fromHex(`76a914${h}88ac`))).toBe(`OP_DUP OP_HASH160 ${h} OP_EQUALVERIFY OP_CHECKSIG`);
    expect(scriptAsm(fromHex(`0014${h}`))).toBe(`0 ${h}`);
    expect(scriptAsm(fromHex(`5120${'11'.repeat(32)}`))).toBe(`1 ${'11'.repeat(32)}`);
    expect(scriptAsm(fromHex('6a24aa21a9ed' + '00'.repeat(32)))).toBe(`OP_RETURN aa21a9ed${'00'.repeat(32)}`);
    // BIP34 height push in a coinbase scriptSig: 3 bytes → a number; OP_1NEGATE, OP_16, OP_CHECKSIGADD.
    expect(scriptAsm(fromHex('03a08601'))).toBe('100000');
    expect(scriptAsm(fromHex('4f60ba'))).toBe('-1 16 OP_CHECKSIGADD');
    expect(scriptAsm(fromHex('0181'))).toBe('-1');
    expect(scriptAsm(new Uint8Array(0))).toBe('');
  });

  it('marks a push that runs past the end as [error], after what decoded', () => {
    expect(scriptAsm(fromHex('76054142'))).toBe('OP_DUP [error]');
    expect(scriptAsm(fromHex('4c'))).toBe('[error]');
    expect(scriptAsm(fromHex('ff'))).toBe('OP_UNKNOWN');
  });

  it("shows a scriptSig signature's sighash type, as Core does for inputs", () => {
    const sig = '3044' + '0220' + '11'.repeat(32) + '0220' + '22'.repeat(32);
    const pub = '02' + '33'.repeat(32);
    const script = fromHex(`47${sig}01` + `21${pub}`);
    expect(scriptAsm(script, { sighashDecode: true })).toBe(`${sig}[ALL] ${pub}`);
    expect(scriptAsm(script)).toBe(`${sig}01 ${pub}`);
    expect(scriptAsm(fromHex(`47${sig}83`), { sighashDecode: true })).toBe(`${sig}[SINGLE|ANYONECANPAY]`);
  });
});
