import { defineMessage, SEQ0_64K, Sv2EncodeError, U16 } from '../codec/index.js';
import type { Tlv } from '../codec/index.js';

export const EXTENSION_NEGOTIATION = 0x0001;
export const WORKER_HASHRATE_TRACKING = 0x0002;

export const RequestExtensions = defineMessage({
  name: 'RequestExtensions',
  extensionType: EXTENSION_NEGOTIATION,
  msgType: 0x00,
  channelMsg: false,
  fields: [
    ['requestId', U16],
    ['requestedExtensions', SEQ0_64K(U16)],
  ],
});

export const RequestExtensionsSuccess = defineMessage({
  name: 'RequestExtensionsSuccess',
  extensionType: EXTENSION_NEGOTIATION,
  msgType: 0x01,
  channelMsg: false,
  fields: [
    ['requestId', U16],
    ['supportedExtensions', SEQ0_64K(U16)],
  ],
});

export const RequestExtensionsError = defineMessage({
  name: 'RequestExtensionsError',
  extensionType: EXTENSION_NEGOTIATION,
  msgType: 0x02,
  channelMsg: false,
  fields: [
    ['requestId', U16],
    ['unsupportedExtensions', SEQ0_64K(U16)],
    ['requiredExtensions', SEQ0_64K(U16)],
  ],
});

export const extensionMessages = [RequestExtensions, RequestExtensionsSuccess, RequestExtensionsError] as const;

/** Extension 0x0002's one TLV field: the worker's user_identity on SubmitSharesExtended. */
export const USER_IDENTITY_FIELD = 0x01;
export const USER_IDENTITY_MAX_BYTES = 32;

export function userIdentityTlv(userIdentity: string): Tlv {
  const value = new TextEncoder().encode(userIdentity);
  if (value.length > USER_IDENTITY_MAX_BYTES) {
    throw new Sv2EncodeError('user_identity', `TLV holds at most ${USER_IDENTITY_MAX_BYTES} bytes, got ${value.length}`);
  }
  return { extensionType: WORKER_HASHRATE_TRACKING, fieldType: USER_IDENTITY_FIELD, value };
}

/** The worker name from a share's TLVs, if extension 0x0002 sent one that is within its limit. */
export function findUserIdentity(tlvs: readonly Tlv[]): string | undefined {
  const t = tlvs.find((x) => x.extensionType === WORKER_HASHRATE_TRACKING && x.fieldType === USER_IDENTITY_FIELD);
  if (t === undefined || t.value.length > USER_IDENTITY_MAX_BYTES) return undefined;
  return new TextDecoder().decode(t.value);
}
