import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context';
import { registerAccountRoutes } from './accounts';
import { registerAssetRoutes } from './assets';
import { registerCallRoutes } from './calls';
import { registerChatRequestRoutes } from './chatRequests';
import { registerClientRoutes } from './clients';
import { registerConversationRoutes } from './conversations';
import { registerFeatureConfigRoutes } from './featureConfigs';
import { registerMlsRoutes } from './mls';
import { registerKeyPackageRoutes } from './keyPackages';
import { registerMetaRoutes } from './meta';
import { registerNotificationRoutes } from './notifications';
import { registerSubconversationRoutes } from './subconversations';
import { registerUserRoutes } from './users';

/** Every route of the API. */
export function registerRoutes(app: FastifyInstance, context: ServerContext): void {
  registerMetaRoutes(app, context);
  registerAccountRoutes(app, context);
  registerUserRoutes(app, context);
  registerChatRequestRoutes(app, context);
  registerClientRoutes(app, context);
  registerKeyPackageRoutes(app, context);
  registerNotificationRoutes(app, context);
  registerConversationRoutes(app, context);
  registerMlsRoutes(app, context);
  registerSubconversationRoutes(app, context);
  registerAssetRoutes(app, context);
  registerCallRoutes(app, context);
  registerFeatureConfigRoutes(app, context);
}
