/** The embedded chain and the TemplateSource abstraction (logic layer). */
export * from './chain.js';
export * from './template.js';
export * from './template-source.js';
export * from './embedded-source.js';
export * from './tx-generator.js';
export * from './difficulty.js';
export * from './block-store.js';
export * from './mempool.js';
export * from './utxo.js';
export * from './params.js';
export * from './gbt.js';
export * from './template-solver.js';
export * from './events.js';
export * from './random.js';
export { checkBlock, checkInputs, checkProofOfWork, checkScripts, checkTransaction, contextualCheckBlock, isFinalTx } from './validation.js';
export * from './tdp.js';
