import type { FastifyInstance } from 'fastify';
import { EmailLookupSchema, meetsPasswordPolicy, ROUTES } from '../../protocol';
import { checkPassword, hashNewPassword } from '../auth/passwordCheck';
import type { ServerContext } from '../context';
import { defineRoute } from '../http/defineRoute';
import { done, fail, refused } from '../http/outcome';
import type { UserRecord } from '../store/records';
import { toProfile, toSelf } from './profiles';

/** Profiles, handles, search, password and 2FA settings. */
export function registerUserRoutes(app: FastifyInstance, context: ServerContext): void {
  const { store, settings } = context;
  /** Tells the user's devices and everyone who shares a conversation with them. */
  const announce = async (userId: string) => {
    const user = await store.users.byId(userId);
    if (!user) return;
    const audience = new Set<string>([userId]);
    for (const conversation of await store.conversations.listForUser(userId)) {
      for (const member of conversation.members) audience.add(member.userId);
    }
    context.hub.deliver(await store.notifications.enqueue([{ users: [...audience], event: { type: 'user.update', user: toProfile(user, settings.domain) } }], context.now()));
  };
  /** Whether `userId` already knows `otherId`: themselves, a shared conversation, or an accepted chat request. */
  const knows = async (userId: string, otherId: string): Promise<boolean> => {
    if (userId === otherId) return true;
    if ((await store.chatRequests.acceptedAmong(userId, [otherId])).length > 0) return true;
    return (await store.conversations.listForUser(userId)).some((conversation) => conversation.members.some((member) => member.userId === otherId));
  };
  const self = async (userId: string) => {
    const user = await store.users.byId(userId);
    return user ? done(toSelf(user, settings.domain)) : fail('unauthorized');
  };

  defineRoute(app, context, ROUTES.getSelf, async ({ auth }) => self(auth.userId));

  defineRoute(app, context, ROUTES.updateSelf, async ({ auth, body }) => {
    if (body.picture !== undefined && body.picture !== null) {
      const asset = await store.assets.get(body.picture);
      if (!asset || asset.owner !== auth.userId || !asset.public) return fail('asset-not-found', 'A profile picture must be a public asset you uploaded.');
    }
    await store.users.update(auth.userId, body);
    if (body.name !== undefined || body.accentId !== undefined || body.picture !== undefined) await announce(auth.userId);
    return self(auth.userId);
  });

  defineRoute(app, context, ROUTES.setHandle, async ({ auth, body }) => {
    const result = await store.users.setHandle(auth.userId, body.handle);
    if (result === 'handle-exists') {
      const current = await store.users.byId(auth.userId);
      if (current?.handle !== body.handle) return fail('handle-exists');
    } else {
      await announce(auth.userId);
    }
    return self(auth.userId);
  });

  /**
   * Changing the password ends every other session: their cookies are deleted, which also voids
   * their access tokens (`authenticate` asks for the token's cookie), and their sockets close.
   * Whoever changed it stays signed in. A password is changed because it may have leaked, and a
   * thief's session must not outlive it.
   */
  defineRoute(app, context, ROUTES.changePassword, async ({ auth, body, request }) => {
    const user = await store.users.byId(auth.userId);
    if (!user) return fail('unauthorized');
    const checked = await checkPassword(context, user.email, request.ip, body.oldPassword, user.passwordHash);
    if (!checked.ok) return checked;
    if (!meetsPasswordPolicy(body.newPassword)) return fail('weak-password');
    const hashed = await hashNewPassword(context, body.newPassword, request.ip);
    if (!hashed.ok) return hashed;
    await store.users.setPassword(user.id, hashed.value);
    await store.cookies.deleteForUserExcept(user.id, auth.connection);
    context.hub.userSignedOut(user.id, auth.connection);
    return done({});
  });

  defineRoute(app, context, ROUTES.setSecondFactor, async ({ auth, body, request }) => {
    const user = await store.users.byId(auth.userId);
    if (!user) return fail('unauthorized');
    const checked = await checkPassword(context, user.email, request.ip, body.password, user.passwordHash);
    if (!checked.ok) return checked;
    await store.users.setSecondFactor(user.id, body.enabled);
    return self(user.id);
  });

  defineRoute(app, context, ROUTES.getUser, async ({ params }) => {
    if (params.domain !== settings.domain) return fail('user-not-found');
    const user = await store.users.byId(params.id);
    return user ? done(toProfile(user, settings.domain)) : fail('user-not-found');
  });

  defineRoute(app, context, ROUTES.searchUsers, async ({ auth, query }) => {
    const text = query.q.trim().toLowerCase();
    let found: readonly UserRecord[] = [];
    const email = EmailLookupSchema.safeParse(text);
    if (email.success) {
      const limited = refused(await context.limiter.attempt('search-email', auth.userId));
      if (limited) return limited;
      // An address is matched only exactly, and only for people the searcher already knows: a
      // shared conversation, or a chat request one of them accepted. Anyone else is reached by a
      // chat request (`POST /chat-requests`), which answers alike whether the address has an
      // account, so search no longer tells (docs/SECURITY.md §10). The budget above stays so a
      // searcher cannot probe their own contacts' addresses in bulk either.
      // `knows` runs for unknown addresses too, so the time taken does not tell either.
      const user = await store.users.byEmail(email.data);
      const known = await knows(auth.userId, user?.id ?? '');
      found = user && known ? [user] : [];
    } else {
      const handle = text.replace(/^@/, '');
      if (/^[a-z0-9_.-]{1,256}$/.test(handle)) found = await store.users.byHandlePrefix(handle, query.size);
    }
    return done({ results: found.map((user) => toProfile(user, settings.domain)) });
  });
}
