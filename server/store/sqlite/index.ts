import type { Result } from '../../../protocol/result';
import { ok } from '../../../protocol/result';
import type { Store } from '../repositories';
import { SqliteAssetRepository } from './assets';
import { SqliteChatRequestRepository } from './chatRequests';
import { SqliteClientRepository } from './clients';
import { SqliteCodeRepository } from './codes';
import { SqliteConversationRepository } from './conversations';
import { SqliteCookieRepository } from './cookies';
import type { Durability } from './database';
import { openDatabase } from './database';
import { lockInstance } from './instanceLock';
import { MIGRATIONS } from '../migrations';
import { SqliteKeyPackageRepository } from './keyPackages';
import { SqliteNotificationRepository } from './notifications';
import { SqliteLoginThrottleRepository } from './loginThrottle';
import { SqliteRateWindowRepository } from './rateWindows';
import { SqliteSecretRepository } from './secrets';
import { SqliteSubconversationRepository } from './subconversations';
import { SqliteUserRepository } from './users';

/** The embedded default store: one SQLite file (WAL) in the data folder. */
export function openSqliteStore(file: string, durability: Durability = 'full'): Result<Store> {
  const lock = lockInstance(file);
  if (!lock.ok) return lock;
  const opened = openDatabase(file, MIGRATIONS, durability);
  if (!opened.ok) {
    lock.value.release();
    return opened;
  }
  const db = opened.value;
  return ok({
    users: new SqliteUserRepository(db),
    codes: new SqliteCodeRepository(db),
    cookies: new SqliteCookieRepository(db),
    clients: new SqliteClientRepository(db),
    keyPackages: new SqliteKeyPackageRepository(db),
    conversations: new SqliteConversationRepository(db),
    subconversations: new SqliteSubconversationRepository(db),
    notifications: new SqliteNotificationRepository(db),
    assets: new SqliteAssetRepository(db),
    chatRequests: new SqliteChatRequestRepository(db),
    secrets: new SqliteSecretRepository(db),
    rateWindows: new SqliteRateWindowRepository(db),
    loginThrottle: new SqliteLoginThrottleRepository(db),
    ping: () => {
      db.prepare('SELECT 1').get();
      return Promise.resolve();
    },
    close: () => {
      db.close();
      lock.value.release();
      return Promise.resolve();
    },
  });
}
