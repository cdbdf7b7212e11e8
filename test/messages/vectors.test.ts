import { describe, expect, it } from 'vitest';
import { hexToBytes } from '../../src/codec/index.js';
import { decodeFrame, encodeFrame, userIdentityTlv } from '../../src/messages/index.js';
import type { MessageName, Messages } from '../../src/messages/index.js';

const range = (from: number, to: number): Uint8Array => Uint8Array.from({ length: to - from }, (_, i) => from + i);
const le32 = (bytes: number[]): number => Buffer.from(bytes).readUInt32LE(0);
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** A frame that must encode to these exact bytes and decode back to the same message. */
function golden<N extends MessageName>(name: N, message: Messages[N], expected: string, tlvs = [] as ReturnType<typeof userIdentityTlv>[]): void {
  const bytes = encodeFrame(name, message, tlvs);
  expect(hex(bytes)).toBe(expected.replace(/\s+/g, ''));
  const back = decodeFrame(bytes);
  expect(back.name).toBe(name);
  expect(back.message).toEqual(message);
  expect(back.tlvs).toEqual(tlvs);
}

describe('golden frames', () => {
  it("SRI parsers-sv2: NewMiningJob (channel_msg bit set as 0x80 in byte 1)", () => {
    const expected = [0, 128, 21, 49, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 1, 9, 10, 11, 12, 13, 14, 15, 16, ...range(17, 49)];
    golden(
      'NewMiningJob',
      {
        channelId: le32([1, 2, 3, 4]),
        jobId: le32([5, 6, 7, 8]),
        minNtime: le32([9, 10, 11, 12]),
        version: le32([13, 14, 15, 16]),
        merkleRoot: range(17, 49),
      },
      hex(Uint8Array.from(expected)),
    );
  });

  it('SRI parsers-sv2: PushSolution (no channel bit since 2026-05)', () => {
    const expected = Buffer.concat([
      Buffer.from([0, 0, 0x60, 53, 0, 0, 4, 1, 2, 3, 4]),
      Buffer.from(range(5, 37)),
      Buffer.from('44332211' + '88776655' + 'ccbbaa99' + '00ffeedd', 'hex'),
    ]);
    golden(
      'PushSolution',
      { extranonce: Uint8Array.from([1, 2, 3, 4]), prevHash: range(5, 37), nonce: 0x11223344, ntime: 0x55667788, nbits: 0x99aabbcc, version: 0xddeeff00 },
      expected.toString('hex'),
    );
  });

  it('SetupConnection', () => {
    golden(
      'SetupConnection',
      { protocol: 0, minVersion: 2, maxVersion: 2, flags: 6, endpointHost: 'pool.example', endpointPort: 3333, vendor: 'acme', hardwareVersion: 'hw1', firmware: 'fw1', deviceId: '' },
      '000000260000 00 0200 0200 06000000 0c706f6f6c2e6578616d706c65 050d 0461636d65 03687731 03667731 00',
    );
  });

  it('SetupConnection.Success', () => {
    golden('SetupConnectionSuccess', { usedVersion: 2, flags: 0 }, '000001060000 0200 00000000');
  });

  it('SubmitSharesStandard', () => {
    golden(
      'SubmitSharesStandard',
      { channelId: 1, sequenceNumber: 7, jobId: 42, nonce: 0xdeadbeef, ntime: 0x66000000, version: 0x20000000 },
      '00801a180000 01000000 07000000 2a000000 efbeadde 00000066 00000020',
    );
  });

  it('NewExtendedMiningJob (future job, empty path)', () => {
    golden(
      'NewExtendedMiningJob',
      {
        channelId: 1, jobId: 2, minNtime: null, version: 0x20000000, versionRollingAllowed: true, merklePath: [],
        coinbaseTxPrefix: hexToBytes('aabb'), coinbaseTxSuffix: hexToBytes('cc'),
      },
      '00801f160000 01000000 02000000 00 00000020 01 00 0200aabb 0100cc',
    );
  });

  it('SubmitSharesExtended with the 0x0002 user_identity TLV, little-endian as SRI sends it', () => {
    golden(
      'SubmitSharesExtended',
      { channelId: 1, sequenceNumber: 7, jobId: 42, nonce: 0xdeadbeef, ntime: 0x66000000, version: 0x20000000, extranonce: hexToBytes('01020304') },
      '00801b2c0000 01000000 07000000 2a000000 efbeadde 00000066 00000020 0401020304 020001 0a00 576f726b65725f303031',
      [userIdentityTlv('Worker_001')],
    );
  });

  it('RequestExtensions (extension 0x0001)', () => {
    golden('RequestExtensions', { requestId: 0, requestedExtensions: [2] }, '010000060000 0000 0100 0200');
  });

  it('SetCustomMiningJob and its replies carry the channel bit (SRI parsers-sv2)', () => {
    const job = encodeFrame('SetCustomMiningJob', {
      channelId: 1, requestId: 2, miningJobToken: Uint8Array.of(3), version: 4, prevHash: range(5, 37), minNtime: 38, nbits: 39,
      coinbaseTxVersion: 40, coinbasePrefix: Uint8Array.of(41), coinbaseTxInputNSequence: 42, coinbaseTxOutputs: Uint8Array.of(43),
      coinbaseTxLocktime: 44, merklePath: [],
    });
    const ok = encodeFrame('SetCustomMiningJobSuccess', { channelId: 1, requestId: 2, jobId: 3 });
    const err = encodeFrame('SetCustomMiningJobError', { channelId: 1, requestId: 2, errorCode: 'invalid-channel-id' });
    for (const f of [job, ok, err]) expect(f[1]! & 0x80).toBe(0x80);
  });
});
