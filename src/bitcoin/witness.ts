/** BIP141 witness commitment: the coinbase OP_RETURN output committing to the block's wtxids. */
import { concatBytes, equalBytes } from './bytes.js';
import { sha256d } from './hash.js';
import { merkleRoot } from './merkle.js';
import type { TxOut } from './tx.js';

/** OP_RETURN, push 36, then this 4-byte header, then the 32-byte commitment. */
export const WITNESS_COMMITMENT_HEADER = Uint8Array.of(0xaa, 0x21, 0xa9, 0xed);
const SCRIPT_HEAD = Uint8Array.of(0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed);
export const WITNESS_COMMITMENT_SCRIPT_SIZE = 38;
/** The all-zero witness reserved value Bitcoin Core uses (the coinbase's single witness item). */
export const ZERO_WITNESS_RESERVED_VALUE = new Uint8Array(32);

/** The witness merkle root over wtxids, the coinbase's counted as 32 zero bytes. `wtxids` excludes the coinbase. */
export function witnessMerkleRoot(wtxids: readonly Uint8Array[]): Uint8Array {
  return merkleRoot([new Uint8Array(32), ...wtxids]);
}

/** SHA256d(witness root ‖ reserved value): the 32 bytes placed in the commitment output. */
export function witnessCommitment(wtxids: readonly Uint8Array[], reservedValue: Uint8Array = ZERO_WITNESS_RESERVED_VALUE): Uint8Array {
  return sha256d(concatBytes(witnessMerkleRoot(wtxids), reservedValue));
}

export function witnessCommitmentScript(commitment: Uint8Array): Uint8Array {
  return concatBytes(SCRIPT_HEAD, commitment);
}

export function witnessCommitmentOutput(wtxids: readonly Uint8Array[], reservedValue?: Uint8Array): TxOut {
  return { value: 0n, script: witnessCommitmentScript(witnessCommitment(wtxids, reservedValue)) };
}

export function isWitnessCommitmentScript(script: Uint8Array): boolean {
  return script.length >= WITNESS_COMMITMENT_SCRIPT_SIZE && equalBytes(script.subarray(0, 6), SCRIPT_HEAD);
}

/** Index of the commitment output as consensus finds it (the last matching output), or -1. */
export function findWitnessCommitment(outputs: readonly TxOut[]): number {
  for (let i = outputs.length - 1; i >= 0; i--) if (isWitnessCommitmentScript(outputs[i]!.script)) return i;
  return -1;
}
