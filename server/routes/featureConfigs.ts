import type { FastifyInstance } from 'fastify';
import { ROUTES } from '../../protocol';
import type { ServerContext } from '../context';
import { defineRoute } from '../http/defineRoute';
import { done } from '../http/outcome';

/** `GET /feature-configs`: the administrator's policy (`DIR/policy.json`) for signed-in clients. */
export function registerFeatureConfigRoutes(app: FastifyInstance, context: ServerContext): void {
  defineRoute(app, context, ROUTES.featureConfigs, async () => done(await context.policy.current()));
}
