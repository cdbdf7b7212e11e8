import { B0_16M, B0_255, B0_64K, BOOL, defineMessage, SEQ0_255, SEQ0_64K, STR0_255, U16, U256, U32, U64 } from '../codec/index.js';

export const CoinbaseOutputConstraints = defineMessage({
  name: 'CoinbaseOutputConstraints',
  msgType: 0x70,
  channelMsg: false,
  fields: [
    ['coinbaseOutputMaxAdditionalSize', U32],
    ['coinbaseOutputMaxAdditionalSigops', U16],
  ],
});

export const NewTemplate = defineMessage({
  name: 'NewTemplate',
  msgType: 0x71,
  channelMsg: false,
  fields: [
    ['templateId', U64],
    ['futureTemplate', BOOL],
    ['version', U32],
    ['coinbaseTxVersion', U32],
    ['coinbasePrefix', B0_255],
    ['coinbaseTxInputSequence', U32],
    ['coinbaseTxValueRemaining', U64],
    ['coinbaseTxOutputsCount', U32],
    /** Consensus-serialized TxOuts back to back, without a count prefix. */
    ['coinbaseTxOutputs', B0_64K],
    ['coinbaseTxLocktime', U32],
    ['merklePath', SEQ0_255(U256)],
  ],
});

/** Template Distribution's SetNewPrevHash (0x72); the Mining Protocol has its own (0x20). */
export const SetNewPrevHashTdp = defineMessage({
  name: 'SetNewPrevHashTdp',
  msgType: 0x72,
  channelMsg: false,
  fields: [
    ['templateId', U64],
    ['prevHash', U256],
    ['headerTimestamp', U32],
    ['nbits', U32],
    ['target', U256],
  ],
});

export const RequestTransactionData = defineMessage({
  name: 'RequestTransactionData',
  msgType: 0x73,
  channelMsg: false,
  fields: [['templateId', U64]],
});

export const RequestTransactionDataSuccess = defineMessage({
  name: 'RequestTransactionDataSuccess',
  msgType: 0x74,
  channelMsg: false,
  fields: [
    ['templateId', U64],
    ['excessData', B0_64K],
    ['transactionList', SEQ0_64K(B0_16M)],
  ],
});

export const RequestTransactionDataError = defineMessage({
  name: 'RequestTransactionDataError',
  msgType: 0x75,
  channelMsg: false,
  fields: [
    ['templateId', U64],
    ['errorCode', STR0_255],
  ],
});

export const SubmitSolution = defineMessage({
  name: 'SubmitSolution',
  msgType: 0x76,
  channelMsg: false,
  fields: [
    ['templateId', U64],
    ['version', U32],
    ['headerTimestamp', U32],
    ['headerNonce', U32],
    /** The full coinbase with its BIP141 fields. */
    ['coinbaseTx', B0_64K],
  ],
});

export const TemplateDistributionErrorCode = {
  TemplateIdNotFound: 'template-id-not-found',
  StaleTemplateId: 'stale-template-id',
} as const;

export const templateDistributionMessages = [
  CoinbaseOutputConstraints,
  NewTemplate,
  SetNewPrevHashTdp,
  RequestTransactionData,
  RequestTransactionDataSuccess,
  RequestTransactionDataError,
  SubmitSolution,
] as const;
