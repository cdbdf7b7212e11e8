import type { Pool } from '../roles/pool/pool.js';
import type { RouteHandler } from './server.js';

/** The pool's JSON API on SRI's paths. */
export function poolRoutes(pool: Pool): Record<string, RouteHandler> {
  return {
    '/api/v1/health': () => ({ status: 'ok' }),
    '/api/v1/global': () => pool.global(),
    '/api/v1/server/channels': () => pool.serverChannels(),
    '/api/v1/clients': () => pool.clients(),
    '/api/v1/clients/{id}': ({ id }) => (/^\d+$/.test(id!) ? pool.client(Number(id)) : undefined),
  };
}
