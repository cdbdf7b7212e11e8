/**
 * Shares the JD client sent up on custom jobs, by sequence number, so the pool's answers reach the
 * device they belong to (bounded: the oldest unanswered are forgotten). Pure.
 */
import type { DeviceRef } from '../common/device-channels.js';

const MAX_IN_FLIGHT = 65_536;

export class SentShares {
  private seq = 0;
  private readonly inFlight = new Map<number, DeviceRef>();
  readonly counts = { forwarded: 0, accepted: 0, rejected: new Map<string, number>() };

  constructor(private readonly answered: (device: DeviceRef, accepted: boolean, errorCode?: string) => void) {}

  /** The sequence number of a share going up now. */
  next(device: DeviceRef): number {
    const sequenceNumber = this.seq;
    this.seq = (this.seq + 1) >>> 0;
    this.inFlight.set(sequenceNumber, device);
    if (this.inFlight.size > MAX_IN_FLIGHT) this.inFlight.delete(this.inFlight.keys().next().value!);
    this.counts.forwarded++;
    return sequenceNumber;
  }

  /** SubmitShares.Success: every share up to this sequence number was accepted. */
  accepted(lastSequenceNumber: number): void {
    for (const [s, device] of this.inFlight) {
      if (s > lastSequenceNumber) break;
      this.inFlight.delete(s);
      this.counts.accepted++;
      this.answered(device, true);
    }
  }

  rejected(sequenceNumber: number, errorCode: string): void {
    const device = this.inFlight.get(sequenceNumber);
    if (device === undefined) return;
    this.inFlight.delete(sequenceNumber);
    this.counts.rejected.set(errorCode, (this.counts.rejected.get(errorCode) ?? 0) + 1);
    this.answered(device, false, errorCode);
  }
}
