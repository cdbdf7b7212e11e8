/** A bitcoind JSON-RPC client over HTTP (Bitcoin Core, Knots, btcd), with user/password or cookie auth. */
import { Sv2Error } from '../../codec/sv2-error.js';
import { Agent, request } from 'node:http';
import { basicAuthHeader, readCookie, type RpcAuth, type RpcCredentials } from './jsonrpc.js';

/** The node answered with a JSON-RPC error. */
export class RpcError extends Sv2Error {
  constructor(
    readonly method: string,
    /** the JSON-RPC error code */
    readonly rpcCode: number,
    /** The node's message as it sent it (e.g. a reject reason). */
    readonly detail: string,
  ) {
    super('SV2_ERR_RPC', `${method}: ${detail} (code ${rpcCode})`);
  }
}

/** The call did not get a JSON-RPC answer: connection refused or dropped, timeout, HTTP 401/5xx without a body. */
export class RpcTransportError extends Sv2Error {
  constructor(
    readonly method: string,
    message: string,
    readonly status?: number,
    /** No answer within the call's timeout: the node may still have acted on the call (a frozen or busy node). */
    readonly timedOut = false,
  ) {
    super('SV2_ERR_RPC_TRANSPORT', `${method}: ${message}`);
  }
}

export interface RpcClientOptions {
  /** e.g. http://127.0.0.1:8332/ (a path selects a wallet endpoint, as bitcoind's /wallet/<name>). */
  url: string;
  auth: RpcAuth;
  /** Per-call timeout (default 30 s); long polls pass their own. */
  timeoutMs?: number;
  /** Largest response accepted (default 64 MiB). */
  maxResponseBytes?: number;
}

export interface CallOptions {
  /** 0 disables the timeout (long polling). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export class RpcClient {
  private readonly url: URL;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 4 });
  private credentials?: RpcCredentials;
  private nextId = 1;

  constructor(private readonly opts: RpcClientOptions) {
    this.url = new URL(opts.url);
    if (this.url.protocol !== 'http:') throw new Error(`bitcoind RPC URL must be http://host:port, got ${opts.url}`);
  }

  private auth(): RpcCredentials {
    if (this.credentials) return this.credentials;
    // A cookie changes whenever bitcoind restarts: read it lazily, and again after a 401.
    this.credentials = 'cookieFile' in this.opts.auth ? readCookie(this.opts.auth.cookieFile) : this.opts.auth;
    return this.credentials;
  }

  async call<T = unknown>(method: string, params: unknown[] = [], o: CallOptions = {}): Promise<T> {
    let creds: RpcCredentials;
    try {
      creds = this.auth();
    } catch (e) {
      throw new RpcTransportError(method, `cannot read RPC cookie: ${(e as Error).message}`);
    }
    const body = JSON.stringify({ jsonrpc: '1.0', id: this.nextId++, method, params });
    const { status, text } = await this.post(method, body, creds, o);
    if (status === 401) {
      this.credentials = undefined;
      throw new RpcTransportError(method, 'authentication failed (HTTP 401): check rpcuser/rpcpassword or the cookie file', 401);
    }
    let reply: { result?: unknown; error?: { code?: number; message?: string } | null };
    try {
      reply = JSON.parse(text);
    } catch {
      throw new RpcTransportError(method, `HTTP ${status} with a non-JSON body`, status);
    }
    if (reply.error) throw new RpcError(method, reply.error.code ?? 0, reply.error.message ?? 'unknown error');
    if (status !== 200) throw new RpcTransportError(method, `HTTP ${status}`, status);
    return reply.result as T;
  }

  private post(method: string, body: string, creds: RpcCredentials, o: CallOptions): Promise<{ status: number; text: string }> {
    const timeoutMs = o.timeoutMs ?? this.opts.timeoutMs ?? 30_000;
    const max = this.opts.maxResponseBytes ?? 64 * 1024 * 1024;
    return new Promise((resolve, reject) => {
      const req = request(
        this.url,
        {
          method: 'POST',
          agent: this.agent,
          headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), Authorization: basicAuthHeader(creds) },
          signal: o.signal,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > max) {
              req.destroy(new Error('response too large'));
              return;
            }
            chunks.push(c);
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', (e) => reject(new RpcTransportError(method, e.message)));
        },
      );
      let timedOut = false;
      if (timeoutMs > 0)
        req.setTimeout(timeoutMs, () => {
          timedOut = true;
          req.destroy(new Error(`no answer within ${timeoutMs} ms`));
        });
      req.on('error', (e) => reject(new RpcTransportError(method, e.message, undefined, timedOut)));
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
