/**
 * The miner's Sv2 upstream: one Noise connection, SetupConnection, one standard (header-only) or
 * extended channel, jobs into hashing work, shares out. Reconnect moves it to another host of the
 * same authority; a lost connection is retried with backoff.
 */
import { concatBytes } from '../../bitcoin/bytes.js';
import type { ClientJob } from '../../channels/client-channel.js';
import { ClientChannel } from '../../channels/client-channel.js';
import { Protocol, PROTOCOL_VERSION } from '../../messages/common.js';
import { MiningSetupFlags, MiningSuccessFlags, VERSION_ROLLING_MASK } from '../../messages/mining.js';
import type { AnyMessage } from '../../messages/registry.js';
import { connect } from '../../net/client.js';
import type { Connection } from '../../net/connection.js';
import type { PoolUrl } from '../../net/pool-url.js';
import type { FoundShare } from './hash-search.js';
import type { BackoffOptions, SessionHost } from './session.js';
import { harderTarget, SessionBase } from './session-base.js';
import type { SessionWork } from './session-base.js';

export interface Sv2SessionOptions {
  pool: PoolUrl;
  /** Open an extended channel (the miner rolls the extranonce) instead of a standard one. */
  extended: boolean;
  /** min_extranonce_size asked for on an extended channel. */
  minExtranonceSize: number;
  /** Measured hashrate this far off the announced one (as a ratio) triggers UpdateChannel. */
  updateChannelRatio: number;
  backoff: BackoffOptions;
  deviceId: string;
}

interface WorkRef extends SessionWork {
  jobId: number;
}

const MAX_TARGET = new Uint8Array(32).fill(0xff);

export class Sv2Session extends SessionBase<Connection, WorkRef> {
  private channel: ClientChannel | null = null;
  private sequence = 0;
  private requestId = 0;
  private fixedVersion = false;
  private refusedFlags = 0;
  private announced = 0;

  constructor(
    host: SessionHost,
    private readonly opts: Sv2SessionOptions,
  ) {
    // A host named by Reconnect that fails us sends the miner back to the configured pool.
    super(host, { home: { host: opts.pool.host, port: opts.pool.port }, backoff: opts.backoff, returnHomeAfterFailedRedirect: true });
  }

  protected open(host: string, port: number): Promise<Connection> {
    return connect({ host, port, authority: this.opts.pool.authority });
  }

  protected begin(conn: Connection, host: string, port: number): void {
    this.channel = null;
    this.fixedVersion = false;
    conn.on('message', (m) => this.onMessage(conn, m));
    // Flags a server of this pool refused before are left out: the miner can live without either.
    const wanted = (this.opts.extended ? 0 : MiningSetupFlags.RequiresStandardJobs) | MiningSetupFlags.RequiresVersionRolling;
    const flags = wanted & ~this.refusedFlags;
    conn
      .send('SetupConnection', {
        protocol: Protocol.Mining,
        minVersion: PROTOCOL_VERSION,
        maxVersion: PROTOCOL_VERSION,
        flags,
        endpointHost: host,
        endpointPort: port,
        vendor: this.host.vendor,
        hardwareVersion: `cpu x${this.host.threads}`,
        firmware: this.host.vendor,
        deviceId: this.opts.deviceId,
      })
      .catch(() => {});
  }

  protected end(): void {
    this.channel = null;
  }

  private onMessage(conn: Connection, m: AnyMessage): void {
    const ch = this.channel;
    switch (m.name) {
      case 'SetupConnectionSuccess': {
        this.fixedVersion = (m.message.flags & MiningSuccessFlags.RequiresFixedVersion) !== 0 || (this.refusedFlags & MiningSetupFlags.RequiresVersionRolling) !== 0;
        const standardRefused = (m.message.flags & MiningSuccessFlags.RequiresExtendedChannels) !== 0 || (this.refusedFlags & MiningSetupFlags.RequiresStandardJobs) !== 0;
        const extended = this.opts.extended || standardRefused;
        if (extended && !this.opts.extended) this.host.notice('the pool does not serve standard channels: opening an extended channel');
        this.openChannel(conn, extended);
        break;
      }
      case 'SetupConnectionError':
        this.host.notice(`SetupConnection refused: ${m.message.errorCode}${m.message.flags ? ` (flags 0x${m.message.flags.toString(16)})` : ''}`);
        this.refusedFlags |= m.message.flags & (MiningSetupFlags.RequiresStandardJobs | MiningSetupFlags.RequiresVersionRolling);
        void conn.close(`SetupConnection refused: ${m.message.errorCode}`);
        break;
      case 'OpenStandardMiningChannelSuccess':
      case 'OpenExtendedMiningChannelSuccess': {
        if (m.message.requestId !== this.requestId || ch !== null) break;
        const extranonceSize = m.name === 'OpenExtendedMiningChannelSuccess' ? m.message.extranonceSize : 0;
        this.channel = new ClientChannel({
          channelId: m.message.channelId,
          extranoncePrefix: m.message.extranoncePrefix,
          extranonceSize,
          target: m.message.target,
          groupChannelId: m.message.groupChannelId,
        });
        this.backoff.reset();
        this.host.channelOpened(
          { channelId: m.message.channelId, kind: extranonceSize > 0 ? 'extended' : 'standard', extranoncePrefix: m.message.extranoncePrefix, extranonceSize },
          m.message.target,
        );
        break;
      }
      case 'OpenMiningChannelError':
        this.host.notice(`the pool refused the channel: ${m.message.errorCode}`);
        void conn.close(`channel refused: ${m.message.errorCode}`);
        break;
      case 'NewMiningJob':
        if (ch !== null && m.message.channelId === ch.channelId) this.onJob(ch, ch.onNewMiningJob(m.message));
        break;
      case 'NewExtendedMiningJob':
        if (ch !== null && this.addressed(ch, m.message.channelId)) this.onJob(ch, ch.onNewExtendedMiningJob(m.message));
        break;
      case 'SetNewPrevHash':
        if (ch !== null && this.addressed(ch, m.message.channelId)) {
          // Everything queued before is stale: the hashers move to the activated job at once.
          this.mineJob(ch, ch.onSetNewPrevHash(m.message), true);
        }
        break;
      case 'SetTarget':
        if (ch !== null && this.addressed(ch, m.message.channelId)) this.onSetTarget(ch, m.message.maximumTarget);
        break;
      case 'SetExtranoncePrefix':
        if (ch !== null && m.message.channelId === ch.channelId) ch.onSetExtranoncePrefix(m.message);
        break;
      case 'SubmitSharesSuccess':
        if (ch !== null && m.message.channelId === ch.channelId) {
          this.host.accepted(m.message.newSubmitsAcceptedCount, Number(m.message.newSharesSum), m.message.lastSequenceNumber);
        }
        break;
      case 'SubmitSharesError':
        if (ch !== null && m.message.channelId === ch.channelId) this.host.rejected(m.message.errorCode, m.message.sequenceNumber);
        break;
      case 'UpdateChannelError':
        this.host.notice(`UpdateChannel refused: ${m.message.errorCode}`);
        break;
      case 'CloseChannel':
        if (ch !== null && this.addressed(ch, m.message.channelId)) {
          const delay = this.backoff.next();
          this.host.notice(`the pool closed channel ${m.message.channelId}: ${m.message.reasonCode}; opening a new one in ${delay} ms`);
          this.channel = null;
          this.currentKey = null;
          this.host.idle();
          // Waiting (with backoff) keeps a pool that closes every channel from a tight open/close loop.
          setTimeout(() => {
            if (this.conn === conn && conn.isOpen && this.channel === null && !this.closing) this.openChannel(conn, ch.kind === 'extended');
          }, delay).unref();
        }
        break;
      case 'ChannelEndpointChanged':
        // Extension state would reset here; this miner negotiates none, so the channel carries on.
        if (ch !== null && m.message.channelId === ch.channelId) this.host.notice(`channel ${ch.channelId} now ends at another upstream`);
        break;
      case 'Reconnect':
        this.redirect = { host: m.message.newHost || this.endpoint.host, port: m.message.newPort || this.endpoint.port, waitMs: 0 };
        void conn.close('the pool asked to reconnect');
        break;
      default:
        // SetGroupChannel and anything else a mining device has no use for.
        break;
    }
  }

  private addressed(ch: ClientChannel, channelId: number): boolean {
    return channelId === ch.channelId || (ch.groupChannelId !== 0 && channelId === ch.groupChannelId);
  }

  private openChannel(conn: Connection, extended: boolean): void {
    this.requestId++;
    this.announced = this.host.nominalHashrate();
    const common = { requestId: this.requestId, userIdentity: this.host.user, nominalHashRate: this.announced, maxTarget: MAX_TARGET };
    const sent = extended
      ? conn.send('OpenExtendedMiningChannel', { ...common, minExtranonceSize: this.opts.minExtranonceSize })
      : conn.send('OpenStandardMiningChannel', common);
    sent.catch(() => {});
  }

  private onJob(ch: ClientChannel, job: ClientJob): void {
    // A future job waits for its SetNewPrevHash; one with min_ntime replaces the work now.
    if (job.minNtime !== null) this.mineJob(ch, job, false);
  }

  private mineJob(ch: ClientChannel, job: ClientJob, cleanJobs: boolean): void {
    const tip = ch.tip!;
    const ntime = Math.max(job.minNtime!, this.host.nowSeconds());
    const version = job.version;
    const target = harderTarget(job.target, ch.target);
    const versionRollingMask = job.versionRollingAllowed && !this.fixedVersion ? VERSION_ROLLING_MASK : 0;
    const work =
      ch.kind === 'standard'
        ? { header: ch.header(job, { nonce: 0, ntime, version }), target, versionRollingMask }
        : {
            // The hashers write each extranonce's merkle root into the header themselves.
            header: ch.header(job, { nonce: 0, ntime, version, extranonce: new Uint8Array(ch.extranonceSize) }),
            target,
            versionRollingMask,
            coinbase: { prefix: concatBytes(job.coinbasePrefix, job.extranoncePrefix), suffix: job.coinbaseSuffix, merklePath: [...job.merklePath], extranonceSize: ch.extranonceSize },
          };
    this.mine(work, { epoch: this.epoch, jobId: job.jobId, target, networkTarget: tip.networkTarget }, cleanJobs);
  }

  private onSetTarget(ch: ClientChannel, target: Uint8Array): void {
    ch.onSetTarget({ channelId: ch.channelId, maximumTarget: target });
    // The spec keeps the active job on its old target, SRI checks against the current one.
    this.followTarget(target);
  }

  protected canSubmit(): boolean {
    return this.channel !== null;
  }

  protected isStale(ref: WorkRef): boolean {
    return this.channel!.job(ref.jobId) === undefined;
  }

  protected submit(conn: Connection, ref: WorkRef, share: FoundShare): number {
    const sequenceNumber = (this.sequence = (this.sequence + 1) >>> 0);
    const fields = { channelId: this.channel!.channelId, sequenceNumber, jobId: ref.jobId, nonce: share.nonce, ntime: share.ntime, version: share.version };
    const sent = share.extranonce !== undefined ? conn.send('SubmitSharesExtended', { ...fields, extranonce: share.extranonce }) : conn.send('SubmitSharesStandard', fields);
    sent.catch(() => {});
    return sequenceNumber;
  }

  onHashrate(hashrate: number, steady: boolean): void {
    const ch = this.channel;
    const conn = this.conn;
    if (!steady || ch === null || conn === null || !(hashrate > 0)) return;
    const ratio = this.opts.updateChannelRatio;
    if (hashrate <= this.announced * ratio && hashrate * ratio >= this.announced) return;
    this.announced = hashrate;
    conn.send('UpdateChannel', { channelId: ch.channelId, nominalHashRate: hashrate, maximumTarget: MAX_TARGET }).catch(() => {});
    this.host.nominalHashrateSent(hashrate);
  }
}

