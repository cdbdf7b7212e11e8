import { B0_255, B0_32, B0_64K, BOOL, defineMessage, F32, OPTION, SEQ0_255, SEQ0_64K, STR0_255, U16, U256, U32, U64 } from '../codec/index.js';

/** SetupConnection.flags for the Mining Protocol (client → server). */
export const MiningSetupFlags = {
  RequiresStandardJobs: 1 << 0,
  RequiresWorkSelection: 1 << 1,
  RequiresVersionRolling: 1 << 2,
} as const;

/** SetupConnection.Success.flags for the Mining Protocol (server → client). */
export const MiningSuccessFlags = {
  RequiresFixedVersion: 1 << 0,
  RequiresExtendedChannels: 1 << 1,
} as const;

/** BIP323: the version bits a miner may roll (bits 5..28). */
export const VERSION_ROLLING_MASK = 0x1fffffe0;

/** OpenStandardMiningChannel's fields; OpenExtendedMiningChannel has them all, then one more. */
const openChannelFields = [
  ['requestId', U32],
  ['userIdentity', STR0_255],
  ['nominalHashRate', F32],
  ['maxTarget', U256],
] as const;

export const OpenStandardMiningChannel = defineMessage({
  name: 'OpenStandardMiningChannel',
  msgType: 0x10,
  channelMsg: false,
  fields: openChannelFields,
});

export const OpenStandardMiningChannelSuccess = defineMessage({
  name: 'OpenStandardMiningChannelSuccess',
  msgType: 0x11,
  channelMsg: false,
  fields: [
    ['requestId', U32],
    ['channelId', U32],
    ['target', U256],
    ['extranoncePrefix', B0_32],
    ['groupChannelId', U32],
  ],
});

export const OpenMiningChannelError = defineMessage({
  name: 'OpenMiningChannelError',
  msgType: 0x12,
  channelMsg: false,
  fields: [
    ['requestId', U32],
    ['errorCode', STR0_255],
  ],
});

export const OpenExtendedMiningChannel = defineMessage({
  name: 'OpenExtendedMiningChannel',
  msgType: 0x13,
  channelMsg: false,
  fields: [...openChannelFields, ['minExtranonceSize', U16]],
});

export const OpenExtendedMiningChannelSuccess = defineMessage({
  name: 'OpenExtendedMiningChannelSuccess',
  msgType: 0x14,
  channelMsg: false,
  fields: [
    ['requestId', U32],
    ['channelId', U32],
    ['target', U256],
    ['extranonceSize', U16],
    ['extranoncePrefix', B0_32],
    ['groupChannelId', U32],
  ],
});

export const NewMiningJob = defineMessage({
  name: 'NewMiningJob',
  msgType: 0x15,
  channelMsg: true,
  fields: [
    ['channelId', U32],
    ['jobId', U32],
    ['minNtime', OPTION(U32)],
    ['version', U32],
    ['merkleRoot', U256],
  ],
});

export const UpdateChannel = defineMessage({
  name: 'UpdateChannel',
  msgType: 0x16,
  channelMsg: true,
  fields: [
    ['channelId', U32],
    ['nominalHashRate', F32],
    ['maximumTarget', U256],
  ],
});

export const UpdateChannelError = defineMessage({
  name: 'UpdateChannelError',
  msgType: 0x17,
  channelMsg: true,
  fields: [
    ['channelId', U32],
    ['errorCode', STR0_255],
  ],
});

export const CloseChannel = defineMessage({
  name: 'CloseChannel',
  msgType: 0x18,
  channelMsg: true,
  fields: [
    ['channelId', U32],
    ['reasonCode', STR0_255],
  ],
});

export const SetExtranoncePrefix = defineMessage({
  name: 'SetExtranoncePrefix',
  msgType: 0x19,
  channelMsg: true,
  fields: [
    ['channelId', U32],
    ['extranoncePrefix', B0_32],
  ],
});

/** SubmitSharesStandard's fields; SubmitSharesExtended has them all, then the extranonce. */
const shareFields = [
  ['channelId', U32],
  ['sequenceNumber', U32],
  ['jobId', U32],
  ['nonce', U32],
  ['ntime', U32],
  ['version', U32],
] as const;

export const SubmitSharesStandard = defineMessage({
  name: 'SubmitSharesStandard',
  msgType: 0x1a,
  channelMsg: true,
  fields: shareFields,
});

export const SubmitSharesExtended = defineMessage({
  name: 'SubmitSharesExtended',
  msgType: 0x1b,
  channelMsg: true,
  fields: [...shareFields, ['extranonce', B0_32]],
});

export const SubmitSharesSuccess = defineMessage({
  name: 'SubmitSharesSuccess',
  msgType: 0x1c,
  channelMsg: true,
  fields: [
    ['channelId', U32],
    ['lastSequenceNumber', U32],
    ['newSubmitsAcceptedCount', U32],
    ['newSharesSum', U64],
  ],
});

export const SubmitSharesError = defineMessage({
  name: 'SubmitSharesError',
  msgType: 0x1d,
  channelMsg: true,
  fields: [
    ['channelId', U32],
    ['sequenceNumber', U32],
    ['errorCode', STR0_255],
  ],
});

export const NewExtendedMiningJob = defineMessage({
  name: 'NewExtendedMiningJob',
  msgType: 0x1f,
  channelMsg: true,
  fields: [
    ['channelId', U32],
    ['jobId', U32],
    ['minNtime', OPTION(U32)],
    ['version', U32],
    ['versionRollingAllowed', BOOL],
    ['merklePath', SEQ0_255(U256)],
    ['coinbaseTxPrefix', B0_64K],
    ['coinbaseTxSuffix', B0_64K],
  ],
});

export const SetNewPrevHash = defineMessage({
  name: 'SetNewPrevHash',
  msgType: 0x20,
  channelMsg: true,
  fields: [
    ['channelId', U32],
    ['jobId', U32],
    ['prevHash', U256],
    ['minNtime', U32],
    ['nbits', U32],
  ],
});

export const SetTarget = defineMessage({
  name: 'SetTarget',
  msgType: 0x21,
  channelMsg: true,
  fields: [
    ['channelId', U32],
    ['maximumTarget', U256],
  ],
});

export const SetCustomMiningJob = defineMessage({
  name: 'SetCustomMiningJob',
  msgType: 0x22,
  channelMsg: true,
  fields: [
    ['channelId', U32],
    ['requestId', U32],
    ['miningJobToken', B0_255],
    ['version', U32],
    ['prevHash', U256],
    ['minNtime', U32],
    ['nbits', U32],
    ['coinbaseTxVersion', U32],
    ['coinbasePrefix', B0_255],
    ['coinbaseTxInputNSequence', U32],
    ['coinbaseTxOutputs', B0_64K],
    ['coinbaseTxLocktime', U32],
    ['merklePath', SEQ0_255(U256)],
  ],
});

export const SetCustomMiningJobSuccess = defineMessage({
  name: 'SetCustomMiningJobSuccess',
  msgType: 0x23,
  channelMsg: true,
  fields: [
    ['channelId', U32],
    ['requestId', U32],
    ['jobId', U32],
  ],
});

export const SetCustomMiningJobError = defineMessage({
  name: 'SetCustomMiningJobError',
  msgType: 0x24,
  channelMsg: true,
  fields: [
    ['channelId', U32],
    ['requestId', U32],
    ['errorCode', STR0_255],
  ],
});

export const SetGroupChannel = defineMessage({
  name: 'SetGroupChannel',
  msgType: 0x25,
  channelMsg: false,
  fields: [
    ['groupChannelId', U32],
    ['channelIds', SEQ0_64K(U32)],
  ],
});

/** Error codes this project sends in Mining Protocol errors (SRI's strings). */
export const MiningErrorCode = {
  UnknownUser: 'unknown-user',
  InvalidUserIdentity: 'invalid-user-identity',
  MaxTargetOutOfRange: 'max-target-out-of-range',
  InvalidNominalHashrate: 'invalid-nominal-hashrate',
  MinExtranonceSizeTooLarge: 'min-extranonce-size-too-large',
  ExtendedChannelsNotSupportedForStandardJobs: 'extended-channels-not-supported-for-standard-jobs',
  StandardChannelsNotSupportedForCustomWork: 'standard-channels-not-supported-for-custom-work',
  InvalidChannelId: 'invalid-channel-id',
  InvalidJobId: 'invalid-job-id',
  StaleShare: 'stale-share',
  InvalidShare: 'invalid-share',
  DuplicateShare: 'duplicate-share',
  DifficultyTooLow: 'difficulty-too-low',
  BadExtranonceSize: 'bad-extranonce-size',
  InvalidNonRollableVersionBit: 'invalid-non-rollable-version-bit',
  VersionRollingNotAllowed: 'version-rolling-not-allowed',
  InvalidMiningJobToken: 'invalid-mining-job-token',
  JdNotSupported: 'jd-not-supported',
  StaleChainTip: 'stale-chain-tip',
} as const;

/** The codes a SubmitShares.Error can carry: the label values of every rejected-share series. */
export const SHARE_ERROR_CODES: readonly string[] = [
  MiningErrorCode.InvalidChannelId,
  MiningErrorCode.InvalidJobId,
  MiningErrorCode.StaleShare,
  MiningErrorCode.InvalidShare,
  MiningErrorCode.DuplicateShare,
  MiningErrorCode.DifficultyTooLow,
  MiningErrorCode.BadExtranonceSize,
  MiningErrorCode.InvalidNonRollableVersionBit,
  MiningErrorCode.VersionRollingNotAllowed,
];

export const miningMessages = [
  OpenStandardMiningChannel,
  OpenStandardMiningChannelSuccess,
  OpenMiningChannelError,
  OpenExtendedMiningChannel,
  OpenExtendedMiningChannelSuccess,
  NewMiningJob,
  UpdateChannel,
  UpdateChannelError,
  CloseChannel,
  SetExtranoncePrefix,
  SubmitSharesStandard,
  SubmitSharesExtended,
  SubmitSharesSuccess,
  SubmitSharesError,
  NewExtendedMiningJob,
  SetNewPrevHash,
  SetTarget,
  SetCustomMiningJob,
  SetCustomMiningJobSuccess,
  SetCustomMiningJobError,
  SetGroupChannel,
] as const;
