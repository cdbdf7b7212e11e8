import { ListenError } from '../net/errors.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { dashboardAssets, type Asset, type DashboardRole } from './dashboard.js';

/** A JSON route: returns the body, or undefined for 404. `params` holds the `{name}` segments of the path and the query parameters. */
export type RouteHandler = (params: Record<string, string>) => unknown;

export interface MonitorOptions {
  host: string;
  port: number;
  /** e.g. `{ '/api/v1/health': () => ({status: 'ok'}), '/api/v1/clients/{id}': ({id}) => ... }` */
  routes: Record<string, RouteHandler>;
  /** Served as Prometheus text at /metrics. */
  registry?: Registry;
  /** Serve this role's web dashboard at `/` (its files under /dashboard/ and /vendor/). */
  dashboard?: DashboardRole;
}

/** The page may load only what this server serves. */
const PAGE_POLICY = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:";

export interface MonitorServer {
  readonly port: number;
  readonly url: string;
  /** The dashboard's address, when this server has one. */
  readonly dashboardUrl: string | undefined;
  close(): Promise<void>;
}

interface CompiledRoute {
  parts: string[];
  handler: RouteHandler;
}

/** The HTTP JSON API and Prometheus endpoint every role exposes (SRI's paths). Read-only: GET only. */
export async function startMonitor(opts: MonitorOptions): Promise<MonitorServer> {
  // A dashboard asks which other dashboards to link (the local stack answers with all of them).
  const given = opts.dashboard === undefined || '/api/v1/dashboards' in opts.routes ? opts.routes : { ...opts.routes, '/api/v1/dashboards': () => [] };
  const routes: CompiledRoute[] = Object.entries(given).map(([p, handler]) => ({ parts: p.split('/'), handler }));
  // Read once at start: a missing file fails here, not on the first visit.
  const assets: Map<string, Asset> = opts.dashboard === undefined ? new Map() : dashboardAssets(opts.dashboard);
  const server = createServer((req, res) => {
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
    };
    if (req.method !== 'GET') return send(405, { error: 'only GET is served' });
    const [path = '/', query = ''] = (req.url ?? '/').split('?', 2);
    if (path === '/metrics' && opts.registry) {
      const registry = opts.registry;
      registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(text);
        },
        (e: unknown) => send(500, { error: String(e) }),
      );
      return;
    }
    const asset = assets.get(path);
    if (asset !== undefined) {
      res.writeHead(200, { 'content-type': asset.type, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff', 'content-security-policy': PAGE_POLICY });
      res.end(asset.body);
      return;
    }
    const parts = path.split('/');
    for (const r of routes) {
      const pathParams = match(r.parts, parts);
      if (pathParams === undefined) continue;
      // query parameters (`?offset=0&limit=25`) too; path segments win on a name clash
      const params = { ...Object.fromEntries(new URLSearchParams(query)), ...pathParams };
      try {
        const body = r.handler(params);
        return body === undefined ? send(404, { error: 'not found' }) : send(200, body);
      } catch (e) {
        return send(500, { error: e instanceof Error ? e.message : String(e) });
      }
    }
    send(404, { error: 'not found' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => reject(ListenError.from(e, opts.host, opts.port)));
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`;
  return {
    port,
    url,
    dashboardUrl: opts.dashboard === undefined ? undefined : `${url}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function match(pattern: string[], parts: string[]): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    if (p.startsWith('{') && p.endsWith('}')) params[p.slice(1, -1)] = decodeURIComponent(parts[i]!);
    else if (p !== parts[i]) return undefined;
  }
  return params;
}
