import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Parsed, RouteAuth, RouteSpec } from '../../protocol';
import type { ServerContext } from '../context';
import type { CookieRecord } from '../store/records';
import { authenticate, authenticateCookie } from './authenticate';
import { sendFailure } from './failure';
import type { Outcome } from './outcome';

export type UserAuth = Readonly<{ userId: string; clientId: string | undefined; connection: string }>;
export type ClientAuth = Readonly<{ userId: string; clientId: string; connection: string }>;
export type CookieAuth = Readonly<{ cookie: CookieRecord; value: string }>;

type AuthOf<A extends RouteAuth> = A extends 'client'
  ? ClientAuth
  : A extends 'user'
    ? UserAuth
    : A extends 'cookie'
      ? CookieAuth
      : undefined;

type ResponseOf<R extends RouteSpec> = R['response'] extends z.ZodType ? z.input<R['response']> : undefined;

export type HandlerInput<R extends RouteSpec> = Readonly<{
  params: Parsed<R['params']>;
  query: Parsed<R['query']>;
  body: Parsed<R['body']>;
  auth: AuthOf<R['auth']>;
  request: FastifyRequest;
  reply: FastifyReply;
}>;

export type Handler<R extends RouteSpec> = (input: HandlerInput<R>) => Promise<Outcome<ResponseOf<R>>>;

function parseSlot(schema: z.ZodType | undefined, value: unknown): { ok: true; value: unknown } | { ok: false; message: string } {
  if (schema === undefined) return { ok: true, value: undefined };
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return { ok: false, message: `The request was malformed (${where}${issue?.message ?? 'invalid'}). Nothing was changed.` };
}

/**
 * Registers a route from its `protocol/` spec: authenticates as the spec says, validates params,
 * query and body with its zod schemas (→ 400 `bad-request`), and turns the handler's outcome into
 * the response. Handlers therefore only ever see parsed, typed input.
 */
export function defineRoute<R extends RouteSpec>(app: FastifyInstance, context: ServerContext, spec: R, handler: Handler<R>): void {
  app.route({
    method: spec.method,
    url: spec.path,
    handler: async (request, reply) => {
      const auth = await authenticateFor(spec.auth, request, context);
      if (!auth.ok) return sendFailure(reply, auth.error.code, auth.error.message);
      const params = parseSlot(spec.params, request.params);
      const query = parseSlot(spec.query, request.query);
      const body = parseSlot(spec.body, request.body);
      for (const slot of [params, query, body]) {
        if (!slot.ok) return sendFailure(reply, 'bad-request', slot.message);
      }
      // The slots were parsed by exactly the schemas `Parsed<R[...]>` is computed from.
      const input = {
        params: params.ok ? params.value : undefined,
        query: query.ok ? query.value : undefined,
        body: body.ok ? body.value : undefined,
        auth: auth.value,
        request,
        reply,
      } as HandlerInput<R>;
      const outcome = await handler(input);
      if (!outcome.ok) {
        const { code, message, ...extra } = outcome.error;
        return sendFailure(reply, code, message, extra);
      }
      // Routes without a JSON answer (asset download) have sent their own response.
      if (spec.response === undefined || reply.sent) return reply;
      return reply.code(spec.status).send(outcome.value);
    },
  });
}

async function authenticateFor(
  mode: RouteAuth,
  request: FastifyRequest,
  context: ServerContext,
): Promise<Outcome<UserAuth | ClientAuth | CookieAuth | undefined>> {
  switch (mode) {
    case 'none':
      return { ok: true, value: undefined };
    case 'cookie':
      return authenticateCookie(request, context);
    case 'user':
      return authenticate(request, context, false);
    case 'client':
      return authenticate(request, context, true);
  }
}
