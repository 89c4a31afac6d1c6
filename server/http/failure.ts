import type { FastifyReply } from 'fastify';
import type { ApiErrorBody, ApiErrorCode } from '../../protocol';
import { API_ERRORS } from '../../protocol';

/** Sends the stable error body for `code`; `extra` carries the current epoch for stale commits. */
export function sendFailure(reply: FastifyReply, code: ApiErrorCode, message?: string, extra?: { epoch?: number }): FastifyReply {
  const body: ApiErrorBody = { code, message: message ?? API_ERRORS[code].message, ...extra };
  return reply.code(API_ERRORS[code].status).type('application/json').send(body);
}
