import { defineMessage, STR0_255, U16, U32, U8 } from '../codec/index.js';

/** SetupConnection.protocol values. */
export const Protocol = { Mining: 0, JobDeclaration: 1, TemplateDistribution: 2 } as const;
export type ProtocolId = (typeof Protocol)[keyof typeof Protocol];

/** The only protocol version the spec defines. */
export const PROTOCOL_VERSION = 2;

export const SetupConnection = defineMessage({
  name: 'SetupConnection',
  msgType: 0x00,
  channelMsg: false,
  fields: [
    ['protocol', U8],
    ['minVersion', U16],
    ['maxVersion', U16],
    ['flags', U32],
    ['endpointHost', STR0_255],
    ['endpointPort', U16],
    ['vendor', STR0_255],
    ['hardwareVersion', STR0_255],
    ['firmware', STR0_255],
    ['deviceId', STR0_255],
  ],
});

export const SetupConnectionSuccess = defineMessage({
  name: 'SetupConnectionSuccess',
  msgType: 0x01,
  channelMsg: false,
  fields: [
    ['usedVersion', U16],
    ['flags', U32],
  ],
});

export const SetupConnectionError = defineMessage({
  name: 'SetupConnectionError',
  msgType: 0x02,
  channelMsg: false,
  fields: [
    ['flags', U32],
    ['errorCode', STR0_255],
  ],
});

export const ChannelEndpointChanged = defineMessage({
  name: 'ChannelEndpointChanged',
  msgType: 0x03,
  channelMsg: true,
  fields: [['channelId', U32]],
});

export const Reconnect = defineMessage({
  name: 'Reconnect',
  msgType: 0x04,
  channelMsg: false,
  fields: [
    ['newHost', STR0_255],
    ['newPort', U16],
  ],
});

/** SetupConnection.Error codes this project sends (SRI's strings). */
export const SetupConnectionErrorCode = {
  UnsupportedFeatureFlags: 'unsupported-feature-flags',
  UnsupportedProtocol: 'unsupported-protocol',
  ProtocolVersionMismatch: 'protocol-version-mismatch',
  MissingDeclareTxDataFlag: 'missing-declare-tx-data-flag',
} as const;

export const commonMessages = [SetupConnection, SetupConnectionSuccess, SetupConnectionError, ChannelEndpointChanged, Reconnect] as const;
