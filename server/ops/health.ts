import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context';
import type { FdLimit } from './fdLimit';
import { describeFdLimit } from './fdLimit';

export type HealthReport = Readonly<{
  ok: boolean;
  database: 'ok' | 'unreachable';
  websockets: number;
  hashQueue: number;
  fdLimit: string;
}>;

/** Whether the server can do its work now: the database answers. The rest is detail for operators. */
export async function healthReport(context: ServerContext, fdLimit: FdLimit | undefined): Promise<HealthReport> {
  let database: HealthReport['database'] = 'ok';
  try {
    await context.store.ping();
  } catch {
    database = 'unreachable';
  }
  return {
    ok: database === 'ok',
    database,
    websockets: context.hub.socketCount(),
    hashQueue: context.hashPool.stats().queued,
    fdLimit: describeFdLimit(fdLimit?.soft),
  };
}

/**
 * `GET /health` on the public port, for load balancers and uptime checks: 200 `{"status":"ok"}`
 * while the database answers, else 503 `{"status":"unavailable"}`. It says nothing else (counts
 * and limits are on the operator's listener only) and needs no sign-in. It is not in the API's
 * route table: clients never call it.
 */
export function registerHealthRoute(app: FastifyInstance, context: ServerContext): void {
  app.get('/health', async (_request, reply) => {
    const report = await healthReport(context, undefined);
    return reply
      .code(report.ok ? 200 : 503)
      .header('cache-control', 'no-store')
      .send({ status: report.ok ? 'ok' : 'unavailable' });
  });
}
