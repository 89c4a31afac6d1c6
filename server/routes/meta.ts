import type { FastifyInstance } from 'fastify';
import { API_VERSION, buildOpenApiDocument, ROUTES } from '../../protocol';
import type { ServerContext } from '../context';
import { defineRoute } from '../http/defineRoute';
import { done } from '../http/outcome';

/** `/version` (what the client probes before sign-in), `/pins` and the OpenAPI document. */
export function registerMetaRoutes(app: FastifyInstance, context: ServerContext): void {
  defineRoute(app, context, ROUTES.version, async () => done({ apiVersion: API_VERSION, domain: context.settings.domain }));
  // Pin rotation: clients learn the next key's pin over a connection the current key verified.
  defineRoute(app, context, ROUTES.serverPins, async () => done({ current: context.settings.pins.current, next: [...context.settings.pins.next] }));
  const document = buildOpenApiDocument();
  app.get('/openapi.json', async (_request, reply) => reply.type('application/json').send(document));
}
