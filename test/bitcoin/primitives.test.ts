import { readFileSync } from 'node:fs';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { Transaction as ScureTx } from '@scure/btc-signer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addBip141,
  assembleBlock,
  bip143Sighash,
  bip34HeightPrefix,
  bitsToTarget,
  BitcoinDecodeError,
  buildCoinbase,
  coinbaseMerklePath,
  coinbaseTxid,
  computeMerkleRoot,
  findWitnessCommitment,
  fromHex,
  genesisBlock,
  GENESIS_COINBASE,
  hash160,
  hashFromDisplay,
  hashMeetsTarget,
  hashToDisplay,
  hashHeaderFields,
  headerHash,
  jobMerkleRoot,
  joinCoinbase,
  legacySighash,
  merkleRoot,
  merkleRootFromPath,
  p2pkhScript,
  parseBlock,
  parseHeader,
  parseTransaction,
  scriptNumDecode,
  scriptNumEncode,
  serializeBlock,
  serializeHeader,
  serializeTransaction,
  sha256d,
  stripBip141,
  witnessCommitment,
  witnessCommitmentOutput,
  type TxOut,
} from '../../src/bitcoin/index.js';
import { bytesToHex } from '../../src/codec/hex.js';
import { SHORT_SHA256D_BLOCKS, shortSha256d } from '../../src/bitcoin/short-sha256d.js';

const data = JSON.parse(readFileSync(new URL('../data/mainnet-blocks.json', import.meta.url), 'utf8')) as {
  mainnetGenesis: { hash: string; merkleRoot: string; hex: string };
  mainnet542213: {
    height: number; hash: string; merkleRoot: string; prevHash: string; bits: number; time: number; nonce: number; version: number;
    witnessCommitmentRaw: string; size: number; strippedSize: number; weight: number; hex: string;
  };
};

describe('hashes', () => {
  it('sha256d and hash160 match known values', () => {
    expect(bytesToHex(sha256d(new Uint8Array(0)))).toBe('5df6e0e2761359d30a8275058e299fcc0381534545f55cf43e41983f5d4c9456');
    // hash160 of the BIP143 example's P2WPKH public key is the program in its scriptPubKey.
    expect(bytesToHex(hash160(fromHex('025476c2e83188368da1ff3e292e7acafcdb3566bb0ad253f62fc70f07aeee6357')))).toBe('1d0f172a0ecb48aee1be1f2687d2963ae33f71a1');
  });

  it('display order is the reverse of internal order', () => {
    const h = hashFromDisplay(data.mainnetGenesis.hash);
    expect(h[31]).toBe(0x00);
    expect(hashToDisplay(h)).toBe(data.mainnetGenesis.hash);
  });
});

describe('genesis blocks', () => {
  it('parses the mainnet genesis: header hash and merkle root', () => {
    const block = parseBlock(fromHex(data.mainnetGenesis.hex));
    expect(hashToDisplay(block.hash)).toBe(data.mainnetGenesis.hash);
    expect(hashToDisplay(block.header.merkleRoot)).toBe(data.mainnetGenesis.merkleRoot);
    expect(hashToDisplay(merkleRoot(block.transactions.map((t) => t.txid)))).toBe(data.mainnetGenesis.merkleRoot);
    expect(bytesToHex(genesisBlock('mainnet'))).toBe(data.mainnetGenesis.hex);
    expect(block.transactions[0]!.outputs[0]!.value).toBe(5_000_000_000n);
  });

  it('builds the regtest and testnet3 genesis blocks bitcoind uses', () => {
    expect(hashToDisplay(headerHash(genesisBlock('regtest')))).toBe('0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206');
    expect(hashToDisplay(headerHash(genesisBlock('testnet')))).toBe('000000000933ea01ad0ee984209779baaec3ced90fa3f408719526f8d77f4943');
    expect(bytesToHex(parseTransaction(GENESIS_COINBASE).txid)).toBe('3ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a');
  });
});

describe('mainnet block 542213 (segwit)', () => {
  const d = data.mainnet542213;
  const raw = fromHex(d.hex);
  const block = parseBlock(raw);

  it('header fields and hash', () => {
    expect(hashToDisplay(block.hash)).toBe(d.hash);
    expect(hashToDisplay(block.header.prevHash)).toBe(d.prevHash);
    expect(block.header).toMatchObject({ version: d.version, time: d.time, bits: d.bits, nonce: d.nonce });
    expect(serializeHeader(parseHeader(raw))).toEqual(raw.subarray(0, 80));
  });

  it('sizes and weight', () => {
    expect([block.size, block.strippedSize, block.weight]).toEqual([d.size, d.strippedSize, d.weight]);
  });

  it('merkle root from the txids, and from the coinbase merkle path', () => {
    const txids = block.transactions.map((t) => t.txid);
    const computed = computeMerkleRoot(txids);
    expect(hashToDisplay(computed.root)).toBe(d.merkleRoot);
    expect(computed.mutated).toBe(false);
    expect(block.header.merkleRoot).toEqual(computed.root);
    const path = coinbaseMerklePath(txids.slice(1));
    expect(path).toHaveLength(Math.ceil(Math.log2(txids.length)));
    expect(merkleRootFromPath(txids[0]!, path)).toEqual(block.header.merkleRoot);
  });

  it('witness commitment over the wtxids with the coinbase reserved value', () => {
    const coinbase = block.transactions[0]!;
    const idx = findWitnessCommitment(coinbase.outputs);
    expect(idx).toBeGreaterThanOrEqual(0);
    const script = coinbase.outputs[idx]!.script;
    expect(bytesToHex(script.subarray(6, 38))).toBe(d.witnessCommitmentRaw);
    const reserved = coinbase.inputs[0]!.witness[0]!;
    expect(reserved).toHaveLength(32);
    const commitment = witnessCommitment(block.transactions.slice(1).map((t) => t.wtxid), reserved);
    expect(bytesToHex(commitment)).toBe(d.witnessCommitmentRaw);
    // At least one transaction really has a witness, so wtxid ≠ txid there.
    expect(block.transactions.some((t, i) => i > 0 && bytesToHex(t.txid) !== bytesToHex(t.wtxid))).toBe(true);
  });

  it('starts its coinbase scriptSig with the BIP34 height', () => {
    const sig = block.transactions[0]!.inputs[0]!.scriptSig;
    const prefix = bip34HeightPrefix(d.height);
    expect(bytesToHex(prefix)).toBe('03054608');
    expect(sig.subarray(0, prefix.length)).toEqual(prefix);
  });

  it('re-serializes byte for byte', () => {
    expect(serializeBlock(block.header, block.transactions.map((t) => t.raw))).toEqual(raw);
    for (const t of block.transactions) expect(serializeTransaction(t)).toEqual(t.raw);
  });

  it('splits its coinbase around an extranonce, strips BIP141 and gets the real txid back', () => {
    const cb = block.transactions[0]!;
    // scriptSig starts at 4 (version) + 2 (marker, flag) + 1 (count) + 36 (prevout) + 1 (length) = 44.
    const exStart = 44 + 10;
    const exLen = 8;
    const prefix = cb.raw.subarray(0, exStart);
    const extranonce = cb.raw.subarray(exStart, exStart + exLen);
    const suffix = cb.raw.subarray(exStart + exLen);
    const stripped = stripBip141(prefix, suffix)!;
    expect(stripped).not.toBeNull();
    expect(coinbaseTxid(stripped.prefix, extranonce, stripped.suffix)).toEqual(cb.txid);
    expect(stripBip141(stripped.prefix, stripped.suffix)).toBeNull();
    const restored = addBip141(stripped.prefix, stripped.suffix, cb.inputs[0]!.witness[0]);
    expect(joinCoinbase(restored.prefix, extranonce, restored.suffix)).toEqual(cb.raw);
  });

  it('assembles the block from its parts, as a solution for a template would', () => {
    const txs = block.transactions;
    const assembled = assembleBlock({
      version: d.version,
      prevHash: block.header.prevHash,
      time: d.time,
      bits: d.bits,
      nonce: d.nonce,
      coinbase: txs[0]!.raw,
      transactions: txs.slice(1).map((t) => t.raw),
      merklePath: coinbaseMerklePath(txs.slice(1).map((t) => t.txid)),
    });
    expect(assembled.block).toEqual(raw);
    expect(hashToDisplay(assembled.hash)).toBe(d.hash);
  });

  it('its bits decode to the target its hash meets', () => {
    const target = bitsToTarget(d.bits); // 0x172819a1: mantissa 2819a1, 23 significant bytes
    expect(bytesToHex(target.slice().reverse())).toBe('00'.repeat(9) + '2819a1' + '00'.repeat(20));
    expect(hashMeetsTarget(block.hash, target)).toBe(true);
    expect(hashMeetsTarget(block.hash, bitsToTarget(0x17000001))).toBe(false);
  });
});

describe('SRI BIP141 strip vectors (channels-sv2 bip141.rs)', () => {
  const bytes = (a: number[]) => Uint8Array.from(a);
  const prefixWith = bytes([2, 0, 0, 0, 0, 1, 1, ...new Array(32).fill(0), 255, 255, 255, 255, 60, 2, 69, 8, 0, 22, 47, 83, 116, 114, 97, 116, 117, 109, 32, 86, 50, 32, 83, 82, 73, 32, 80, 111, 111, 108, 47, 47, 32]);
  const outputs = [254, 255, 255, 255, 2, 0, 242, 5, 42, 1, 0, 0, 0, 22, 0, 20, 235, 225, 183, 220, 194, 147, 204, 170, 14, 231, 67, 168, 111, 137, 223, 130, 88, 194, 8, 252, 0, 0, 0, 0, 0, 0, 0, 0, 38, 106, 36, 170, 33, 169, 237, 226, 246, 28, 63, 113, 209, 222, 253, 63, 169, 153, 223, 163, 105, 83, 117, 92, 105, 6, 137, 121, 153, 98, 180, 139, 235, 216, 54, 151, 78, 140, 249];
  const suffixWith = bytes([...outputs, 1, 32, ...new Array(32).fill(0), 68, 8, 0, 0]);

  it('strips an SRI coinbase that still has its BIP141 fields', () => {
    const s = stripBip141(prefixWith, suffixWith)!;
    expect(Array.from(s.prefix)).toEqual([2, 0, 0, 0, 1, ...new Array(32).fill(0), 255, 255, 255, 255, 60, 2, 69, 8, 0, 22, 47, 83, 116, 114, 97, 116, 117, 109, 32, 86, 50, 32, 83, 82, 73, 32, 80, 111, 111, 108, 47, 47, 32]);
    expect(Array.from(s.suffix)).toEqual([...outputs, 68, 8, 0, 0]);
    expect(addBip141(s.prefix, s.suffix)).toEqual({ prefix: prefixWith, suffix: suffixWith });
  });

  it('leaves an already stripped (SRI, Braiins) coinbase alone', () => {
    const s = stripBip141(prefixWith, suffixWith)!;
    expect(stripBip141(s.prefix, s.suffix)).toBeNull();
    const braiins = bytes([1, 0, 0, 0, 1, ...new Array(32).fill(0), 255, 255, 255, 255, 76, 3, 206, 226, 13]);
    expect(stripBip141(braiins, bytes([255, 255, 255, 255, 0, 0, 0, 0, 0]))).toBeNull();
  });
});

describe('coinbase construction', () => {
  const outputs: TxOut[] = [
    { value: 312_500_000n, script: fromHex('0014e8df018c7e326cc253faac7e46cdc51e68542c42') },
    witnessCommitmentOutput([]),
  ];

  it('puts the extranonce last in the scriptSig and parses back as a valid coinbase', () => {
    const parts = buildCoinbase({
      txVersion: 2, scriptSigPrefix: bip34HeightPrefix(840_000), tag: new TextEncoder().encode('/sv2/test/'),
      extranonceSize: 12, sequence: 0xffffffff, outputs, locktime: 0, witnessReservedValue: new Uint8Array(32),
    });
    const extranonce = Uint8Array.from({ length: 12 }, (_, i) => i + 1);
    const tx = parseTransaction(joinCoinbase(parts.prefix, extranonce, parts.suffix));
    const sig = tx.inputs[0]!.scriptSig;
    expect(sig.subarray(sig.length - 12)).toEqual(extranonce);
    expect(sig[sig.length - 13]).toBe(12); // OP_PUSHBYTES_12
    expect(bytesToHex(sig.subarray(0, 4))).toBe('0340d10c'.slice(0, 8));
    expect(tx.outputs).toEqual(outputs);
    expect(tx.inputs[0]!.witness).toEqual([new Uint8Array(32)]);
    expect(coinbaseTxid(parts.strippedPrefix, extranonce, parts.strippedSuffix)).toEqual(tx.txid);
    expect(coinbaseTxid(parts.strippedPrefix, [extranonce.subarray(0, 4), extranonce.subarray(4)], parts.strippedSuffix)).toEqual(tx.txid);
    expect(stripBip141(parts.prefix, parts.suffix)).toEqual({ prefix: parts.strippedPrefix, suffix: parts.strippedSuffix });
  });

  it('builds a legacy coinbase without BIP141 fields', () => {
    const parts = buildCoinbase({ txVersion: 1, scriptSigPrefix: bip34HeightPrefix(1), extranonceSize: 4, sequence: 0, outputs: outputs.slice(0, 1), locktime: 0 });
    expect(parts.segwit).toBe(false);
    expect(parts.prefix).toEqual(parts.strippedPrefix);
    const tx = parseTransaction(joinCoinbase(parts.prefix, new Uint8Array(4), parts.suffix));
    expect(bytesToHex(tx.txid)).toBe(bytesToHex(tx.wtxid));
  });

  it('rejects a scriptSig over 100 bytes and an extranonce over 32', () => {
    expect(() => buildCoinbase({ txVersion: 2, scriptSigPrefix: bip34HeightPrefix(1), tag: new Uint8Array(80), extranonceSize: 32, sequence: 0, outputs, locktime: 0 })).toThrow(/scriptSig/);
    expect(() => buildCoinbase({ txVersion: 2, scriptSigPrefix: bip34HeightPrefix(1), extranonceSize: 33, sequence: 0, outputs, locktime: 0 })).toThrow(/extranonce/);
  });

  it('strip and add are inverse for any prefix/suffix (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4, maxLength: 80 }), fc.uint8Array({ minLength: 4, maxLength: 120 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (p, s, r) => {
        const full = addBip141(p, s, r);
        expect(stripBip141(full.prefix, full.suffix)).toEqual({ prefix: p, suffix: s });
      }),
    );
  });
});

describe('BIP34 heights and script numbers', () => {
  it('matches CScript() << height', () => {
    expect(bytesToHex(bip34HeightPrefix(0))).toBe('00');
    expect(bytesToHex(bip34HeightPrefix(1))).toBe('51');
    expect(bytesToHex(bip34HeightPrefix(16))).toBe('60');
    expect(bytesToHex(bip34HeightPrefix(17))).toBe('0111');
    expect(bytesToHex(bip34HeightPrefix(127))).toBe('017f');
    expect(bytesToHex(bip34HeightPrefix(128))).toBe('028000');
    expect(bytesToHex(bip34HeightPrefix(255))).toBe('02ff00');
    expect(bytesToHex(bip34HeightPrefix(256))).toBe('020001');
    expect(bytesToHex(bip34HeightPrefix(0x7fffffff))).toBe('04ffffff7f');
  });

  it('script numbers round-trip (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }), (n) => {
        expect(scriptNumDecode(scriptNumEncode(n))).toBe(n);
      }),
    );
  });
});

describe('merkle', () => {
  it('the path folds to the full-tree root for any number of transactions (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { minLength: 1, maxLength: 40 }), (leaves) => {
        expect(merkleRootFromPath(leaves[0]!, coinbaseMerklePath(leaves.slice(1)))).toEqual(merkleRoot(leaves));
      }),
    );
  });

  it('flags a mutated (duplicated-pair) transaction list', () => {
    const a = sha256d(Uint8Array.of(1));
    const b = sha256d(Uint8Array.of(2));
    const c = sha256d(Uint8Array.of(3));
    expect(computeMerkleRoot([a, b, c]).mutated).toBe(false);
    const dup = computeMerkleRoot([a, b, c, c]);
    expect(dup.mutated).toBe(true);
    expect(dup.root).toEqual(merkleRoot([a, b, c]));
  });
});

describe('transactions', () => {
  it('rejects truncated or trailing bytes with BitcoinDecodeError', () => {
    const tx = parseBlock(fromHex(data.mainnet542213.hex)).transactions[1]!.raw;
    expect(() => parseTransaction(tx.subarray(0, tx.length - 1))).toThrow(BitcoinDecodeError);
    expect(() => parseTransaction(Uint8Array.of(...tx, 0))).toThrow(BitcoinDecodeError);
  });

  it('never throws anything but BitcoinDecodeError on random bytes (fuzz)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          parseTransaction(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(BitcoinDecodeError);
        }
        try {
          parseBlock(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(BitcoinDecodeError);
        }
      }),
    );
  });
});

describe('signature hashes (BIP143 example)', () => {
  const signed = parseTransaction(fromHex(
    '01000000000102fff7f7881a8099afa6940d42d1e7f6362bec38171ea3edf433541db4e4ad969f00000000494830450221008b9d1dc26ba6a9cb62127b02742fa9d754cd3bebf337f7a55d114c8e5cdd30be022040529b194ba3f9281a99f2b1c0a19c0489bc22ede944ccf4ecbab4cc618ef3ed01eeffffffef51e1b804cc89d182d279655c3aa89e815b1b309fe287d9b2b55d57b90ec68a0100000000ffffffff02202cb206000000001976a9148280b37df378db99f66f85c95a783a76ac7a6d5988ac9093510d000000001976a9143bde42dbee7e4dbe6a21b2d50ce2f0167faa815988ac000247304402203609e17b84f6a7d30c80bfa610b5b4542f32a8a0d5447a12fb1366d7f01cc44a0220573a954c4518331561406f90300e8f3358f51928d43c212a8caed02de67eebee0121025476c2e83188368da1ff3e292e7acafcdb3566bb0ad253f62fc70f07aeee635711000000',
  ));

  it('BIP143 sighash of the native P2WPKH input, and its signature verifies', () => {
    const keyHash = fromHex('1d0f172a0ecb48aee1be1f2687d2963ae33f71a1');
    const h = bip143Sighash(signed, 1, p2pkhScript(keyHash), 600_000_000n, 1);
    expect(bytesToHex(h)).toBe('c37af31116d1b27caf68aae9e3ac82f1477929014d5b917657d0eb49478cb670');
    const [sig, pub] = signed.inputs[1]!.witness as [Uint8Array, Uint8Array];
    expect(secp256k1.verify(sig.subarray(0, -1), h, pub, { prehash: false, format: 'der', lowS: false })).toBe(true);
  });

  it('legacy sighash of the P2PK input verifies its signature', () => {
    const scriptPubKey = fromHex('2103c9f4836b9a4f77fc0d81f7bcb01b7f1b35916864b9476c241ce9fc198bd25432ac');
    const h = legacySighash(signed, 0, scriptPubKey, 1);
    const sig = signed.inputs[0]!.scriptSig.subarray(1, -1);
    expect(secp256k1.verify(sig, h, scriptPubKey.subarray(1, 34), { prehash: false, format: 'der', lowS: false })).toBe(true);
  });

  it('agrees with @scure/btc-signer for every sighash type', () => {
    const scure = ScureTx.fromRaw(signed.raw, { allowUnknownOutputs: true, disableScriptCheck: true });
    const code = p2pkhScript(fromHex('1d0f172a0ecb48aee1be1f2687d2963ae33f71a1'));
    for (const t of [1, 2, 3, 0x81, 0x82, 0x83]) {
      expect(bytesToHex(bip143Sighash(signed, 1, code, 600_000_000n, t))).toBe(bytesToHex(scure.preimageWitnessV0(1, code, t, 600_000_000n)));
    }
  });
});

describe('share hot path helpers', () => {
  it('jobMerkleRoot + hashHeaderFields reproduce block 542213 from its coinbase split', () => {
    const block = parseBlock(fromHex(data.mainnet542213.hex));
    const cb = block.transactions[0]!;
    const split = stripBip141(cb.raw.subarray(0, 50), cb.raw.subarray(58))!;
    const path = coinbaseMerklePath(block.transactions.slice(1).map((t) => t.txid));
    const root = jobMerkleRoot(split.prefix, [cb.raw.subarray(50, 54), cb.raw.subarray(54, 58)], split.suffix, path);
    expect(root).toEqual(block.header.merkleRoot);
    const h = block.header;
    const scratch = new Uint8Array(80);
    expect(hashHeaderFields(h.version, h.prevHash, root, h.time, h.bits, h.nonce, scratch)).toEqual(block.hash);
    expect(hashHeaderFields(h.version, h.prevHash, root, h.time, h.bits, h.nonce + 1, scratch)).not.toEqual(block.hash);
  });
});

describe('short coinbase sha256d', () => {
  it('property: equals sha256d of the joined bytes at every length, and leaves longer inputs to node:crypto', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 200 }), (prefix, extranonce, suffix) => {
        const joined = new Uint8Array([...prefix, ...extranonce, ...suffix]);
        const short = shortSha256d(prefix, [extranonce.subarray(0, 3), extranonce.subarray(3)], suffix);
        if (joined.length + 9 > SHORT_SHA256D_BLOCKS * 64) expect(short).toBeNull();
        else expect(short).toEqual(sha256d(joined));
        expect(coinbaseTxid(prefix, extranonce, suffix)).toEqual(sha256d(joined));
      }),
      { numRuns: 500 },
    );
  });
});
