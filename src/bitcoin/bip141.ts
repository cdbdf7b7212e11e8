/**
 * BIP141 fields of a coinbase split into prefix/suffix around the extranonce.
 *
 * A segwit coinbase carries a marker+flag (`00 01`) after the version and one witness item (the
 * 32-byte reserved value) before the locktime. NewExtendedMiningJob sends the coinbase without
 * them (miners hash the txid); DeclareMiningJob and SubmitSolution keep them.
 */
import { concatBytes } from './bytes.js';
import { ZERO_WITNESS_RESERVED_VALUE } from './witness.js';

const MARKER_OFFSET = 4;
/** witness item count (1) + item length (1) + 32-byte reserved value */
const COINBASE_WITNESS_SIZE = 34;
const LOCKTIME_SIZE = 4;

export interface CoinbaseSplit {
  prefix: Uint8Array;
  suffix: Uint8Array;
}

/** True when the prefix carries the BIP141 marker and a non-zero flag (SRI's test). */
export function hasBip141Fields(prefix: Uint8Array): boolean {
  return prefix.length > MARKER_OFFSET + 1 && prefix[MARKER_OFFSET] === 0x00 && prefix[MARKER_OFFSET + 1] !== 0x00;
}

/**
 * SRI's strip: drops prefix bytes 4..5 (marker, flag) and the 34 suffix bytes before the locktime.
 * Returns null when the prefix has no marker (already stripped, or a legacy coinbase).
 */
export function stripBip141(prefix: Uint8Array, suffix: Uint8Array): CoinbaseSplit | null {
  if (!hasBip141Fields(prefix)) return null;
  if (suffix.length < COINBASE_WITNESS_SIZE + LOCKTIME_SIZE) return null;
  const cut = suffix.length - LOCKTIME_SIZE - COINBASE_WITNESS_SIZE;
  return {
    prefix: concatBytes(prefix.subarray(0, MARKER_OFFSET), prefix.subarray(MARKER_OFFSET + 2)),
    suffix: concatBytes(suffix.subarray(0, cut), suffix.subarray(suffix.length - LOCKTIME_SIZE)),
  };
}

/** The inverse of {@link stripBip141}: inserts the marker+flag and a one-item witness holding `reservedValue`. */
export function addBip141(prefix: Uint8Array, suffix: Uint8Array, reservedValue: Uint8Array = ZERO_WITNESS_RESERVED_VALUE): CoinbaseSplit {
  if (reservedValue.length !== 32) throw new RangeError('the witness reserved value is 32 bytes');
  if (prefix.length < MARKER_OFFSET || suffix.length < LOCKTIME_SIZE) throw new RangeError('coinbase prefix/suffix too short');
  const lock = suffix.length - LOCKTIME_SIZE;
  return {
    prefix: concatBytes(prefix.subarray(0, MARKER_OFFSET), Uint8Array.of(0x00, 0x01), prefix.subarray(MARKER_OFFSET)),
    suffix: concatBytes(suffix.subarray(0, lock), Uint8Array.of(0x01, 0x20), reservedValue, suffix.subarray(lock)),
  };
}
