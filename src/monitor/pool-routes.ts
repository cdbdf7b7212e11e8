import type { Pool } from '../roles/pool/pool.js';
import { historyRoute } from './history-route.js';
import { poolBlocks, poolClient, poolClientChannels, poolClients, poolGlobal, poolServer } from './pool-views.js';
import type { RouteHandler } from './server.js';

/** The pool's JSON API on SRI's paths. */
export function poolRoutes(pool: Pool): Record<string, RouteHandler> {
  return {
    '/api/v1/health': () => pool.health(),
    '/api/v1/global': () => poolGlobal(pool),
    '/api/v1/server': () => poolServer(pool),
    '/api/v1/clients': (params) => poolClients(pool, params),
    '/api/v1/clients/{id}': ({ id }) => (/^\d+$/.test(id!) ? poolClient(pool, Number(id)) : undefined),
    '/api/v1/clients/{id}/channels': (params) => (/^\d+$/.test(params.id!) ? poolClientChannels(pool, Number(params.id), params) : undefined),
    '/api/v1/blocks': ({ limit }) => poolBlocks(pool, limit),
    '/api/v1/history': historyRoute(pool.history.sink, pool.now),
  };
}
