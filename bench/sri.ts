/**
 * SRI's published figures (Rust, criterion; its checked-in BENCHES.md files, machine unspecified)
 * for the benchmarks of ours that measure the same operation, by benchmark name. `npm run bench`
 * prints the ratio beside each: ours ÷ SRI's, so below 1 is faster than the reference.
 */
export const sriFigures: Record<string, { ns: number; what: string }> = {
  'encode SubmitSharesStandard frame': { ns: 113, what: 'codec encoder/plain' },
  'decode SubmitSharesStandard frame': { ns: 44, what: 'codec decoder/plain' },
  'responder handshake CPU (pooled ephemeral)': { ns: 178_000, what: 'noise step_1' },
  'responder handshake CPU (ephemeral made inline)': { ns: 178_000, what: 'noise step_1' },
  'initiator handshake CPU (pooled ephemeral, known authority)': { ns: 121_000, what: 'noise step_2' },
  'initiator handshake CPU (ephemeral made inline, known authority)': { ns: 121_000, what: 'noise step_2' },
  'full handshake, both sides, keys made inline': { ns: 317_000, what: 'noise full handshake' },
  'encrypt SubmitSharesStandard frame': { ns: 2_500, what: 'codec noise/encode_only' },
  'encrypt + decrypt 64-byte payload': { ns: 5_200, what: 'noise roundtrip 64 B' },
};
