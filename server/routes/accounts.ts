import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { meetsPasswordPolicy, ROUTES } from '../../protocol';
import { CODE_RULES, hashCode, newSixDigitCode } from '../auth/codes';
import { checkPassword, hashNewPassword, hashRefusal } from '../auth/passwordCheck';
import type { ServerContext } from '../context';
import { clearedCookieHeader } from '../http/cookies';
import { defineRoute } from '../http/defineRoute';
import { done, fail, refused } from '../http/outcome';
import { checkSecondFactor } from './secondFactor';
import { renewIfOld, startSession } from './session';

const ACTIVATION = 'activation';
const PASSWORD_RESET = 'password-reset';

/** Seed 002: the reset key is the SHA-256 of the user id, so it names the account without revealing it. */
function resetKeyOf(userId: string): string {
  return createHash('sha256').update(userId).digest('base64url');
}

/** Registration, login, token refresh, logout and password reset. */
export function registerAccountRoutes(app: FastifyInstance, context: ServerContext): void {
  const { store, mailer, limiter } = context;

  defineRoute(app, context, ROUTES.sendActivationCode, async ({ body }) => {
    const limited = refused(await limiter.attempt('send-code', body.email));
    if (limited) return limited;
    // The same answer for a registered address, so this endpoint cannot list accounts; its
    // owner gets a mail instead of a code, and registering with any code then fails as a wrong
    // code does.
    if (await store.users.byEmail(body.email)) {
      await mailer.send({
        to: body.email,
        kind: 'activation-existing',
        subject: 'Someone tried to create a Cairn account with your address',
        text: 'Someone asked to create a Cairn account with this e-mail address, but you already have one. If it was you, sign in instead, or reset your password if you forgot it. If it was not you, ignore this e-mail.',
      });
      return done({});
    }
    const code = newSixDigitCode();
    await store.codes.put(ACTIVATION, body.email, hashCode(body.email, code), context.now() + CODE_RULES.activation.ttlMs);
    await mailer.send({
      to: body.email,
      kind: 'activation',
      code,
      subject: 'Your Cairn verification code',
      text: `Your Cairn verification code is ${code}. It is valid for 14 days.`,
    });
    return done({});
  });

  defineRoute(app, context, ROUTES.register, async ({ body, reply, request }) => {
    const limited = refused(await limiter.attempt('verify-code', body.email));
    if (limited) return limited;
    if (!meetsPasswordPolicy(body.password)) return fail('weak-password');
    // Asked before the single-use code is spent, so a full hashing queue does not cost the code.
    const busy = context.hashPool.refusal(request.ip);
    if (busy) return hashRefusal(busy);
    const check = await store.codes.consume(ACTIVATION, body.email, hashCode(body.email, body.code), context.now(), CODE_RULES.activation.attempts);
    if (check === 'wrong') return fail('invalid-code');
    if (check === 'exhausted') return fail('code-exhausted');
    const hashed = await hashNewPassword(context, body.password, request.ip);
    if (!hashed.ok) return hashed;
    const userId = randomUUID();
    const created = await store.users.create({
      id: userId,
      email: body.email,
      name: body.name,
      handle: null,
      accentId: 0,
      locale: body.locale ?? 'en',
      picture: null,
      passwordHash: hashed.value,
      secondFactor: false,
      createdAt: context.now(),
    });
    if (created === 'email-exists') return fail('email-exists');
    context.log.info({ event: 'user-registered', user: userId }, 'user registered');
    return done(await startSession(context, reply, userId, body.cookie, body.label));
  });

  defineRoute(app, context, ROUTES.login, async ({ body, reply, request }) => {
    const user = await store.users.byEmail(body.email);
    const checked = await checkPassword(context, body.email, request.ip, body.password, user?.passwordHash);
    if (!checked.ok) return checked;
    if (!user) return fail('invalid-credentials');
    if (user.secondFactor) {
      const second = await checkSecondFactor(context, user.id, 'login', body.verificationCode);
      if (!second.ok) return second;
    }
    return done(await startSession(context, reply, user.id, body.cookie, body.label));
  });

  defineRoute(app, context, ROUTES.sendVerificationCode, async ({ body }) => {
    const limited = refused(await limiter.attempt('send-code', body.email));
    if (limited) return limited;
    const user = await store.users.byEmail(body.email);
    // Answer the same whether or not the account exists, so the endpoint cannot list accounts.
    if (!user) return done({});
    const code = newSixDigitCode();
    await store.codes.put(`2fa-${body.action}`, user.id, hashCode(user.id, code), context.now() + CODE_RULES.secondFactor.ttlMs);
    await mailer.send({
      to: user.email,
      kind: `2fa-${body.action}`,
      code,
      subject: 'Your Cairn security code',
      text: `Your Cairn code to ${body.action === 'login' ? 'sign in' : 'add a device'} is ${code}. It is valid for 15 minutes.`,
    });
    return done({});
  });

  defineRoute(app, context, ROUTES.refresh, async ({ auth, query, reply }) => {
    const cookie = await renewIfOld(context, reply, auth.cookie);
    let clientId = cookie.clientId ?? undefined;
    if (query.client_id !== undefined) {
      if (cookie.clientId !== null && cookie.clientId !== query.client_id) return fail('client-required', 'This cookie belongs to another device.');
      if (!(await store.clients.get(cookie.userId, query.client_id))) return fail('client-not-found');
      if (cookie.clientId === null) await store.cookies.bindClient(cookie.id, query.client_id);
      clientId = query.client_id;
    } else if (clientId !== undefined && !(await store.clients.get(cookie.userId, clientId))) {
      return fail('client-not-found');
    }
    const access = context.tokens.issue({ u: cookie.userId, r: cookie.connection, ...(clientId ? { c: clientId } : {}) }, context.now());
    return done({
      user: cookie.userId,
      accessToken: access.token,
      tokenType: 'Bearer' as const,
      expiresIn: access.expiresIn,
      ...(clientId ? { client: clientId } : {}),
    });
  });

  defineRoute(app, context, ROUTES.logout, async ({ auth, reply }) => {
    await store.cookies.delete(auth.cookie.id);
    reply.header('set-cookie', clearedCookieHeader());
    return done({});
  });

  defineRoute(app, context, ROUTES.passwordReset, async ({ body }) => {
    const limited = refused(await limiter.attempt('password-reset', body.email));
    if (limited) return limited;
    // Every path answers 202 and sends one mail, so neither the answer nor its timing tells
    // whether the address has an account or a reset pending.
    const user = await store.users.byEmail(body.email);
    if (!user) {
      await mailer.send({
        to: body.email,
        kind: 'password-reset-unknown',
        subject: 'Reset your Cairn password',
        text: 'Someone asked to reset the Cairn password of this e-mail address, but no account uses it. If it was you, you may have signed up with another address. If it was not you, ignore this e-mail.',
      });
      return done({});
    }
    const key = resetKeyOf(user.id);
    if (await store.codes.pending(PASSWORD_RESET, key, context.now())) {
      await mailer.send({
        to: user.email,
        kind: 'password-reset-pending',
        subject: 'Reset your Cairn password',
        text: 'Someone asked again to reset your Cairn password. The code sent earlier stays valid for up to an hour; no new one is sent until it expires or is used. If it was not you, ignore this e-mail.',
      });
      return done({});
    }
    // Seed 002: the code is a random base64 string of 24 bytes, valid 1 hour.
    const code = randomBytes(24).toString('base64url');
    await store.codes.put(PASSWORD_RESET, key, hashCode(key, code), context.now() + CODE_RULES.passwordReset.ttlMs, user.id);
    await mailer.send({
      to: user.email,
      kind: 'password-reset',
      code: `${key}:${code}`,
      subject: 'Reset your Cairn password',
      text: `Someone asked to reset your Cairn password. If it was you, copy this reset code into Cairn within one hour:\n\n${key}:${code}\n\nIf it was not you, ignore this e-mail.`,
    });
    return done({});
  });

  defineRoute(app, context, ROUTES.passwordResetComplete, async ({ body, request }) => {
    const limited = refused(await limiter.attempt('verify-code', body.key));
    if (limited) return limited;
    if (!meetsPasswordPolicy(body.password)) return fail('weak-password');
    const busy = context.hashPool.refusal(request.ip);
    if (busy) return hashRefusal(busy);
    const user = await store.codes.owner(PASSWORD_RESET, body.key);
    const check = await store.codes.consume(PASSWORD_RESET, body.key, hashCode(body.key, body.code), context.now(), CODE_RULES.passwordReset.attempts);
    if (check === 'wrong') return fail('invalid-code');
    if (check === 'exhausted') return fail('code-exhausted');
    if (user === undefined) return fail('code-exhausted');
    const hashed = await hashNewPassword(context, body.password, request.ip);
    if (!hashed.ok) return hashed;
    await store.users.setPassword(user, hashed.value);
    // Seed 002: resetting the password invalidates all cookies. Open sockets are closed too, so
    // a stolen session ends now rather than when its access token expires.
    await store.cookies.deleteForUser(user);
    context.hub.deliver(await store.notifications.enqueue([{ users: [user], event: { type: 'user.password-changed' } }], context.now()));
    context.hub.userSignedOut(user);
    return done({});
  });
}

