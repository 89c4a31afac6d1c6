import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context';
import { registerAccountRoutes } from './accounts';
import { registerMetaRoutes } from './meta';

/** Every route of the API. */
export function registerRoutes(app: FastifyInstance, context: ServerContext): void {
  registerMetaRoutes(app, context);
  registerAccountRoutes(app, context);
}
