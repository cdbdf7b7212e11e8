/**
 * A BlockTemplate as the Template Distribution messages that carry it: what a Template Provider
 * sends over the wire, and what a pool fed in-process by a TemplateSource hands to its channels,
 * so both paths build jobs from the very same values.
 */
import type { Messages } from '../messages/registry.js';
import type { BlockTemplate } from './template.js';
import { templateOutputs } from './template.js';

export function newTemplateMessage(t: BlockTemplate, future: boolean): Messages['NewTemplate'] {
  const outputs = templateOutputs(t);
  return {
    templateId: t.id,
    futureTemplate: future,
    version: t.version,
    coinbaseTxVersion: t.coinbaseTxVersion,
    coinbasePrefix: t.coinbasePrefix,
    coinbaseTxInputSequence: t.coinbaseSequence,
    coinbaseTxValueRemaining: t.coinbaseValue,
    coinbaseTxOutputsCount: outputs.count,
    coinbaseTxOutputs: outputs.bytes,
    coinbaseTxLocktime: t.coinbaseLocktime,
    merklePath: t.merklePath,
  };
}

export function setNewPrevHashMessage(t: BlockTemplate): Messages['SetNewPrevHashTdp'] {
  return { templateId: t.id, prevHash: t.prevHash, headerTimestamp: t.time, nbits: t.bits, target: t.target };
}
