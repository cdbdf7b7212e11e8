/**
 * A bitcoind-compatible JSON-RPC server over HTTP for the embedded chain, so that existing mining
 * software (pools, SRI's JDS, Sv1 pools, bitcoin-cli) can use it as a node. Listens on 127.0.0.1
 * by default; authenticates with a user/password or a cookie file, as bitcoind does.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { EmbeddedChain } from '../../chain/chain.js';
import { checkBasicAuth, removeCookie, RPC, RpcMethodError, writeCookie, type RpcCredentials } from './jsonrpc.js';
import { NodeMethods, type NodeMethodsOptions } from './node-methods.js';

export interface RpcServerOptions extends NodeMethodsOptions {
  chain: EmbeddedChain;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Fixed credentials; or `cookieDir`, where a fresh `.cookie` is written on start and removed on close. */
  auth: RpcCredentials | { cookieDir: string };
  /** Largest request body accepted (default 32 MiB: a 4 MB block in hex, with room). */
  maxBodyBytes?: number;
  /** Called with a one-line description of unexpected handler failures. */
  onError?: (message: string) => void;
}

interface JsonRpcRequest {
  jsonrpc?: unknown;
  id?: unknown;
  method?: unknown;
  params?: unknown;
}

export class RpcServer {
  private readonly server: Server;
  private readonly methods: NodeMethods;
  private credentials?: RpcCredentials;
  private cookieFile?: string;
  private readonly maxBody: number;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly opts: RpcServerOptions) {
    this.methods = new NodeMethods(opts.chain, opts);
    this.maxBody = opts.maxBodyBytes ?? 32 * 1024 * 1024;
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        this.opts.onError?.(`rpc request failed: ${(e as Error).message}`);
        if (!res.headersSent) send(res, 500, { result: null, error: { code: RPC.INTERNAL_ERROR, message: 'Internal error' }, id: null });
        else res.destroy();
      });
    });
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  /** Starts listening; resolves with the bound address. */
  async listen(): Promise<{ host: string; port: number; url: string; cookieFile?: string }> {
    if ('cookieDir' in this.opts.auth) {
      const { file, credentials } = writeCookie(this.opts.auth.cookieDir);
      this.cookieFile = file;
      this.credentials = credentials;
    } else {
      this.credentials = this.opts.auth;
    }
    const host = this.opts.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port ?? 0, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const port = (this.server.address() as AddressInfo).port;
    return { host, port, url: `http://${host}:${port}/`, cookieFile: this.cookieFile };
  }

  async close(): Promise<void> {
    this.methods.close();
    if (this.cookieFile) removeCookie(this.cookieFile);
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.credentials || !checkBasicAuth(req.headers.authorization, this.credentials)) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="jsonrpc"', 'Content-Length': 0 });
      res.end();
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { 'Content-Length': 0 });
      res.end();
      return;
    }
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    let body: string;
    try {
      body = await readBody(req, this.maxBody);
    } catch {
      res.writeHead(413, { 'Content-Length': 0, Connection: 'close' });
      res.end();
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return send(res, 500, { result: null, error: { code: RPC.PARSE_ERROR, message: 'Parse error' }, id: null });
    }
    // A JSON-RPC 2.0 notification (no id) is run and gets no reply: 204 alone, left out of a batch (as Core).
    if (Array.isArray(parsed)) {
      const replies = [];
      for (const r of parsed) {
        const reply = (await this.dispatch(r as JsonRpcRequest, abort.signal)).body;
        if (!isNotification(r)) replies.push(reply);
      }
      return replies.length === 0 && parsed.length > 0 ? noContent(res) : send(res, 200, replies);
    }
    const { status, body: reply } = await this.dispatch(parsed as JsonRpcRequest, abort.signal);
    if (isNotification(parsed)) return noContent(res);
    send(res, status, reply);
  }

  /** One request → Bitcoin Core's reply shape: JSON-RPC 2.0 when asked for, else 1.0 with HTTP error statuses. */
  private async dispatch(r: JsonRpcRequest, signal: AbortSignal): Promise<{ status: number; body: unknown }> {
    const v2 = r?.jsonrpc === '2.0';
    const id = r?.id ?? null;
    const ok = (result: unknown) => ({ status: 200, body: v2 ? { jsonrpc: '2.0', result, id } : { result, error: null, id } });
    const fail = (code: number, message: string) => ({
      status: v2 ? 200 : code === RPC.METHOD_NOT_FOUND ? 404 : code === RPC.INVALID_REQUEST ? 400 : 500,
      body: v2 ? { jsonrpc: '2.0', error: { code, message }, id } : { result: null, error: { code, message }, id },
    });
    if (!r || typeof r !== 'object' || typeof r.method !== 'string') return fail(RPC.INVALID_REQUEST, 'Missing method');
    const params = r.params ?? [];
    if (typeof params !== 'object' || params === null) return fail(RPC.INVALID_REQUEST, 'Params must be an array or object');
    try {
      return ok(await this.methods.call(r.method, params as unknown[] | Record<string, unknown>, signal));
    } catch (e) {
      if (e instanceof RpcMethodError) return fail(e.rpcCode, e.message);
      this.opts.onError?.(`rpc ${r.method} failed: ${(e as Error).message}`);
      return fail(RPC.MISC_ERROR, (e as Error).message);
    }
  }
}

function readBody(req: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      if (size > max) return; // discarding the rest; the 413 closes the connection
      size += c.length;
      if (size > max) {
        chunks.length = 0;
        reject(new Error('body too large'));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function isNotification(r: unknown): boolean {
  return typeof r === 'object' && r !== null && (r as { jsonrpc?: unknown }).jsonrpc === '2.0' && !('id' in r);
}

function noContent(res: ServerResponse): void {
  if (res.destroyed) return;
  res.writeHead(204);
  res.end();
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed) return;
  const text = JSON.stringify(body) + '\n';
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
