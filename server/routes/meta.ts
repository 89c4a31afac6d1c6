import type { FastifyInstance } from 'fastify';
import { API_VERSION, buildOpenApiDocument, ROUTES } from '../../protocol';
import type { ServerContext } from '../context';
import { defineRoute } from '../http/defineRoute';
import { done } from '../http/outcome';

/** `/version` (what the client probes before sign-in) and the OpenAPI document. */
export function registerMetaRoutes(app: FastifyInstance, context: ServerContext): void {
  defineRoute(app, context, ROUTES.version, async () => done({ apiVersion: API_VERSION, domain: context.settings.domain }));
  const document = buildOpenApiDocument();
  app.get('/openapi.json', async (_request, reply) => reply.type('application/json').send(document));
}
