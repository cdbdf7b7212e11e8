import { B0_16M, B0_255, B0_32, B0_64K, defineMessage, SEQ0_64K, STR0_255, U16, U256, U32 } from '../codec/index.js';

/** SetupConnection.flags for the Job Declaration Protocol. */
export const JobDeclarationSetupFlags = {
  /** The JDC will reveal the template's transactions (Full-Template mode). */
  DeclareTxData: 1 << 0,
} as const;

export const AllocateMiningJobToken = defineMessage({
  name: 'AllocateMiningJobToken',
  msgType: 0x50,
  channelMsg: false,
  fields: [
    ['userIdentifier', STR0_255],
    ['requestId', U32],
  ],
});

export const AllocateMiningJobTokenSuccess = defineMessage({
  name: 'AllocateMiningJobTokenSuccess',
  msgType: 0x51,
  channelMsg: false,
  fields: [
    ['requestId', U32],
    ['miningJobToken', B0_255],
    /** CompactSize-prefixed vector of the TxOuts the pool requires, its payout output first. */
    ['coinbaseTxOutputs', B0_64K],
  ],
});

export const ProvideMissingTransactions = defineMessage({
  name: 'ProvideMissingTransactions',
  msgType: 0x55,
  channelMsg: false,
  fields: [
    ['requestId', U32],
    ['unknownTxPositionList', SEQ0_64K(U16)],
  ],
});

export const ProvideMissingTransactionsSuccess = defineMessage({
  name: 'ProvideMissingTransactionsSuccess',
  msgType: 0x56,
  channelMsg: false,
  fields: [
    ['requestId', U32],
    ['transactionList', SEQ0_64K(B0_16M)],
  ],
});

export const DeclareMiningJob = defineMessage({
  name: 'DeclareMiningJob',
  msgType: 0x57,
  channelMsg: false,
  fields: [
    ['requestId', U32],
    ['miningJobToken', B0_255],
    ['version', U32],
    /** Not BIP141-stripped: the JDS rebuilds the block from it. */
    ['coinbaseTxPrefix', B0_64K],
    ['coinbaseTxSuffix', B0_64K],
    ['wtxidList', SEQ0_64K(U256)],
    ['excessData', B0_64K],
  ],
});

export const DeclareMiningJobSuccess = defineMessage({
  name: 'DeclareMiningJobSuccess',
  msgType: 0x58,
  channelMsg: false,
  fields: [
    ['requestId', U32],
    ['newMiningJobToken', B0_255],
  ],
});

export const DeclareMiningJobError = defineMessage({
  name: 'DeclareMiningJobError',
  msgType: 0x59,
  channelMsg: false,
  fields: [
    ['requestId', U32],
    ['errorCode', STR0_255],
    ['errorDetails', B0_64K],
  ],
});

export const PushSolution = defineMessage({
  name: 'PushSolution',
  msgType: 0x60,
  channelMsg: false,
  fields: [
    ['extranonce', B0_32],
    ['prevHash', U256],
    ['nonce', U32],
    ['ntime', U32],
    ['nbits', U32],
    ['version', U32],
  ],
});

/** Error codes of the Job Declaration Protocol (SRI's strings). */
export const JobDeclarationErrorCode = {
  InvalidMiningJobToken: 'invalid-mining-job-token',
  InvalidJob: 'invalid-job',
  InvalidCoinbaseTx: 'invalid-coinbase-tx',
  InvalidCoinbaseTxInput: 'invalid-coinbase-tx-input',
  /** A required output missing, or paid less than its due (as SetCustomMiningJob.Error says it). */
  InvalidCoinbaseTxOutputs: 'invalid-coinbase-tx-outputs',
  MissingTxs: 'missing-txs',
  StaleChainTip: 'stale-chain-tip',
  InternalError: 'internal-error',
} as const;

export const jobDeclarationMessages = [
  AllocateMiningJobToken,
  AllocateMiningJobTokenSuccess,
  ProvideMissingTransactions,
  ProvideMissingTransactionsSuccess,
  DeclareMiningJob,
  DeclareMiningJobSuccess,
  DeclareMiningJobError,
  PushSolution,
] as const;
