import type { TemplateProvider } from '../roles/template-provider/template-provider.js';
import type { RouteHandler } from './server.js';

/** The Template Provider's JSON API, on the same paths as the other roles'. */
export function tpRoutes(tp: TemplateProvider): Record<string, RouteHandler> {
  return {
    '/api/v1/health': () => tp.health(),
    '/api/v1/global': () => tp.global(),
    '/api/v1/clients': () => tp.clients(),
    '/api/v1/clients/{id}': ({ id }) => (/^\d+$/.test(id!) ? tp.client(Number(id)) : undefined),
  };
}
