/**
 * SHA-256 compressions (FIPS 180-4) generated as straight-line JavaScript: 64 rounds unrolled, the
 * round constants as literals, the eight working variables renamed from round to round instead of
 * moved, the message schedule in 16 locals. Words a block fixes (the padding of an 80-byte header's
 * second block, of a 32-byte digest) are folded in when the function is generated, so their part of
 * the schedule costs nothing per call. The share path hashes two blocks per share; unrolled, a
 * compression takes about half the time of the loop over typed arrays.
 */

const rotr = (x: number, n: number): number => (x >>> n) | (x << (32 - n));
const s0c = (x: number): number => rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3);
const s1c = (x: number): number => rotr(x, 17) ^ rotr(x, 19) ^ (x >>> 10);
const rotrE = (x: string, n: number): string => `((${x} >>> ${n}) | (${x} << ${32 - n}))`;

/** A schedule word while generating: a constant, or a sum of expressions plus a constant. */
type Word = { c: number; terms: string[] };

const sum = (...ws: Word[]): Word => ({ c: ws.reduce((s, w) => (s + w.c) | 0, 0), terms: ws.flatMap((w) => w.terms) });
const emit = (w: Word): string => (w.terms.length === 0 ? String(w.c) : `(${w.terms.join(' + ')}${w.c === 0 ? '' : ` + ${w.c}`}) | 0`);

/**
 * Source of a function body: `words[i]` is a number (the word is that constant) or the expression
 * that reads it. The state's eight words are read from and added back into `s` (an Int32Array).
 */
function body(words: readonly (number | string)[], K: Int32Array, init?: Int32Array): string {
  const out: string[] = [];
  // The schedule: w[t & 15] holds W[t]; a constant slot needs no local.
  const w: Word[] = [];
  for (let i = 0; i < 16; i++) {
    const x = words[i]!;
    if (typeof x === 'number') w.push({ c: x | 0, terms: [] });
    else {
      out.push(`let w${i} = ${x};`);
      w.push({ c: 0, terms: [`w${i}`] });
    }
  }
  // The state: read from `s`, or (a hash's first block) the initial constants.
  const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
  out.push(`let ${names.map((v, i) => `${v} = ${init === undefined ? `s[${i}]` : init[i]!}`).join(', ')};`);
  const sigma = (x: Word, constant: (v: number) => number, r1: number, r2: number, sh: number): Word => {
    if (x.terms.length === 0) return { c: constant(x.c), terms: [] };
    const v = x.terms.length === 1 && /^w\d+$/.test(x.terms[0]!) ? x.terms[0]! : `(${emit(x)})`;
    return { c: 0, terms: [`(${rotrE(v, r1)} ^ ${rotrE(v, r2)} ^ (${v} >>> ${sh}))`] };
  };
  let n = names;
  for (let t = 0; t < 64; t++) {
    const j = t & 15;
    if (t >= 16) {
      const next = sum(w[j]!, sigma(w[(t - 15) & 15]!, s0c, 7, 18, 3), w[(t - 7) & 15]!, sigma(w[(t - 2) & 15]!, s1c, 17, 19, 10));
      if (next.terms.length === 0) w[j] = next;
      else {
        out.push(`${out.some((l) => l.startsWith(`let w${j} `)) ? '' : 'let '}w${j} = ${emit(next)};`);
        w[j] = { c: 0, terms: [`w${j}`] };
      }
    }
    const [A, B, C, D, E, F, G, H] = n as [string, string, string, string, string, string, string, string];
    const kw = sum({ c: K[t]!, terms: [] }, w[j]!);
    const S1 = `(${rotrE(E, 6)} ^ ${rotrE(E, 11)} ^ ${rotrE(E, 25)})`;
    const S0 = `(${rotrE(A, 2)} ^ ${rotrE(A, 13)} ^ ${rotrE(A, 22)})`;
    out.push(`const t${t} = (${H} + ${S1} + (${G} ^ (${E} & (${F} ^ ${G}))) + ${kw.terms.join(' + ')}${kw.terms.length ? ' + ' : ''}${kw.c}) | 0;`);
    out.push(`${D} = (${D} + t${t}) | 0;`);
    out.push(`${H} = (t${t} + ${S0} + ((${A} & ${B}) | (${C} & (${A} | ${B})))) | 0;`);
    n = [H, A, B, C, D, E, F, G];
  }
  // After 64 renamings (a multiple of 8) every name holds its own word again.
  for (let i = 0; i < 8; i++) out.push(`s[${i}] = (${init === undefined ? `s[${i}]` : init[i]!} + ${names[i]!}) | 0;`);
  return out.join('\n');
}

/** `s` ← s + f(s, W[0..15]) (W is read, not changed). */
export function makeCompress(K: Int32Array, W: Int32Array): (s: Int32Array) => void {
  const words = Array.from({ length: 16 }, (_, i) => `W[${i}]`);
  return new Function('W', `return function compress(s) {\n${body(words, K)}\n};`)(W) as (s: Int32Array) => void;
}

/** A block every word of which is fixed (a 64-byte message's padding block): only the rounds are left. */
export function makeCompressConstant(K: Int32Array, block: readonly number[]): (s: Int32Array) => void {
  return new Function(`return function compressConstant(s) {\n${body(block, K)}\n};`)() as (s: Int32Array) => void;
}

/** An 80-byte header's second block: its last 16 bytes as four words, then the fixed padding. */
export function makeCompressHeaderTail(K: Int32Array): (s: Int32Array, w0: number, w1: number, w2: number, w3: number) => void {
  const words: (number | string)[] = ['w0_', 'w1_', 'w2_', 'w3_', 0x80000000 | 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 80 * 8];
  return new Function(`return function compressHeaderTail(s, w0_, w1_, w2_, w3_) {\n${body(words, K)}\n};`)() as (
    s: Int32Array,
    w0: number,
    w1: number,
    w2: number,
    w3: number,
  ) => void;
}

/**
 * sha256d's second hash: `s` ← SHA-256 of the 32-byte digest `s` holds (one padded block, from the
 * initial state `H0`, whose words are literals in the generated code).
 */
export function makeHashDigest(K: Int32Array, H0: Int32Array): (s: Int32Array) => void {
  const words: (number | string)[] = ['s[0]', 's[1]', 's[2]', 's[3]', 's[4]', 's[5]', 's[6]', 's[7]', 0x80000000 | 0, 0, 0, 0, 0, 0, 0, 256];
  return new Function(`return function hashDigest(s) {\n${body(words, K, H0)}\n};`)() as (s: Int32Array) => void;
}
