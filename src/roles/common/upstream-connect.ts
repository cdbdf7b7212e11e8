/**
 * The production upstream connector of the translator and the proxy: TCP + Noise NX (the pool's
 * certificate must be signed by the configured authority key), then SetupConnection for the
 * Mining Protocol. Resolves once the pool answered SetupConnection.Success; every later message
 * goes to the role.
 */
import { Sv2Error } from '../../codec/sv2-error.js';
import { MiningSuccessFlags } from '../../messages/index.js';
import type { AnyMessage, Messages } from '../../messages/index.js';
import { connect } from '../../net/index.js';
import type { Connection } from '../../net/index.js';
import { miningSetupConnection } from './upstream.js';
import type { UpstreamEndpoint } from './upstream.js';
import type { UpstreamConnection, UpstreamConnector } from './upstream-manager.js';

export interface Sv2ConnectorOptions {
  minVersion?: number;
  maxVersion?: number;
  /** TCP connect + handshake (default 10 s) */
  handshakeTimeoutMs?: number;
  /** the pool must answer SetupConnection within this (default 10 s) */
  setupTimeoutMs?: number;
  /** SetupConnection.firmware (which role connects) */
  firmware?: string;
  /** called when the pool's SetupConnection.Success says something the role should log */
  onWarning?: (message: string) => void;
  /** a SetupConnection other than the Mining one with REQUIRES_VERSION_ROLLING (the JD client's, to a pool or a JDS) */
  setupConnection?: (endpoint: UpstreamEndpoint) => Messages['SetupConnection'];
}

export class UpstreamSetupError extends Sv2Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SV2_ERR_UPSTREAM_SETUP', message, options);
  }
}

export function sv2Connector(options: Sv2ConnectorOptions = {}): UpstreamConnector {
  return async (endpoint: UpstreamEndpoint, onMessage: (message: AnyMessage) => void): Promise<UpstreamConnection> => {
    const conn = await connect({ host: endpoint.host, port: endpoint.port, authority: endpoint.authorityPubkey, handshakeTimeoutMs: options.handshakeTimeoutMs });
    try {
      await setUp(conn, endpoint, onMessage, options);
    } catch (error) {
      void conn.close('setup failed');
      throw error;
    }
    return {
      send(name, message) {
        // a send on a closed connection fails; the close itself is reported through `closed`
        conn.send(name, message).catch(() => undefined);
      },
      closed: conn.closed.then((info) => (info.by === 'local' ? info.reason : `${info.by === 'peer' ? 'pool closed the connection' : 'connection failed'}: ${info.reason}`)),
      close(reason) {
        void conn.close(reason);
      },
    };
  };
}

/** Sends SetupConnection and waits for the answer; from then on messages go to `onMessage`. */
function setUp(conn: Connection, endpoint: UpstreamEndpoint, onMessage: (message: AnyMessage) => void, options: Sv2ConnectorOptions): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let done = false;
    const finish = (error?: Error): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (error === undefined) resolve();
      else reject(error);
    };
    const timer = setTimeout(() => finish(new UpstreamSetupError(`no answer to SetupConnection within ${options.setupTimeoutMs ?? 10_000} ms`)), options.setupTimeoutMs ?? 10_000);
    timer.unref();
    conn.on('message', (m) => {
      if (done) {
        onMessage(m);
        return;
      }
      if (m.name === 'SetupConnectionSuccess') {
        if ((m.message.flags & MiningSuccessFlags.RequiresFixedVersion) !== 0) {
          options.onWarning?.('the pool requires a fixed version: miners that roll version bits will have their shares refused');
        }
        finish();
      } else if (m.name === 'SetupConnectionError') {
        finish(new UpstreamSetupError(`pool refused SetupConnection: ${m.message.errorCode}${m.message.flags !== 0 ? ` (flags 0x${m.message.flags.toString(16)})` : ''}`));
      } else {
        finish(new UpstreamSetupError(`pool sent ${m.name} before answering SetupConnection`));
      }
    });
    void conn.closed.then((info) => finish(new UpstreamSetupError(`connection closed during setup: ${info.reason}`)));
    const setup = options.setupConnection?.(endpoint) ?? miningSetupConnection({ host: endpoint.host, port: endpoint.port, minVersion: options.minVersion, maxVersion: options.maxVersion, firmware: options.firmware });
    conn
      .send('SetupConnection', setup)
      .catch((error: Error) => finish(error));
  });
}
