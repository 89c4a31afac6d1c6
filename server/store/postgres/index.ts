import type { Result } from '../../../protocol/result';
import { ok } from '../../../protocol/result';
import type { Store } from '../repositories';
import { PgCodeRepository, PgCookieRepository, PgSecretRepository, PgUserRepository } from './accounts';
import { PgAssetRepository } from './assets';
import { PgChatRequestRepository } from './chatRequests';
import { PgClientRepository } from './clients';
import { PgConversationRepository } from './conversations';
import { openPostgres } from './database';
import { PG_MIGRATIONS } from './migrations';
import { PgKeyPackageRepository } from './keyPackages';
import { PgNotificationRepository } from './notifications';
import { PgInstanceBus } from './instanceBus';
import { PgLoginThrottleRepository } from './loginThrottle';
import { PgRateWindowRepository } from './rateWindows';
import { PgSubconversationRepository } from './subconversations';

/**
 * The store on a PostgreSQL server (`--database postgres://…`), for operators who run the
 * database apart from the server, back it up with PostgreSQL's own tools, and later run several
 * server instances on it. Same repositories and answers as the SQLite store.
 */
export async function openPostgresStore(url: string, poolSize?: number): Promise<Result<Store>> {
  const opened = await openPostgres(url, PG_MIGRATIONS, poolSize);
  if (!opened.ok) return opened;
  const db = opened.value;
  const instances = new PgInstanceBus(url, db);
  return ok({
    users: new PgUserRepository(db),
    codes: new PgCodeRepository(db),
    cookies: new PgCookieRepository(db),
    clients: new PgClientRepository(db),
    keyPackages: new PgKeyPackageRepository(db),
    conversations: new PgConversationRepository(db),
    subconversations: new PgSubconversationRepository(db),
    chatRequests: new PgChatRequestRepository(db),
    notifications: new PgNotificationRepository(db),
    assets: new PgAssetRepository(db),
    secrets: new PgSecretRepository(db),
    rateWindows: new PgRateWindowRepository(db),
    loginThrottle: new PgLoginThrottleRepository(db),
    instances,
    ping: async () => {
      await db.query('SELECT 1');
    },
    close: async () => {
      await instances.close();
      await db.end();
    },
  });
}
