import type { FastifyInstance } from 'fastify';
import { ROUTES } from '../../protocol';
import type { ServerContext } from '../context';
import { defineRoute } from '../http/defineRoute';
import { done, fail, refused } from '../http/outcome';
import { readKeyPackageSuite } from '../mls/wire';
import { claimLimit } from './claimLimit';

/** MLS key packages per cipher suite: upload by their own client, count, claim-once. */
export function registerKeyPackageRoutes(app: FastifyInstance, context: ServerContext): void {
  const { store, settings } = context;

  defineRoute(app, context, ROUTES.uploadKeyPackages, async ({ auth, params, body }) => {
    if (params.client !== auth.clientId) return fail('client-not-found', 'A device can upload key packages only for itself.');
    const packages = [];
    for (const encoded of body.keyPackages) {
      const data = Buffer.from(encoded, 'base64');
      const suite = readKeyPackageSuite(data);
      if (!suite.ok) return fail('mls-invalid-message', suite.error.message);
      packages.push({ cipherSuite: suite.value, data });
    }
    return done({ count: await store.keyPackages.upload(auth.userId, auth.clientId, packages) });
  });

  defineRoute(app, context, ROUTES.countKeyPackages, async ({ auth, params, query }) => {
    if (params.client !== auth.clientId) return fail('client-not-found');
    return done({ count: await store.keyPackages.count(auth.userId, auth.clientId, query.ciphersuite) });
  });

  defineRoute(app, context, ROUTES.claimKeyPackages, async ({ auth, params, query }) => {
    const limited = refused(claimLimit(context, auth.userId, params.id));
    if (limited) return limited;
    if (params.domain !== settings.domain || !(await store.users.byId(params.id))) return fail('user-not-found');
    const claimed = await store.keyPackages.claim(params.id, query.ciphersuite, { userId: auth.userId, clientId: auth.clientId });
    return done({
      keyPackages: claimed.map((keyPackage) => ({
        user: { id: params.id, domain: settings.domain },
        client: keyPackage.clientId,
        cipherSuite: keyPackage.cipherSuite,
        keyPackage: keyPackage.data.toString('base64'),
      })),
    });
  });
}
