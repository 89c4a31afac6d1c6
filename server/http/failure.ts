import type { FastifyReply } from 'fastify';
import type { ApiErrorBody, ApiErrorCode } from '../../protocol';
import { API_ERRORS } from '../../protocol';
import type { FailureExtra } from './outcome';

/**
 * Sends the stable error body for `code`; `extra` carries the current epoch for stale commits
 * (in the body) and the wait before a retry (as `Retry-After` in whole seconds, RFC 9110 §10.2.3).
 */
export function sendFailure(reply: FastifyReply, code: ApiErrorCode, message?: string, extra: FailureExtra = {}): FastifyReply {
  const body: ApiErrorBody = { code, message: message ?? API_ERRORS[code].message, ...(extra.epoch === undefined ? {} : { epoch: extra.epoch }) };
  if (extra.retryAfterMs !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(extra.retryAfterMs / 1000))));
  return reply.code(API_ERRORS[code].status).type('application/json').send(body);
}
