import type { FastifyInstance } from 'fastify';
import { ROUTES } from '../../protocol';
import type { ServerContext } from '../context';
import { defineRoute } from '../http/defineRoute';
import { done, fail, refused } from '../http/outcome';
import { keyPackageSignatureValid, readKeyPackage } from '../mls/keyPackage';
import { claimLimit } from './claimLimit';

/** MLS key packages per cipher suite: upload by their own client, count, claim-once. */
export function registerKeyPackageRoutes(app: FastifyInstance, context: ServerContext): void {
  const { store, settings } = context;

  defineRoute(app, context, ROUTES.uploadKeyPackages, async ({ auth, params, body }) => {
    if (params.client !== auth.clientId) return fail('client-not-found', 'A device can upload key packages only for itself.');
    const packages = [];
    for (const encoded of body.keyPackages) {
      const data = Buffer.from(encoded, 'base64');
      const read = readKeyPackage(data);
      if (!read.ok) return fail('mls-invalid-message', read.error.message);
      // A key package is the leaf its device will have in every group that adds it: its
      // credential must name the uploading device, and it must be signed by its own leaf key
      // (security review item 1; otherwise anyone could be added under another device's name).
      const { identity } = read.value;
      if (identity.userId !== auth.userId || identity.clientId !== auth.clientId || identity.domain !== settings.domain) {
        return fail('mls-client-mismatch', 'A key package must name the device that uploads it.');
      }
      if (!(await keyPackageSignatureValid(read.value.keyPackage))) return fail('mls-invalid-message', 'A key package’s signature is not valid.');
      packages.push({ cipherSuite: read.value.cipherSuite, data, signatureKey: read.value.keyPackage.leafNode.signaturePublicKey });
    }
    const stored = await store.keyPackages.upload(auth.userId, auth.clientId, packages);
    if (!stored.ok) {
      // A device keeps one MLS signature key per suite for its life (its leaf in every group).
      return fail('mls-client-mismatch', 'A key package must carry the MLS signature key this device registered with its first key packages.');
    }
    return done({ count: stored.count });
  });

  defineRoute(app, context, ROUTES.countKeyPackages, async ({ auth, params, query }) => {
    if (params.client !== auth.clientId) return fail('client-not-found');
    return done({ count: await store.keyPackages.count(auth.userId, auth.clientId, query.ciphersuite) });
  });

  defineRoute(app, context, ROUTES.claimKeyPackages, async ({ auth, params, query }) => {
    const limited = refused(await claimLimit(context, auth.userId, params.id));
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
