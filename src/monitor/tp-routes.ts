import type { TemplateProvider } from '../roles/template-provider/template-provider.js';
import type { RouteHandler } from './server.js';
import { tpClient, tpClients, tpGlobal, tpHealth, tpServer } from './tp-views.js';

/** The Template Provider's JSON API, on the same paths as the other roles'. */
export function tpRoutes(tp: TemplateProvider): Record<string, RouteHandler> {
  return {
    '/api/v1/health': () => tpHealth(tp),
    '/api/v1/global': () => tpGlobal(tp),
    '/api/v1/server': () => tpServer(tp),
    '/api/v1/clients': (params) => tpClients(tp, params),
    '/api/v1/clients/{id}': ({ id }) => (/^\d+$/.test(id!) ? tpClient(tp, Number(id)) : undefined),
  };
}
