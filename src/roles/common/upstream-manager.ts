/**
 * Keeps a role (translator, proxy) connected to a pool: the configured upstreams in order, the
 * next one when the current one is lost or refuses us, and after a whole round of failures a pause
 * that doubles up to a ceiling before starting again from the first (preferred) upstream. Sv2
 * `Reconnect` is honoured by connecting to the host/port it names with the same authority key.
 * Devices are never disconnected for any of this: the role keeps them working meanwhile.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { AnyMessage } from '../../messages/index.js';
import type { UpstreamAction, UpstreamEndpoint, UpstreamLink } from './upstream.js';

/** A set-up pool connection (handshake and SetupConnection.Success done). */
export interface UpstreamConnection extends UpstreamLink {
  /** resolves with a reason once the connection has ended, whoever ended it */
  readonly closed: Promise<string>;
  close(reason: string): void;
}

/**
 * Connects, authenticates the pool and sets the connection up; rejects on any failure. Messages
 * after SetupConnection.Success go to `onMessage`.
 */
export type UpstreamConnector = (endpoint: UpstreamEndpoint, onMessage: (message: AnyMessage) => void) => Promise<UpstreamConnection>;

/** The role's side: what the manager tells it about the connection. */
export interface UpstreamClient {
  /** a message from the pool after SetupConnection.Success */
  upstreamMessage(message: AnyMessage): void;
  upstreamConnected(link: UpstreamLink, userIdentity: string, label: string): void;
  /** the connection in use was lost (not called for the manager's own stop) */
  upstreamDisconnected(reason: string): void;
  /** devices (miners) connected now: while any wait, the pause between rounds stays short */
  readonly downstreamCount: number;
}

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** The longest pause while devices are connected: every second without a pool is a second of their work refused. */
  whileMinersWaitMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1_000, maxMs: 30_000, whileMinersWaitMs: 2_000 };

export interface UpstreamStatus {
  connected: boolean;
  address: string | null;
  /** index in the configured list of the upstream in use or being tried */
  index: number;
  connections: number;
  /** moves back to the preferred upstream after it returned */
  returns_to_preferred: number;
  failures: number;
  last_error: string | null;
}

export function endpointLabel(e: UpstreamEndpoint): string {
  return `${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}`;
}

export class UpstreamManager {
  private stopped = false;
  private current: UpstreamConnection | null = null;
  private currentLabel: string | null = null;
  private pendingAction: UpstreamAction | null = null;
  private readonly abort = new AbortController();
  private running: Promise<void> | null = null;
  private index = 0;
  private connections = 0;
  private failures = 0;
  private lastError: string | null = null;
  /** a set-up connection to the preferred upstream, waiting to replace the current one */
  private adopted: UpstreamConnection | null = null;
  private returns = 0;

  constructor(
    private readonly endpoints: UpstreamEndpoint[],
    private readonly connect: UpstreamConnector,
    private readonly core: UpstreamClient,
    private readonly log: Logger,
    private readonly backoff: BackoffOptions = DEFAULT_BACKOFF,
    /**
     * While on a fallback, try the first (preferred) upstream this often and move back to it once
     * it answers SetupConnection (0: stay on the fallback until it is lost).
     */
    private readonly returnToPreferredMs = 0,
  ) {
    if (endpoints.length === 0) throw new RangeError('at least one upstream is needed');
  }

  start(): void {
    this.running ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.current?.close('shutting down');
    await this.running;
    this.adopted?.close('shutting down');
  }

  /** Reacts to what the role asks (Sv2 Reconnect, or this upstream cannot serve us). */
  act(action: UpstreamAction): void {
    if (this.current === null) return;
    this.pendingAction = action;
    this.current.close(action.type === 'reconnect' ? 'pool asked to reconnect' : action.reason);
  }

  status(): UpstreamStatus {
    return {
      connected: this.current !== null,
      returns_to_preferred: this.returns,
      address: this.currentLabel,
      index: this.index,
      connections: this.connections,
      failures: this.failures,
      last_error: this.lastError,
    };
  }

  private async run(): Promise<void> {
    let delay = this.backoff.initialMs;
    let failedInRound = 0;
    let redirect: UpstreamEndpoint | null = null;
    // Attempts failed since the last connection: the first of an outage is a warning, the rest
    // debug, so an operator reads one line per outage rather than three per retry.
    let failedAttempts = 0;
    while (!this.stopped) {
      const endpoint: UpstreamEndpoint = redirect ?? this.endpoints[this.index]!;
      const redirected = redirect !== null;
      redirect = null;
      const label = endpointLabel(endpoint);
      let connection: UpstreamConnection;
      try {
        if (this.adopted !== null) {
          connection = this.adopted;
          this.adopted = null;
        } else {
          this.log[failedAttempts === 0 ? 'info' : 'debug']({ upstream: label }, 'connecting to upstream');
          connection = await this.connect(endpoint, (m) => this.deliver(connection, m));
        }
      } catch (error) {
        if (this.stopped) return;
        this.failures++;
        this.lastError = `${label}: ${(error as Error).message}`;
        this.log[failedAttempts++ < this.endpoints.length ? 'warn' : 'debug']({ upstream: label, error: (error as Error).message }, 'upstream connection failed');
        if (!redirected) {
          this.index = (this.index + 1) % this.endpoints.length;
          failedInRound++;
        }
        if (failedInRound >= this.endpoints.length) {
          failedInRound = 0;
          this.index = 0;
          // A returning pool is found within a couple of seconds while devices wait; with none, back off further.
          const wait = this.core.downstreamCount > 0 ? Math.min(delay, this.backoff.whileMinersWaitMs) : delay;
          this.log[failedAttempts <= this.endpoints.length ? 'info' : 'debug']({ retryInMs: wait }, 'every upstream failed; retrying until one answers');
          if (!(await this.pause(wait))) return;
          delay = Math.min(delay * 2, this.backoff.maxMs);
        }
        continue;
      }
      if (this.stopped) {
        connection.close('shutting down');
        return;
      }
      if (failedAttempts > 0) this.log.info({ upstream: label, failedAttempts }, 'upstream reached');
      delay = this.backoff.initialMs;
      failedInRound = 0;
      failedAttempts = 0;
      this.connections++;
      this.current = connection;
      this.currentLabel = label;
      this.core.upstreamConnected(connection, endpoint.userIdentity, label);
      if (this.index !== 0 && this.returnToPreferredMs > 0 && !redirected) void this.watchPreferred(connection);
      const reason = await connection.closed;
      this.current = null;
      this.currentLabel = null;
      // Our own stop is not an outage: the role is told only of connections it lost.
      if (!this.stopped) this.core.upstreamDisconnected(reason);
      const action = this.pendingAction;
      this.pendingAction = null;
      if (this.stopped) return;
      if (this.adopted !== null) {
        this.index = 0;
        this.returns++;
      } else if (action?.type === 'reconnect') {
        redirect = { ...endpoint, host: action.host ?? endpoint.host, port: action.port ?? endpoint.port };
      } else {
        this.lastError = `${label}: ${reason}`;
        this.index = (this.index + 1) % this.endpoints.length;
      }
    }
  }

  /** Only the connection in use speaks to the role (a probe of the preferred upstream waits its turn). */
  private deliver(connection: UpstreamConnection | undefined, m: AnyMessage): void {
    if (connection === undefined || connection === this.current) this.core.upstreamMessage(m);
  }

  /**
   * While `fallback` is in use, tries the preferred upstream every `returnToPreferredMs`; once one
   * is set up, it replaces the fallback at once (the role sees a disconnect and a connect in the
   * same turn, so devices wait only for the preferred upstream's first job).
   */
  private async watchPreferred(fallback: UpstreamConnection): Promise<void> {
    const preferred = this.endpoints[0]!;
    while (!this.stopped && this.current === fallback) {
      if (!(await this.pause(this.returnToPreferredMs)) || this.current !== fallback) return;
      let probe: UpstreamConnection;
      try {
        probe = await this.connect(preferred, (m) => {
          if (probe !== undefined && probe === this.current) this.core.upstreamMessage(m);
        });
      } catch {
        continue;
      }
      if (this.stopped || this.current !== fallback) {
        probe.close('not needed any more');
        return;
      }
      this.log.info({ upstream: endpointLabel(preferred) }, 'preferred upstream is back; moving to it');
      this.adopted = probe;
      fallback.close('preferred upstream is back');
      return;
    }
  }

  /** false when stopped meanwhile */
  private async pause(ms: number): Promise<boolean> {
    try {
      await sleep(ms, undefined, { signal: this.abort.signal });
      return true;
    } catch {
      return false;
    }
  }
}
