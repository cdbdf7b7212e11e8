/** What the translator core reports: running totals read at scrape time, and events for observers. */
import type { ShareRejectReason } from './miner.js';

export interface TranslatorTotals {
  sharesAccepted: number;
  sharesRejected: Partial<Record<ShareRejectReason, number>>;
  sharesForwarded: number;
  upstreamAccepted: number;
  upstreamRejected: Record<string, number>;
  blocksFound: number;
  jobsSent: number;
  keepaliveJobs: number;
  endpointChanges: number;
  minersConnected: number;
  minersRefused: number;
}

/** What happened, for observers (tests, embedding applications); the core never waits on listeners. */
export interface TranslatorEvents {
  'channel-opened': [channelId: number];
  /** a notify went to the channel's miners */
  job: [channelId: number, sv1JobId: string, clean: boolean];
  /** a share answered true; `forwarded` when it also went to the pool */
  'share-accepted': [minerId: number, forwarded: boolean];
  'share-rejected': [minerId: number, reason: ShareRejectReason];
  'upstream-accepted': [channelId: number, count: number];
  'upstream-rejected': [channelId: number, minerId: number | undefined, errorCode: string];
  /** hash in display order (big-endian hex) */
  'block-found': [minerId: number, hash: string];
}

export function emptyTotals(): TranslatorTotals {
  return {
    sharesAccepted: 0,
    sharesRejected: {},
    sharesForwarded: 0,
    upstreamAccepted: 0,
    upstreamRejected: {},
    blocksFound: 0,
    jobsSent: 0,
    keepaliveJobs: 0,
    endpointChanges: 0,
    minersConnected: 0,
    minersRefused: 0,
  };
}
