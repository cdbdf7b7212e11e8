/** Bitcoin primitives on the share hot path: header hash, merkle root from a path, coinbase txid, a whole share check. */
import { measure, type BenchResult, type Suite } from './harness.js';
import {
  bip34HeightPrefix,
  buildCoinbase,
  coinbaseTxid,
  hashHeaderFields,
  hashMeetsTarget,
  jobMerkleRoot,
  merkleRootFromPath,
  parseTransaction,
  sha256d,
  witnessCommitmentOutput,
} from '../src/bitcoin/index.js';

const suite: Suite = () => {
  const results: BenchResult[] = [];
  const header = new Uint8Array(80).map((_, i) => i);
  results.push(measure('bitcoin', 'sha256d(80-byte header)', () => sha256d(header)));

  const path = Array.from({ length: 12 }, (_, i) => sha256d(Uint8Array.of(i)));
  const leaf = sha256d(Uint8Array.of(99));
  results.push(measure('bitcoin', 'merkle root from a 12-hash path', () => merkleRootFromPath(leaf, path)));

  const parts = buildCoinbase({
    txVersion: 2,
    scriptSigPrefix: bip34HeightPrefix(900_000),
    tag: new TextEncoder().encode('/stratum-v2/pool/'),
    extranonceSize: 16,
    sequence: 0xfffffffe,
    outputs: [{ value: 312_500_000n, script: new Uint8Array(22) }, witnessCommitmentOutput([])],
    locktime: 899_999,
    witnessReservedValue: new Uint8Array(32),
  });
  const prefix8 = new Uint8Array(8).fill(1);
  const extranonce = new Uint8Array(8).fill(2);
  results.push(measure('bitcoin', 'coinbase txid (prefix ‖ 16 B extranonce ‖ suffix)', () => coinbaseTxid(parts.strippedPrefix, [prefix8, extranonce], parts.strippedSuffix)));

  // A whole extended-share check: coinbase → txid → merkle root (12-deep path) → header → hash ≤ target.
  const prevHash = sha256d(Uint8Array.of(1));
  const target = new Uint8Array(32).fill(0xff);
  target[31] = 0x00;
  const scratch = new Uint8Array(80);
  let nonce = 0;
  results.push(
    measure('bitcoin', 'share check (txid + 12-path root + header hash + compare)', () => {
      const root = jobMerkleRoot(parts.strippedPrefix, [prefix8, extranonce], parts.strippedSuffix, path);
      return hashMeetsTarget(hashHeaderFields(0x20000000, prevHash, root, 1_700_000_000, 0x1702_8b6e, nonce++, scratch), target);
    }),
  );
  results.push(
    measure('bitcoin', 'standard share check (root fixed, header hash + compare)', () =>
      hashMeetsTarget(hashHeaderFields(0x20000000, prevHash, leaf, 1_700_000_000, 0x1702_8b6e, nonce++, scratch), target),
    ),
  );

  const segwitTx = Uint8Array.from(
    Buffer.from(
      '01000000000102fff7f7881a8099afa6940d42d1e7f6362bec38171ea3edf433541db4e4ad969f00000000494830450221008b9d1dc26ba6a9cb62127b02742fa9d754cd3bebf337f7a55d114c8e5cdd30be022040529b194ba3f9281a99f2b1c0a19c0489bc22ede944ccf4ecbab4cc618ef3ed01eeffffffef51e1b804cc89d182d279655c3aa89e815b1b309fe287d9b2b55d57b90ec68a0100000000ffffffff02202cb206000000001976a9148280b37df378db99f66f85c95a783a76ac7a6d5988ac9093510d000000001976a9143bde42dbee7e4dbe6a21b2d50ce2f0167faa815988ac000247304402203609e17b84f6a7d30c80bfa610b5b4542f32a8a0d5447a12fb1366d7f01cc44a0220573a954c4518331561406f90300e8f3358f51928d43c212a8caed02de67eebee0121025476c2e83188368da1ff3e292e7acafcdb3566bb0ad253f62fc70f07aeee635711000000',
      'hex',
    ),
  );
  results.push(measure('bitcoin', 'parse a 2-input segwit tx (txid + wtxid)', () => parseTransaction(segwitTx)));
  return results;
};

export default suite;
