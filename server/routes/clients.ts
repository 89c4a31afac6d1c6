import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Client } from '../../protocol';
import { MAX_PERMANENT_CLIENTS, ROUTES } from '../../protocol';
import { checkPassword } from '../auth/passwordCheck';
import type { ServerContext } from '../context';
import { defineRoute } from '../http/defineRoute';
import { done, fail, refused } from '../http/outcome';
import type { ClientRecord, Fanout } from '../store/records';
import { memberUserIds, qualifiedConversation, qualifiedUser } from '../conversations/view';
import { claimLimit } from './claimLimit';
import { checkSecondFactor } from './secondFactor';

export function toClient(client: ClientRecord): Client {
  return {
    id: client.id,
    type: client.type,
    class: client.class,
    model: client.model,
    label: client.label,
    time: new Date(client.createdAt).toISOString(),
  };
}

/** Devices: register (re-entered password), list, label, delete (password); Proteus prekeys. */
export function registerClientRoutes(app: FastifyInstance, context: ServerContext): void {
  const { store, settings } = context;

  /** Events asking the members of every group that held `clientId` to commit its removal. */
  const goneFromGroups = async (userId: string, clientId: string): Promise<Fanout[]> =>
    (await store.conversations.listForUser(userId))
      .filter((conversation) => conversation.clients.some((member) => member.userId === userId && member.clientId === clientId))
      .map((conversation) => ({
        users: memberUserIds(conversation),
        except: { userId, clientId },
        event: {
          type: 'conversation.mls-client-gone' as const,
          conversation: qualifiedConversation(conversation, settings.domain),
          user: qualifiedUser(userId, settings.domain),
          client: clientId,
        },
      }));

  const confirmPassword = async (userId: string, password: string, address: string) => {
    const user = await store.users.byId(userId);
    if (!user) return fail('unauthorized');
    const checked = await checkPassword(context, user.email, address, password, user.passwordHash);
    return checked.ok ? done(user) : checked;
  };

  defineRoute(app, context, ROUTES.addClient, async ({ auth, body, request }) => {
    const checked = await confirmPassword(auth.userId, body.password, request.ip);
    if (!checked.ok) return checked;
    const user = checked.value;
    if (user.secondFactor) {
      const second = await checkSecondFactor(context, user.id, 'create-client', body.verificationCode);
      if (!second.ok) return second;
    }
    const client: ClientRecord = {
      userId: user.id,
      id: randomBytes(8).toString('hex'),
      type: body.type,
      class: body.class,
      model: body.model ?? null,
      label: body.label ?? null,
      createdAt: context.now(),
    };
    const previousTemporary = body.type === 'temporary' ? (await store.clients.list(user.id)).find((existing) => existing.type === 'temporary') : undefined;
    const gone = previousTemporary ? await goneFromGroups(user.id, previousTemporary.id) : [];
    // Seed 002: every existing client of the account is told about a new client.
    const outcome = await store.clients.add(
      client,
      body.lastPrekey,
      body.prekeys,
      MAX_PERMANENT_CLIENTS,
      (added, replaced) => [
        ...(replaced ? [{ users: [user.id], except: { userId: user.id, clientId: added.id }, event: { type: 'user.client-remove' as const, client: replaced.id } }] : []),
        { users: [user.id], except: { userId: user.id, clientId: added.id }, event: { type: 'user.client-add' as const, client: toClient(added) } },
        ...(replaced && replaced.id === previousTemporary?.id ? gone : []),
      ],
      context.now(),
    );
    if (outcome.kind === 'too-many') return fail('too-many-clients');
    if (outcome.replaced) context.hub.clientRemoved({ userId: user.id, clientId: outcome.replaced.id });
    context.hub.deliver(outcome.delivered);
    // Seed 002: the user is also told by e-mail, to notice stolen credentials.
    await context.mailer.send({
      to: user.email,
      kind: 'new-client',
      subject: 'A new device was added to your Cairn account',
      text: `A new ${client.class} device${client.model ? ` (${client.model})` : ''} was added to your account on ${new Date(client.createdAt).toUTCString()}. If this was not you, change your password and remove the device.`,
    });
    context.log.info({ event: 'client-added', user: user.id, client: client.id, type: client.type }, 'client added');
    return done(toClient(outcome.client));
  });

  defineRoute(app, context, ROUTES.listClients, async ({ auth }) => done({ clients: (await store.clients.list(auth.userId)).map(toClient) }));

  defineRoute(app, context, ROUTES.updateClient, async ({ auth, params, body }) => {
    const client = await store.clients.get(auth.userId, params.client);
    if (!client) return fail('client-not-found');
    if (body.label !== undefined) await store.clients.setLabel(auth.userId, client.id, body.label);
    const updated = await store.clients.get(auth.userId, client.id);
    return updated ? done(toClient(updated)) : fail('client-not-found');
  });

  defineRoute(app, context, ROUTES.deleteClient, async ({ auth, params, body, request }) => {
    const checked = await confirmPassword(auth.userId, body.password, request.ip);
    if (!checked.ok) return checked;
    const client = await store.clients.get(auth.userId, params.client);
    if (!client) return fail('client-not-found');
    const delivered = await store.clients.delete(
      auth.userId,
      client.id,
      [{ users: [auth.userId], event: { type: 'user.client-remove', client: client.id } }, ...(await goneFromGroups(auth.userId, client.id))],
      context.now(),
    );
    // Seed 002: the removed device is told, and erases its local state.
    context.hub.clientRemoved({ userId: auth.userId, clientId: client.id });
    context.hub.deliver(delivered);
    context.log.info({ event: 'client-removed', user: auth.userId, client: client.id }, 'client removed');
    return done({});
  });

  defineRoute(app, context, ROUTES.uploadPrekeys, async ({ auth, params, body }) => {
    if (!(await store.clients.get(auth.userId, params.client))) return fail('client-not-found');
    return done({ count: await store.clients.uploadPrekeys(auth.userId, params.client, body.prekeys) });
  });

  defineRoute(app, context, ROUTES.countPrekeys, async ({ auth, params }) => {
    if (!(await store.clients.get(auth.userId, params.client))) return fail('client-not-found');
    return done({ count: await store.clients.countPrekeys(auth.userId, params.client) });
  });

  defineRoute(app, context, ROUTES.userClients, async ({ params }) => {
    if (params.domain !== settings.domain || !(await store.users.byId(params.id))) return fail('user-not-found');
    return done({ clients: (await store.clients.list(params.id)).map((client) => ({ id: client.id, class: client.class })) });
  });

  defineRoute(app, context, ROUTES.claimPrekey, async ({ auth, params }) => {
    const limited = refused(await claimLimit(context, auth.userId, params.id));
    if (limited) return limited;
    if (params.domain !== settings.domain) return fail('client-not-found');
    const prekey = await store.clients.claimPrekey(params.id, params.client);
    return prekey ? done({ client: params.client, prekey }) : fail('client-not-found');
  });

  defineRoute(app, context, ROUTES.claimPrekeyBundle, async ({ auth, params }) => {
    const limited = refused(await claimLimit(context, auth.userId, params.id));
    if (limited) return limited;
    if (params.domain !== settings.domain || !(await store.users.byId(params.id))) return fail('user-not-found');
    const claimed = [];
    for (const client of await store.clients.list(params.id)) {
      const prekey = await store.clients.claimPrekey(params.id, client.id);
      if (prekey) claimed.push({ client: client.id, prekey });
    }
    return done({ user: params.id, clients: claimed });
  });
}
