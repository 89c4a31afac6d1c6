import type { FastifyError, FastifyInstance } from 'fastify';
import { sendFailure } from './failure';

/**
 * Maps everything that escapes a handler to a stable error body. Client mistakes caught by
 * fastify itself (bad JSON, wrong content type, oversized body) are 4xx; anything else is
 * logged and answered `internal` without details.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setNotFoundHandler((_request, reply) => sendFailure(reply, 'not-found'));
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || status === 413) return sendFailure(reply, 'payload-too-large');
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || status === 415) return sendFailure(reply, 'unsupported-media-type');
    if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError) return sendFailure(reply, 'invalid-json');
    if (status >= 400 && status < 500) return sendFailure(reply, 'bad-request');
    request.log.error({ err: { message: error.message, code: error.code, stack: error.stack } }, 'request failed');
    return sendFailure(reply, 'internal');
  });
}
