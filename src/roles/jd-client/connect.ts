/**
 * One upstream of a JD client is two connections, the pool (Mining Protocol with
 * REQUIRES_WORK_SELECTION) and its Job Declarator (protocol 1), used and lost together: the
 * `UpstreamManager` sees them as one link, so its order, retries and Reconnect work unchanged.
 * Messages of the Job Declaration Protocol go to the JDS, the rest to the pool. An upstream that
 * refused a job is passed over for a while (the manager goes on to the next, or we mine solo).
 */
import { MiningSetupFlags, PROTOCOL_VERSION, Protocol } from '../../messages/index.js';
import type { MessageName } from '../../messages/index.js';
import { JobDeclarationSetupFlags, jobDeclarationMessages } from '../../messages/job-declaration.js';
import { miningSetupConnection, VENDOR } from '../common/upstream.js';
import { sv2Connector, UpstreamSetupError } from '../common/upstream-connect.js';
import { endpointLabel, type UpstreamConnection, type UpstreamConnector } from '../common/upstream-manager.js';
import type { JdcUpstream, JdMode } from './config.js';

const JD_NAMES = new Set<MessageName>(jobDeclarationMessages.map((m) => m.name as MessageName));

export interface JdcConnectorOptions {
  mode: JdMode;
  minVersion: number;
  maxVersion: number;
  onWarning?: (message: string) => void;
  /** ms since the epoch; the cooldown's clock */
  now?: () => number;
}

export class JdcConnector {
  private readonly refusedUntil = new Map<string, number>();

  constructor(private readonly opts: JdcConnectorOptions) {}

  /** This upstream refused a job: skip it for `ms`. */
  refused(label: string, ms: number): void {
    if (ms > 0) this.refusedUntil.set(label, (this.opts.now ?? Date.now)() + ms);
  }

  readonly connect: UpstreamConnector = async (endpoint, onMessage) => {
    const up = endpoint as JdcUpstream;
    const label = endpointLabel(endpoint);
    const until = this.refusedUntil.get(label);
    if (until !== undefined && (this.opts.now ?? Date.now)() < until) throw new UpstreamSetupError(`refused a job recently; passed over until ${new Date(until).toISOString()}`);
    this.refusedUntil.delete(label);
    const pool = await sv2Connector({
      minVersion: this.opts.minVersion,
      maxVersion: this.opts.maxVersion,
      onWarning: this.opts.onWarning,
      setupConnection: (e) =>
        miningSetupConnection({ host: e.host, port: e.port, minVersion: this.opts.minVersion, maxVersion: this.opts.maxVersion, firmware: 'sv2 jd-client', extraFlags: MiningSetupFlags.RequiresWorkSelection }),
    })(endpoint, onMessage);
    let jds: UpstreamConnection;
    try {
      jds = await sv2Connector({
        setupConnection: (e) => ({
          protocol: Protocol.JobDeclaration,
          minVersion: PROTOCOL_VERSION,
          maxVersion: PROTOCOL_VERSION,
          flags: this.opts.mode === 'FULLTEMPLATE' ? JobDeclarationSetupFlags.DeclareTxData : 0,
          endpointHost: e.host.slice(0, 255),
          endpointPort: e.port,
          vendor: VENDOR,
          hardwareVersion: '',
          firmware: 'sv2 jd-client',
          deviceId: '',
        }),
      })({ ...endpoint, host: up.jds.host, port: up.jds.port }, onMessage);
    } catch (e) {
      pool.close('the JDS could not be reached');
      throw new UpstreamSetupError(`JDS ${up.jds.host}:${up.jds.port}: ${(e as Error).message}`);
    }
    const closed = Promise.race([pool.closed.then((r) => `pool: ${r}`), jds.closed.then((r) => `JDS: ${r}`)]);
    void closed.then((r) => {
      pool.close(r);
      jds.close(r);
    });
    return {
      send(name, message) {
        (JD_NAMES.has(name) ? jds : pool).send(name, message);
      },
      closed,
      close(reason) {
        pool.close(reason);
        jds.close(reason);
      },
    };
  };
}
