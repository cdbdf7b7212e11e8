/**
 * Scripts as Bitcoin Core shows them (ScriptToAsmStr): pushes of up to 4 bytes as script numbers,
 * longer ones as hex, opcodes by name; in a scriptSig a pushed signature's sighash byte is shown
 * as `[ALL]` etc. A push that runs past the end shows `[error]`, as Core.
 */
import { bytesToHex as hex } from '../codec/hex.js';
import { OP_PUSHDATA1, OP_PUSHDATA2, OP_PUSHDATA4, scriptNumDecode } from './script.js';

const NAMES: Record<number, string> = { 0x00: '0', 0x4f: '-1', 0x50: 'OP_RESERVED' };
for (let n = 1; n <= 16; n++) NAMES[0x50 + n] = String(n);
const NAMED: [number, string][] = [
  [0x61, 'NOP'], [0x62, 'VER'], [0x63, 'IF'], [0x64, 'NOTIF'], [0x65, 'VERIF'], [0x66, 'VERNOTIF'], [0x67, 'ELSE'], [0x68, 'ENDIF'], [0x69, 'VERIFY'], [0x6a, 'RETURN'],
  [0x6b, 'TOALTSTACK'], [0x6c, 'FROMALTSTACK'], [0x6d, '2DROP'], [0x6e, '2DUP'], [0x6f, '3DUP'], [0x70, '2OVER'], [0x71, '2ROT'], [0x72, '2SWAP'], [0x73, 'IFDUP'], [0x74, 'DEPTH'],
  [0x75, 'DROP'], [0x76, 'DUP'], [0x77, 'NIP'], [0x78, 'OVER'], [0x79, 'PICK'], [0x7a, 'ROLL'], [0x7b, 'ROT'], [0x7c, 'SWAP'], [0x7d, 'TUCK'],
  [0x7e, 'CAT'], [0x7f, 'SUBSTR'], [0x80, 'LEFT'], [0x81, 'RIGHT'], [0x82, 'SIZE'], [0x83, 'INVERT'], [0x84, 'AND'], [0x85, 'OR'], [0x86, 'XOR'], [0x87, 'EQUAL'], [0x88, 'EQUALVERIFY'],
  [0x89, 'RESERVED1'], [0x8a, 'RESERVED2'], [0x8b, '1ADD'], [0x8c, '1SUB'], [0x8d, '2MUL'], [0x8e, '2DIV'], [0x8f, 'NEGATE'], [0x90, 'ABS'], [0x91, 'NOT'], [0x92, '0NOTEQUAL'],
  [0x93, 'ADD'], [0x94, 'SUB'], [0x95, 'MUL'], [0x96, 'DIV'], [0x97, 'MOD'], [0x98, 'LSHIFT'], [0x99, 'RSHIFT'], [0x9a, 'BOOLAND'], [0x9b, 'BOOLOR'], [0x9c, 'NUMEQUAL'],
  [0x9d, 'NUMEQUALVERIFY'], [0x9e, 'NUMNOTEQUAL'], [0x9f, 'LESSTHAN'], [0xa0, 'GREATERTHAN'], [0xa1, 'LESSTHANOREQUAL'], [0xa2, 'GREATERTHANOREQUAL'], [0xa3, 'MIN'], [0xa4, 'MAX'], [0xa5, 'WITHIN'],
  [0xa6, 'RIPEMD160'], [0xa7, 'SHA1'], [0xa8, 'SHA256'], [0xa9, 'HASH160'], [0xaa, 'HASH256'], [0xab, 'CODESEPARATOR'], [0xac, 'CHECKSIG'], [0xad, 'CHECKSIGVERIFY'], [0xae, 'CHECKMULTISIG'],
  [0xaf, 'CHECKMULTISIGVERIFY'], [0xb0, 'NOP1'], [0xb1, 'CHECKLOCKTIMEVERIFY'], [0xb2, 'CHECKSEQUENCEVERIFY'], [0xb3, 'NOP4'], [0xb4, 'NOP5'], [0xb5, 'NOP6'], [0xb6, 'NOP7'], [0xb7, 'NOP8'],
  [0xb8, 'NOP9'], [0xb9, 'NOP10'], [0xba, 'CHECKSIGADD'],
];
for (const [op, name] of NAMED) NAMES[op] = `OP_${name}`;

const SIGHASH_NAMES: Record<number, string> = { 0x01: 'ALL', 0x02: 'NONE', 0x03: 'SINGLE', 0x81: 'ALL|ANYONECANPAY', 0x82: 'NONE|ANYONECANPAY', 0x83: 'SINGLE|ANYONECANPAY' };


/** A DER signature with a known sighash byte (the shape Core's sighash decode accepts, loosely checked). */
function sighashSuffix(data: Uint8Array): string | undefined {
  if (data.length < 9 || data.length > 73 || data[0] !== 0x30 || data[1] !== data.length - 3) return undefined;
  const name = SIGHASH_NAMES[data[data.length - 1]!];
  return name === undefined ? undefined : `[${name}]`;
}

export function scriptAsm(script: Uint8Array, opts: { sighashDecode?: boolean } = {}): string {
  const parts: string[] = [];
  let i = 0;
  while (i < script.length) {
    const op = script[i++]!;
    if (op > OP_PUSHDATA4) {
      parts.push(opAsm({ opcode: op }, opts));
      continue;
    }
    const width = op === OP_PUSHDATA1 ? 1 : op === OP_PUSHDATA2 ? 2 : op === OP_PUSHDATA4 ? 4 : 0;
    if (i + width > script.length) return [...parts, '[error]'].join(' ');
    let len = width === 0 ? op : 0;
    for (let k = width - 1; k >= 0; k--) len = len * 256 + script[i + k]!;
    i += width;
    if (i + len > script.length) return [...parts, '[error]'].join(' ');
    parts.push(opAsm({ opcode: op, data: script.subarray(i, i + len) }, opts));
    i += len;
  }
  return parts.join(' ');
}

function opAsm(op: { opcode: number; data?: Uint8Array }, opts: { sighashDecode?: boolean }): string {
  if (op.opcode <= OP_PUSHDATA4) {
    const d = op.data ?? new Uint8Array(0);
    if (d.length <= 4) return scriptNumDecode(d, 4).toString();
    const suffix = opts.sighashDecode ? sighashSuffix(d) : undefined;
    return suffix === undefined ? hex(d) : hex(d.subarray(0, d.length - 1)) + suffix;
  }
  return NAMES[op.opcode] ?? 'OP_UNKNOWN';
}
