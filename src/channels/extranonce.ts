/**
 * Extranonce-prefix allocation: every channel a server opens gets its own slice of the
 * extranonce space, laid out as
 *
 *   upstream prefix ‖ local prefix ‖ index ‖ rollable bytes
 *
 * - upstream prefix: what this node was given upstream (empty on a pool);
 * - local prefix: fixed bytes of this node, e.g. a server id so pool servers never collide;
 * - index: a per-channel counter, unique among live channels (width from `maxChannels`);
 * - rollable: what the channel rolls (extended) or zeros (standard: its prefix is the whole
 *   extranonce).
 *
 * A proxy builds its allocator from the prefix and extranonce_size its upstream channel got, so
 * nested layers subdivide without overlap.
 */
import { MiningErrorCode } from '../messages/mining.js';
import { ChannelError } from './errors.js';

/** The largest full extranonce (B0_32). */
export const MAX_EXTRANONCE_LENGTH = 32;
/** The bitmap grows with maxChannels (1 bit each): cap it at 2 MiB. */
export const MAX_CHANNELS_LIMIT = 1 << 24;

export interface ExtranonceAllocatorOptions {
  /** The full extranonce length every channel gets (≤ 32). */
  totalLength: number;
  /** Bytes assigned by the upstream (empty for a pool). */
  upstreamPrefix?: Uint8Array;
  /** This node's own fixed bytes after the upstream prefix (see `serverIdPrefix`). */
  localPrefix?: Uint8Array;
  /** How many channels may hold a prefix at once; sets the index width (1 byte per 256). */
  maxChannels: number;
}

export interface ExtendedAllocation {
  extranoncePrefix: Uint8Array;
  /** What OpenExtendedMiningChannel.Success.extranonce_size reports: all the rollable bytes. */
  extranonceSize: number;
}

/** Bytes needed to number `n` distinct values (at least 1). */
export function indexBytesFor(n: number): number {
  let bytes = 1;
  while (bytes < 4 && n > 256 ** bytes) bytes++;
  return bytes;
}

/** A server id as the local prefix: `bytes` big-endian bytes (2 by default: 65 536 servers). */
export function serverIdPrefix(serverId: number, bytes = 2): Uint8Array {
  if (!Number.isInteger(bytes) || bytes < 1 || bytes > 4) throw new ChannelError('extranonce-config', `server id width must be 1..4 bytes, got ${bytes}`);
  if (!Number.isInteger(serverId) || serverId < 0 || serverId >= 256 ** bytes) {
    throw new ChannelError('extranonce-config', `server id must be an integer 0..${256 ** bytes - 1}, got ${serverId}`);
  }
  const out = new Uint8Array(bytes);
  for (let i = bytes - 1, v = serverId; i >= 0; i--, v = Math.floor(v / 256)) out[i] = v % 256;
  return out;
}

export class ExtranonceAllocator {
  readonly totalLength: number;
  readonly maxChannels: number;
  /** Width of the per-channel index. */
  readonly indexLength: number;
  /** upstream ‖ local: the bytes every prefix of this allocator starts with. */
  readonly fixedPrefix: Uint8Array;
  private readonly upstreamLength: number;
  private readonly used: Uint32Array;
  private count = 0;
  /** Where the next search starts: freed slots are reused last, not first. */
  private cursor = 0;

  constructor(opts: ExtranonceAllocatorOptions) {
    const upstream = opts.upstreamPrefix ?? new Uint8Array(0);
    const local = opts.localPrefix ?? new Uint8Array(0);
    const { totalLength, maxChannels } = opts;
    if (!Number.isInteger(totalLength) || totalLength < 1 || totalLength > MAX_EXTRANONCE_LENGTH) {
      throw new ChannelError('extranonce-config', `extranonce length must be 1..${MAX_EXTRANONCE_LENGTH}, got ${totalLength}`);
    }
    if (!Number.isInteger(maxChannels) || maxChannels < 1 || maxChannels > MAX_CHANNELS_LIMIT) {
      throw new ChannelError('extranonce-config', `max channels must be 1..${MAX_CHANNELS_LIMIT}, got ${maxChannels}`);
    }
    this.indexLength = indexBytesFor(maxChannels);
    const prefixLength = upstream.length + local.length + this.indexLength;
    if (prefixLength > totalLength) {
      throw new ChannelError(
        MiningErrorCode.MinExtranonceSizeTooLarge,
        `extranonce prefix of ${prefixLength} bytes (upstream ${upstream.length} + local ${local.length} + index ${this.indexLength}) does not fit in ${totalLength}`,
      );
    }
    this.totalLength = totalLength;
    this.maxChannels = maxChannels;
    this.upstreamLength = upstream.length;
    this.fixedPrefix = new Uint8Array(upstream.length + local.length);
    this.fixedPrefix.set(upstream, 0);
    this.fixedPrefix.set(local, upstream.length);
    this.used = new Uint32Array(Math.ceil(maxChannels / 32));
  }

  /**
   * A pool server's allocator: `serverId` becomes the leading bytes so several servers sharing a
   * payout never hand out the same extranonce.
   */
  static forPool(opts: { totalLength: number; maxChannels: number; serverId?: number; serverIdBytes?: number }): ExtranonceAllocator {
    const localPrefix = opts.serverId === undefined ? undefined : serverIdPrefix(opts.serverId, opts.serverIdBytes);
    return new ExtranonceAllocator({ totalLength: opts.totalLength, maxChannels: opts.maxChannels, localPrefix });
  }

  /**
   * A proxy's allocator inside the space its upstream channel got: the upstream prefix stays in
   * front, and downstream channels share the upstream's extranonce_size bytes.
   */
  static fromUpstream(opts: {
    upstreamPrefix: Uint8Array;
    upstreamExtranonceSize: number;
    maxChannels: number;
    localPrefix?: Uint8Array;
  }): ExtranonceAllocator {
    return new ExtranonceAllocator({
      totalLength: opts.upstreamPrefix.length + opts.upstreamExtranonceSize,
      upstreamPrefix: opts.upstreamPrefix,
      localPrefix: opts.localPrefix,
      maxChannels: opts.maxChannels,
    });
  }

  /** Length of an extended channel's prefix. */
  get prefixLength(): number {
    return this.fixedPrefix.length + this.indexLength;
  }

  /** Bytes left to an extended channel (its extranonce_size). */
  get rollableSize(): number {
    return this.totalLength - this.prefixLength;
  }

  get upstreamPrefixLength(): number {
    return this.upstreamLength;
  }

  get allocated(): number {
    return this.count;
  }

  /** A standard channel's prefix: the whole extranonce, rollable part zeroed. */
  allocateStandard(): Uint8Array {
    const out = new Uint8Array(this.totalLength);
    this.writePrefix(out, this.take());
    return out;
  }

  /** An extended channel's prefix; fails with `min-extranonce-size-too-large` when the rollable part is too small. */
  allocateExtended(minExtranonceSize: number): ExtendedAllocation {
    if (!Number.isInteger(minExtranonceSize) || minExtranonceSize < 0 || minExtranonceSize > this.rollableSize) {
      throw new ChannelError(
        MiningErrorCode.MinExtranonceSizeTooLarge,
        `min_extranonce_size ${minExtranonceSize} is over the ${this.rollableSize} bytes available (extranonce ${this.totalLength} bytes, prefix ${this.prefixLength})`,
      );
    }
    const out = new Uint8Array(this.prefixLength);
    this.writePrefix(out, this.take());
    return { extranoncePrefix: out, extranonceSize: this.rollableSize };
  }

  /**
   * Frees the slot of a prefix this allocator handed out (standard or extended form). Returns
   * false for a prefix that is not ours or not allocated, so a double release is harmless.
   */
  release(prefix: Uint8Array): boolean {
    const index = this.indexOf(prefix);
    if (index === undefined || !this.isUsed(index)) return false;
    this.used[index >>> 5]! &= ~(1 << (index & 31));
    this.count--;
    return true;
  }

  /** Whether `prefix` is a currently allocated prefix of this allocator. */
  isAllocated(prefix: Uint8Array): boolean {
    const index = this.indexOf(prefix);
    return index !== undefined && this.isUsed(index);
  }

  private indexOf(prefix: Uint8Array): number | undefined {
    const fixed = this.fixedPrefix;
    const end = this.prefixLength;
    if (prefix.length !== end && prefix.length !== this.totalLength) return undefined;
    for (let i = 0; i < fixed.length; i++) if (prefix[i] !== fixed[i]) return undefined;
    for (let i = end; i < prefix.length; i++) if (prefix[i] !== 0) return undefined;
    let index = 0;
    for (let i = fixed.length; i < end; i++) index = index * 256 + prefix[i]!;
    return index < this.maxChannels ? index : undefined;
  }

  private isUsed(index: number): boolean {
    return (this.used[index >>> 5]! & (1 << (index & 31))) !== 0;
  }

  private take(): number {
    if (this.count >= this.maxChannels) {
      throw new ChannelError('extranonce-space-exhausted', `all ${this.maxChannels} extranonce prefixes are in use`);
    }
    const max = this.maxChannels;
    let i = this.cursor;
    // Skip whole words that are full, then bits: at most one wrap around.
    for (let scanned = 0; scanned <= max; ) {
      if ((i & 31) === 0 && this.used[i >>> 5] === 0xffffffff && i + 32 <= max) {
        i += 32;
        scanned += 32;
      } else {
        if (!this.isUsed(i)) break;
        i++;
        scanned++;
      }
      if (i >= max) i = 0;
    }
    this.used[i >>> 5]! |= 1 << (i & 31);
    this.count++;
    this.cursor = i + 1 >= max ? 0 : i + 1;
    return i;
  }

  private writePrefix(out: Uint8Array, index: number): void {
    out.set(this.fixedPrefix, 0);
    for (let i = this.prefixLength - 1, v = index; i >= this.fixedPrefix.length; i--, v = Math.floor(v / 256)) out[i] = v % 256;
  }
}
